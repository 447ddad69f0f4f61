//! Debian packages the tests need, installed by the test setup itself: when a program is
//! missing and the tests run as root with `apt-get` (a fresh CI machine or container), the
//! package is installed once per process, without standard input or questions. Elsewhere the
//! caller reports what to install; tests fail, they never skip.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock, PoisonError};

use crate::run_output;

/// Debian's package tool.
const APT_GET: &str = "/usr/bin/apt-get";

/// Whether this process may install packages: root, with `apt-get` at hand.
pub fn may_install() -> bool {
    let root = Command::new("id")
        .arg("-u")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|out| out.status.success() && out.stdout.trim_ascii() == b"0");
    root && Path::new(APT_GET).exists()
}

/// `apt-get update`, then `apt-get install -y --no-install-recommends <packages>`, once per
/// process for each set of packages (tests running in parallel wait for the one install). The
/// error is what `apt-get` said, the same for every caller.
pub fn install(packages: &[&str]) -> Result<(), String> {
    /// Each set of packages installed so far, with how it went.
    type Installs = HashMap<Vec<String>, Result<(), String>>;
    static DONE: OnceLock<Mutex<Installs>> = OnceLock::new();
    let key: Vec<String> = packages.iter().map(|p| (*p).to_owned()).collect();
    // One install at a time: apt-get holds a lock on the package database anyway.
    let mut done = DONE
        .get_or_init(Mutex::default)
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    done.entry(key)
        .or_insert_with(|| {
            let apt = |args: &[&str]| {
                let mut command = Command::new(APT_GET);
                command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
                run_output("apt-get", &mut command).map(drop)
            };
            apt(&["update"])
                .and_then(|()| {
                    let mut args = vec!["install", "-y", "--no-install-recommends"];
                    args.extend_from_slice(packages);
                    apt(&args)
                })
                .map_err(|e| e.to_string())
        })
        .clone()
}
