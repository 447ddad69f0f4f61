//! The spinner of long work, on standard error and only on a terminal.

use std::borrow::Cow;
use std::time::Duration;

use indicatif::ProgressBar;

/// A spinner cleared however the command ends (an error's message then stands alone).
pub(crate) struct Spinner(ProgressBar);

impl Spinner {
    /// A spinner showing `message`.
    pub(crate) fn start(message: impl Into<Cow<'static, str>>) -> Self {
        let bar = ProgressBar::new_spinner();
        bar.enable_steady_tick(Duration::from_millis(120));
        bar.set_message(message);
        Self(bar)
    }

    /// Shows what is being done now.
    pub(crate) fn say(&self, message: impl Into<Cow<'static, str>>) {
        self.0.set_message(message);
    }
}

impl Drop for Spinner {
    fn drop(&mut self) {
        self.0.finish_and_clear();
    }
}
