//! A real headless Chromium for tests, driven over WebDriver.
//!
//! [`Browser::start`] starts Debian's `chromedriver` (Chromium's own WebDriver server) on a free
//! loopback port; [`Browser::session`] opens a [`fantoccini::Client`] on a new headless
//! Chromium with a fresh profile, so a test loads a page, runs script in it and measures what
//! the browser laid out, as a person's browser would show it.
//!
//! When `chromium` or `chromedriver` is missing and the tests run as root with `apt-get` (a fresh
//! CI machine or container), Debian's `chromium` and `chromium-driver` packages are installed
//! first, once per process ([`pg_testkit::debian`]). Otherwise a missing browser is
//! [`Error::NotInstalled`], which says what to install: the browser tests fail, they never skip.
//!
//! Chromium runs with the flags this closed network needs (no background networking, component
//! updates, sync or QUIC, whose connections would be refused), without the GPU, and, as CI runs
//! as root, without its sandbox.
//!
//! # Stopping
//!
//! `chromedriver` runs under a watchdog `sh` whose standard input is a pipe the test process
//! holds: when the pipe closes (the [`Browser`] is dropped, or the test process exits however it
//! exits) the watchdog stops the driver and every browser it started (one process group), even
//! those of a session a failing test never closed.
//!
//! ```no_run
//! # async fn run() -> Result<(), browser_testkit::Error> {
//! let browser = browser_testkit::Browser::start()?;
//! let page = browser.session().await?;
//! page.goto("file:///tmp/report.html").await?;
//! let title = page.execute("return document.title", vec![]).await?;
//! page.close().await?;
//! # Ok(()) }
//! ```

use std::io::{self, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::Client;
use serde_json::json;

/// The programs, as Debian's packages install them.
const CHROMIUM: &str = "chromium";
const CHROMEDRIVER: &str = "chromedriver";

/// The Debian packages that hold them.
const PACKAGES: [&str; 2] = ["chromium", "chromium-driver"];

/// How long `chromedriver` may take to listen.
const START_TIMEOUT: Duration = Duration::from_secs(20);

/// Stops the driver when the test process closes the pipe on standard input. Arguments: the log
/// file, then the driver's command.
const WATCHDOG: &str = r#"trap '' HUP INT TERM
log=$1; shift
# The driver leads a process group of its own, which the browsers it starts join, so that one
# signal stops them all; and it must not inherit the ignored signals.
(trap - HUP INT TERM; exec setsid "$@") >"$log" 2>&1 &
driver=$!
read -r _ || true
kill -TERM "-$driver" 2>/dev/null
wait "$driver" 2>/dev/null
sleep 0.2
kill -KILL "-$driver" 2>/dev/null
exit 0
"#;

/// Chromium's switches for a headless run on a machine without a display or outside network.
const CHROMIUM_ARGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1280,900",
];

/// What can go wrong while starting or driving the browser.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// `chromium` or `chromedriver` is on no directory of `PATH`.
    #[error(
        "{program} is not installed (not on PATH). Install it with \
         `apt-get install chromium chromium-driver` (Debian); the browser tests need it and do not skip"
    )]
    NotInstalled {
        /// The missing program.
        program: &'static str,
    },
    /// The browser was missing and installing Debian's packages failed.
    #[error(
        "Chromium is not installed and `apt-get install chromium chromium-driver` failed: {output}"
    )]
    InstallFailed {
        /// What `apt-get` said.
        output: String,
    },
    /// The driver could not be started, or did not listen in time.
    #[error("chromedriver did not start: {detail}")]
    Driver {
        /// Why, with the driver's log when there is one.
        detail: String,
    },
    /// A local file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The failure.
        #[source]
        source: io::Error,
    },
    /// WebDriver refused to open a session.
    #[error("could not open a browser session: {0}")]
    Session(#[from] fantoccini::error::NewSessionError),
    /// A WebDriver command failed.
    #[error("a browser command failed: {0}")]
    Command(#[from] fantoccini::error::CmdError),
}

/// A running `chromedriver`, stopped on drop.
#[derive(Debug)]
pub struct Browser {
    chromium: PathBuf,
    port: u16,
    dir: tempfile::TempDir,
    watchdog: Child,
    pipe: Option<ChildStdin>,
}

impl Browser {
    /// Starts `chromedriver` on a free loopback port (installing the packages first when they
    /// are missing and this process may).
    pub fn start() -> Result<Self, Error> {
        let (chromium, driver) = match programs() {
            Err(Error::NotInstalled { .. }) if pg_testkit::debian::may_install() => {
                pg_testkit::debian::install(&PACKAGES)
                    .map_err(|output| Error::InstallFailed { output })?;
                programs()?
            }
            found => found?,
        };
        let dir = tempfile::Builder::new()
            .prefix("browser-testkit-")
            .tempdir()
            .map_err(|source| Error::Io {
                what: "creating a temporary directory",
                source,
            })?;
        let port = free_port()?;
        let log = dir.path().join("chromedriver.log");
        let mut watchdog = Command::new("sh")
            .arg("-c")
            .arg(WATCHDOG)
            .arg("browser-testkit")
            .arg(&log)
            .arg(&driver)
            .arg(format!("--port={port}"))
            .arg("--allowed-ips=127.0.0.1")
            // Chromium's own temporary files (`org.chromium.Chromium.*`) go to the kit's
            // directory, removed with it, not to the machine's /tmp.
            .env("TMPDIR", dir.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|source| Error::Io {
                what: "starting chromedriver",
                source,
            })?;
        let pipe = watchdog.stdin.take();
        let browser = Self {
            chromium,
            port,
            dir,
            watchdog,
            pipe,
        };
        browser.wait_listening(&log)?;
        Ok(browser)
    }

    /// The loopback port the driver listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// A new headless Chromium with its own empty profile, under WebDriver. Close it with
    /// [`Client::close`] (the driver closes what is left when the [`Browser`] stops).
    pub async fn session(&self) -> Result<Client, Error> {
        let profile = tempfile::Builder::new()
            .prefix("profile-")
            .tempdir_in(self.dir.path())
            .map_err(|source| Error::Io {
                what: "creating a browser profile",
                source,
            })?
            .keep();
        let mut args: Vec<String> = CHROMIUM_ARGS.iter().map(|a| (*a).to_owned()).collect();
        args.push(format!("--user-data-dir={}", profile.display()));
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".to_owned(),
            json!({"binary": self.chromium, "args": args}),
        );
        let builder = fantoccini::ClientBuilder::rustls().map_err(|source| Error::Io {
            what: "setting up the WebDriver client",
            source,
        })?;
        Ok(builder
            .clone()
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await?)
    }

    /// Waits until the driver accepts connections, or fails with its log.
    fn wait_listening(&self, log: &Path) -> Result<(), Error> {
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            if TcpStream::connect((Ipv4Addr::LOCALHOST, self.port)).is_ok() {
                return Ok(());
            }
            if Instant::now() > deadline {
                let said = std::fs::read_to_string(log).unwrap_or_default();
                return Err(Error::Driver {
                    detail: format!(
                        "not listening on 127.0.0.1:{} after {START_TIMEOUT:?}; it said: {}",
                        self.port,
                        said.trim()
                    ),
                });
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // Closing the pipe tells the watchdog to stop the driver; wait so the directory can go.
        if let Some(mut pipe) = self.pipe.take() {
            let _ = pipe.write_all(b"\n");
        }
        let _ = self.watchdog.wait();
    }
}

/// `chromium` and `chromedriver` from `PATH`.
fn programs() -> Result<(PathBuf, PathBuf), Error> {
    let find = |program: &'static str| {
        std::env::var_os("PATH")
            .iter()
            .flat_map(std::env::split_paths)
            .map(|dir| dir.join(program))
            .find(|path| path.is_file())
            .ok_or(Error::NotInstalled { program })
    };
    Ok((find(CHROMIUM)?, find(CHROMEDRIVER)?))
}

/// A port nothing listens on now.
fn free_port() -> Result<u16, Error> {
    TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .map_err(|source| Error::Io {
            what: "choosing a free port",
            source,
        })
}
