//! Progress of long work, on standard error and only on a terminal: a bar of the bytes read
//! while the inputs are read, a spinner after.

use std::borrow::Cow;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// The progress shown, cleared however the command ends (an error's message then stands alone).
pub(crate) struct Progress(ProgressBar);

impl Progress {
    /// A spinner showing `message`.
    pub(crate) fn start(message: impl Into<Cow<'static, str>>) -> Self {
        let bar = ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message(message);
        Self(bar)
    }

    /// A bar of `total` bytes to read, showing `message`; readers wrapped by [`Progress::bar`]
    /// move it.
    pub(crate) fn bytes(total: u64, message: impl Into<Cow<'static, str>>) -> Self {
        let bar = ProgressBar::new(total);
        // The template is a constant: it parses.
        if let Ok(style) =
            ProgressStyle::with_template("{msg} [{bar:30}] {bytes}/{total_bytes} {eta}")
        {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_message(message);
        Self(bar)
    }

    /// The bar, to wrap a reader with (`bar.wrap_read(file)`).
    pub(crate) fn bar(&self) -> &ProgressBar {
        &self.0
    }

    /// Shows what is being done now, as a spinner.
    pub(crate) fn say(&self, message: impl Into<Cow<'static, str>>) {
        self.0.set_style(ProgressStyle::default_spinner());
        self.0.enable_steady_tick(Duration::from_millis(120));
        self.0.set_message(message);
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
