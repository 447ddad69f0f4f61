//! Throwaway PostgreSQL clusters for tests.
//!
//! [`Cluster::start`] runs `initdb` in a new temporary directory (trust authentication, user
//! `postgres`, UTF8, `--no-sync`), picks a free loopback port and starts the server with
//! `pg_ctl -w`, listening only on `127.0.0.1` with its Unix sockets inside the temporary
//! directory. Durability is off (`fsync`, `synchronous_commit`, `full_page_writes`) because the
//! data is thrown away; `max_connections` is 200 so that many pools can run at once.
//! [`Cluster::create_database`] and [`Cluster::fresh_database`] give each test its own database.
//!
//! The programs are looked up on `PATH` first, then in `/usr/lib/postgresql/<version>/bin`
//! (Debian's layout, newest version first). When they are missing and the tests run as root
//! with `apt-get` (a fresh CI machine or container), Debian's `postgresql` package is installed
//! first, once per process. Otherwise a missing installation is an [`Error::NotInstalled`] that
//! says how to install it: the PostgreSQL tests fail, they never skip.
//!
//! `initdb` refuses to run as root, so when the test process is root (as CI is) every server
//! program runs as the `postgres` system user (`runuser -u postgres --`) and the temporary
//! directory is handed to that user.
//!
//! # Stopping
//!
//! Each cluster has a watchdog: a small `sh` process whose standard input is a pipe held by the
//! test process. When that pipe closes it runs `pg_ctl stop -m immediate` and removes the
//! temporary directory. Dropping a [`Cluster`] closes the pipe and waits for the watchdog. The
//! cluster behind [`shared`] lives in a static that is never dropped; the operating system closes
//! the pipe when the test process exits, however it exits (even by `SIGKILL`), so that cluster
//! is stopped and removed too. The watchdog ignores `SIGHUP`, `SIGINT` and `SIGTERM` so that a
//! Ctrl-C sent to the whole process group still cleans up; only a `SIGKILL` sent to the watchdog
//! itself leaves a server behind.
//!
//! ```no_run
//! let cluster = pg_testkit::shared();
//! let url = cluster.fresh_database()?;
//! assert!(url.starts_with("postgres://postgres@127.0.0.1:"));
//! # Ok::<(), pg_testkit::Error>(())
//! ```

use std::ffi::OsString;
use std::fs::{self, OpenOptions};
use std::io::{self, Write};
use std::net::{Ipv4Addr, TcpListener};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

pub mod debian;

/// Where Debian's `postgresql-<version>` packages put the server programs.
const DEBIAN_LIB: &str = "/usr/lib/postgresql";

/// The programs a cluster needs, all from one directory so their versions match.
const SERVER_PROGRAMS: [&str; 3] = ["initdb", "pg_ctl", "postgres"];

/// How many ports to try when another process takes the free port before the server binds it.
const PORT_ATTEMPTS: u32 = 5;

/// Runs after the test process closes the pipe on standard input (by dropping the [`Cluster`]
/// or by exiting). Arguments: the temporary directory, the data directory, then the command that
/// runs `pg_ctl` (with `runuser` in front when the test process is root).
const WATCHDOG: &str = r#"trap '' HUP INT TERM
root=$1; data=$2; shift 2
read -r _ || true
"$@" stop -D "$data" -m immediate >/dev/null 2>&1
rm -rf "$root"
"#;

/// Settings appended to `postgresql.conf`; `{socket_dir}` is replaced by the quoted directory.
const TEST_SETTINGS: &str = "
# pg-testkit: a throwaway cluster for tests, loopback only, durability off (the data is discarded)
listen_addresses = '127.0.0.1'
unix_socket_directories = {socket_dir}
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
";

/// What can go wrong while starting or using a test cluster.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No directory on `PATH` or under `/usr/lib/postgresql/<version>/bin` holds `initdb`,
    /// `pg_ctl` and `postgres`.
    #[error(
        "PostgreSQL is not installed: no directory on PATH or under /usr/lib/postgresql/<version>/bin \
         holds initdb, pg_ctl and postgres. Install it with \
         `apt-get install postgresql` (Debian, Ubuntu); the PostgreSQL tests need it and do not skip"
    )]
    NotInstalled,
    /// PostgreSQL was missing and installing Debian's `postgresql` package failed.
    #[error("PostgreSQL is not installed and `apt-get install postgresql` failed: {output}")]
    InstallFailed {
        /// What `apt-get` said.
        output: String,
    },
    /// The test process is root, where `initdb` refuses to run, and there is no `postgres`
    /// system user to run the cluster as.
    #[error(
        "running as root, so the cluster must run as the `postgres` system user, which was not found \
         ({detail}); `apt-get install postgresql` creates it"
    )]
    NoPostgresUser {
        /// What the user lookup said.
        detail: String,
    },
    /// A program could not be started at all.
    #[error("could not run {program}: {source}")]
    Spawn {
        /// The program, as named in the command.
        program: String,
        /// Why it could not be started.
        #[source]
        source: io::Error,
    },
    /// A program ran and failed.
    #[error("{program} failed ({status}): {output}")]
    Failed {
        /// The program and its sub-command.
        program: String,
        /// How it exited.
        status: ExitStatus,
        /// Its standard output and error, and the server log when the server did not start.
        output: String,
    },
    /// The server did not turn TLS on after [`Cluster::enable_tls`].
    #[error("the server did not turn TLS on within 5 s (its log is in {})", dir.display())]
    TlsNotOn {
        /// The cluster's directory.
        dir: PathBuf,
    },
    /// A file or directory of the cluster could not be created or written.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: &'static str,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A database name this kit does not accept (it must need no quoting in SQL or in a URL).
    #[error(
        "database name {0:?} refused: use 1 to 63 ASCII letters, digits or underscores, \
         not starting with a digit"
    )]
    InvalidDatabaseName(String),
}

fn io_error(what: &'static str) -> impl FnOnce(io::Error) -> Error {
    move |source| Error::Io { what, source }
}

/// A running throwaway PostgreSQL server; stopped and removed when dropped.
#[derive(Debug)]
pub struct Cluster {
    port: u16,
    dir: PathBuf,
    psql: PathBuf,
    /// Whether the server runs as the `postgres` user (the test process is root).
    as_root: bool,
    /// Stops the server and removes `dir` when dropped (or when the process exits).
    _watchdog: Watchdog,
}

impl Cluster {
    /// Creates and starts a new cluster in a new temporary directory.
    ///
    /// Takes about a second. Fails with [`Error::NotInstalled`] when PostgreSQL's server
    /// programs cannot be found.
    pub fn start() -> Result<Cluster, Error> {
        let bin = server_programs()?;
        let temp = tempfile::Builder::new()
            .prefix("pg-testkit-")
            .tempdir()
            .map_err(io_error("creating the temporary directory"))?;
        // The directory we just created is owned by our effective user id.
        let as_root = fs::metadata(temp.path())
            .map_err(io_error("reading the temporary directory"))?
            .uid()
            == 0;
        let runner = Runner {
            as_postgres: as_root,
            cwd: temp.path().to_path_buf(),
        };
        if as_root {
            let (uid, gid) = postgres_user()?;
            std::os::unix::fs::chown(temp.path(), Some(uid), Some(gid)).map_err(io_error(
                "handing the temporary directory to the postgres user",
            ))?;
        }
        let data = temp.path().join("data");
        let watchdog = Watchdog::spawn(temp.path(), &data, runner.command(&bin.join("pg_ctl")))?;
        // From here on the watchdog removes the directory, even if the process is killed.
        let dir = temp.keep();

        run_output(
            "initdb",
            runner
                .command(&bin.join("initdb"))
                .arg("-D")
                .arg(&data)
                .args([
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--locale=C",
                    "--auth=trust",
                    "--no-sync",
                ]),
        )?;
        append_settings(&data, &dir)?;

        let port = start_server(&runner, &bin.join("pg_ctl"), &data, &dir)?;
        let psql = match bin.join("psql") {
            bundled if is_executable(&bundled) => bundled,
            _ => PathBuf::from("psql"),
        };
        Ok(Cluster {
            port,
            dir,
            psql,
            as_root,
            _watchdog: watchdog,
        })
    }

    /// The loopback port the server listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// The temporary directory holding the data directory (`data/`), the Unix sockets and the
    /// server logs (`server-<attempt>.log`); removed when the cluster stops.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The URL of the `postgres` database as superuser `postgres` (no password):
    /// `postgres://postgres@127.0.0.1:PORT/postgres`.
    pub fn url(&self) -> String {
        self.database_url("postgres")
    }

    /// Creates database `name` and returns its URL
    /// (`postgres://postgres@127.0.0.1:PORT/<name>`).
    ///
    /// `name` must be 1 to 63 ASCII letters, digits or underscores, not starting with a digit
    /// ([`Error::InvalidDatabaseName`]); an existing name is an [`Error::Failed`].
    pub fn create_database(&self, name: &str) -> Result<String, Error> {
        validate_database_name(name)?;
        // The name is validated above, so it needs no quoting.
        self.psql(&self.url(), &format!("CREATE DATABASE {name}"))?;
        Ok(self.database_url(name))
    }

    /// Creates a database with a name not used before in this process (`test_<n>`) and returns
    /// its URL; the usual way for each test to get its own database.
    pub fn fresh_database(&self) -> Result<String, Error> {
        static NEXT: AtomicU64 = AtomicU64::new(1);
        self.create_database(&format!("test_{}", NEXT.fetch_add(1, Ordering::Relaxed)))
    }

    /// Runs `sql` with `psql` against `database_url` (stopping at the first error) and returns
    /// its output, unaligned and without headers (`psql -At`), e.g. `"on\n"` for `SHOW fsync`.
    pub fn psql(&self, database_url: &str, sql: &str) -> Result<String, Error> {
        let output = run_output(
            "psql",
            Command::new(&self.psql)
                .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d"])
                .arg(database_url)
                .arg("-c")
                .arg(sql),
        )?;
        Ok(String::from_utf8_lossy(&output).into_owned())
    }

    /// Turns TLS on with this certificate chain and private key (PEM), for tests of clients
    /// that connect with `sslmode=require`. Plain connections keep working.
    pub fn enable_tls(&self, cert_pem: &str, key_pem: &str) -> Result<(), Error> {
        let data = self.dir.join("data");
        for (name, pem) in [("server.crt", cert_pem), ("server.key", key_pem)] {
            let path = data.join(name);
            fs::write(&path, pem).map_err(io_error("writing the TLS files"))?;
            // The server refuses a key that others may read.
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600))
                .map_err(io_error("restricting the TLS files"))?;
            if self.as_root {
                let (uid, gid) = postgres_user()?;
                std::os::unix::fs::chown(&path, Some(uid), Some(gid))
                    .map_err(io_error("handing the TLS files to the postgres user"))?;
            }
        }
        // One statement each: `ALTER SYSTEM` refuses to run inside a transaction block.
        self.psql(&self.url(), "ALTER SYSTEM SET ssl = on")?;
        self.psql(&self.url(), "SELECT pg_reload_conf()")?;
        // The server reloads its settings after answering; new sessions show when it did.
        for _ in 0..100 {
            if self.psql(&self.url(), "SHOW ssl")?.trim() == "on" {
                return Ok(());
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Err(Error::TlsNotOn {
            dir: self.dir.clone(),
        })
    }

    fn database_url(&self, name: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{name}", self.port)
    }
}

/// The cluster shared by every test of this process, started on first use.
///
/// It is never dropped (it lives in a static); its watchdog stops it and removes its directory
/// when the process exits (see the crate documentation).
///
/// # Panics
///
/// When the cluster cannot be started, with the [`Error`]'s message (for instance how to install
/// PostgreSQL). The failure is remembered, so every test using the shared cluster fails with the
/// same message rather than trying again.
pub fn shared() -> &'static Cluster {
    static SHARED: OnceLock<Result<Cluster, Error>> = OnceLock::new();
    match SHARED.get_or_init(Cluster::start) {
        Ok(cluster) => cluster,
        Err(error) => panic!("pg-testkit: the shared PostgreSQL cluster did not start: {error}"),
    }
}

/// Owns the watchdog process; dropping it closes the pipe and waits for the cleanup to finish.
#[derive(Debug)]
struct Watchdog {
    stdin: Option<ChildStdin>,
    child: Child,
}

impl Watchdog {
    fn spawn(dir: &Path, data: &Path, pg_ctl: Command) -> Result<Watchdog, Error> {
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(WATCHDOG)
            .arg("pg-testkit-watchdog")
            .arg(dir)
            .arg(data)
            .arg(pg_ctl.get_program())
            .args(pg_ctl.get_args())
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = command.spawn().map_err(|source| Error::Spawn {
            program: "sh (watchdog)".into(),
            source,
        })?;
        Ok(Watchdog {
            stdin: child.stdin.take(),
            child,
        })
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        drop(self.stdin.take());
        // Nothing to report to from a drop; waiting only makes the stop synchronous.
        let _ = self.child.wait();
    }
}

/// Runs the server programs, as the `postgres` user when the test process is root.
struct Runner {
    as_postgres: bool,
    /// A directory the `postgres` user can enter (initdb fails in one it cannot).
    cwd: PathBuf,
}

impl Runner {
    fn command(&self, program: &Path) -> Command {
        let mut command = if self.as_postgres {
            let mut runuser = Command::new("runuser");
            runuser.args(["-u", "postgres", "--"]).arg(program);
            runuser
        } else {
            Command::new(program)
        };
        command.current_dir(&self.cwd);
        command
    }
}

/// Runs `command` with no input; its standard output on success, everything it said otherwise.
fn run_output(program: &str, command: &mut Command) -> Result<Vec<u8>, Error> {
    let output = command
        .stdin(Stdio::null())
        .output()
        .map_err(|source| Error::Spawn {
            program: program.to_owned(),
            source,
        })?;
    if output.status.success() {
        return Ok(output.stdout);
    }
    Err(Error::Failed {
        program: program.to_owned(),
        status: output.status,
        output: format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
        .trim()
        .to_owned(),
    })
}

/// Starts the server on a free port, trying another one when the port was taken in between.
fn start_server(runner: &Runner, pg_ctl: &Path, data: &Path, dir: &Path) -> Result<u16, Error> {
    let mut attempt = 1;
    loop {
        let port = free_port()?;
        let log = dir.join(format!("server-{attempt}.log"));
        let started = run_output(
            "pg_ctl start",
            runner
                .command(pg_ctl)
                .args(["start", "-w", "-t", "120", "-D"])
                .arg(data)
                .arg("-l")
                .arg(&log)
                .arg("-o")
                .arg(format!("-p {port}")),
        );
        match started {
            Ok(_) => return Ok(port),
            Err(Error::Failed {
                program,
                status,
                output,
            }) => {
                // The log may not exist if the server never got that far.
                let server_log = fs::read_to_string(&log).unwrap_or_default();
                if server_log.contains("Address already in use") && attempt < PORT_ATTEMPTS {
                    attempt += 1;
                    continue;
                }
                return Err(Error::Failed {
                    program,
                    status,
                    output: format!("{output}\nserver log ({}):\n{server_log}", log.display()),
                });
            }
            Err(other) => return Err(other),
        }
    }
}

/// A loopback port nothing listens on right now.
fn free_port() -> Result<u16, Error> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .map_err(io_error("finding a free loopback port"))?;
    Ok(listener
        .local_addr()
        .map_err(io_error("finding a free loopback port"))?
        .port())
}

fn append_settings(data: &Path, socket_dir: &Path) -> Result<(), Error> {
    let quoted = format!("'{}'", socket_dir.display().to_string().replace('\'', "''"));
    let mut conf = OpenOptions::new()
        .append(true)
        .open(data.join("postgresql.conf"))
        .map_err(io_error("opening postgresql.conf"))?;
    conf.write_all(TEST_SETTINGS.replace("{socket_dir}", &quoted).as_bytes())
        .map_err(io_error("writing postgresql.conf"))
}

/// The `postgres` system user's uid and gid.
fn postgres_user() -> Result<(u32, u32), Error> {
    let id = |flag: &str| -> Result<u32, Error> {
        let output =
            run_output("id", Command::new("id").arg(flag).arg("postgres")).map_err(|error| {
                Error::NoPostgresUser {
                    detail: error.to_string(),
                }
            })?;
        String::from_utf8_lossy(&output)
            .trim()
            .parse()
            .map_err(|_| Error::NoPostgresUser {
                detail: format!(
                    "`id {flag} postgres` printed {:?}",
                    String::from_utf8_lossy(&output)
                ),
            })
    };
    Ok((id("-u")?, id("-g")?))
}

/// The directory of the server programs. When they are missing and this process may install
/// packages (root, with `apt-get`: a fresh CI machine or container), Debian's `postgresql` is
/// installed first, once per process: the test setup installs what the tests need. Elsewhere a
/// missing installation is [`Error::NotInstalled`].
fn server_programs() -> Result<PathBuf, Error> {
    let find = || find_bin_dir(std::env::var_os("PATH"), Path::new(DEBIAN_LIB));
    match find() {
        Err(Error::NotInstalled) if debian::may_install() => {
            debian::install(&["postgresql"]).map_err(|output| Error::InstallFailed { output })?;
            find()
        }
        found => found,
    }
}

/// The first directory on `path` holding all server programs, else the newest
/// `<lib>/<version>/bin` holding them.
fn find_bin_dir(path: Option<OsString>, lib: &Path) -> Result<PathBuf, Error> {
    let has_programs = |dir: &Path| {
        SERVER_PROGRAMS
            .iter()
            .all(|name| is_executable(&dir.join(name)))
    };
    if let Some(found) = path
        .iter()
        .flat_map(std::env::split_paths)
        .find(|dir| has_programs(dir))
    {
        return Ok(found);
    }
    let versions = fs::read_dir(lib)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = version_key(&entry.file_name().to_string_lossy())?;
            let bin = entry.path().join("bin");
            has_programs(&bin).then_some((version, bin))
        });
    versions
        .max_by(|a, b| a.0.cmp(&b.0))
        .map(|(_, bin)| bin)
        .ok_or(Error::NotInstalled)
}

/// `"15"` → `[15]`, `"9.6"` → `[9, 6]`, so that 15 sorts after 9.6; `None` for other names.
fn version_key(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.permissions().mode() & 0o111 != 0)
}

fn validate_database_name(name: &str) -> Result<(), Error> {
    let valid = (1..=63).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.starts_with(|c: char| c.is_ascii_digit());
    if valid {
        Ok(())
    } else {
        Err(Error::InvalidDatabaseName(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fake_bin(dir: &Path, programs: &[&str]) {
        fs::create_dir_all(dir).unwrap();
        for name in programs {
            let path = dir.join(name);
            fs::write(&path, "#!/bin/sh\n").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    #[test]
    fn missing_installation_is_an_error_that_says_how_to_install() {
        let empty = tempfile::tempdir().unwrap();
        let error = find_bin_dir(
            Some(OsString::from(empty.path())),
            &empty.path().join("none"),
        )
        .unwrap_err();
        assert!(matches!(error, Error::NotInstalled));
        assert!(
            error.to_string().contains("apt-get install postgresql"),
            "{error}"
        );
    }

    #[test]
    fn newest_debian_version_with_every_program_wins_numerically() {
        let lib = tempfile::tempdir().unwrap();
        fake_bin(&lib.path().join("9.6/bin"), &SERVER_PROGRAMS);
        fake_bin(&lib.path().join("15/bin"), &SERVER_PROGRAMS);
        // Newer but incomplete (a client-only install), so it is skipped.
        fake_bin(&lib.path().join("16/bin"), &["initdb", "pg_ctl"]);
        fake_bin(&lib.path().join("not-a-version/bin"), &SERVER_PROGRAMS);
        let found = find_bin_dir(None, lib.path()).unwrap();
        assert_eq!(found, lib.path().join("15/bin"));
    }

    #[test]
    fn path_is_searched_before_debian_directories() {
        let lib = tempfile::tempdir().unwrap();
        fake_bin(&lib.path().join("15/bin"), &SERVER_PROGRAMS);
        let on_path = tempfile::tempdir().unwrap();
        fake_bin(on_path.path(), &SERVER_PROGRAMS);
        let path =
            std::env::join_paths([lib.path().join("missing"), on_path.path().to_owned()]).unwrap();
        assert_eq!(
            find_bin_dir(Some(path), lib.path()).unwrap(),
            on_path.path()
        );
    }

    #[test]
    fn non_executable_programs_do_not_count() {
        let lib = tempfile::tempdir().unwrap();
        fake_bin(&lib.path().join("15/bin"), &SERVER_PROGRAMS);
        let initdb = lib.path().join("15/bin/initdb");
        fs::set_permissions(&initdb, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            find_bin_dir(None, lib.path()),
            Err(Error::NotInstalled)
        ));
    }

    #[test]
    fn database_names_needing_quotes_are_refused() {
        for name in [
            "",
            "1abc",
            "a-b",
            "a b",
            "x\"; DROP DATABASE postgres; --",
            &"a".repeat(64),
        ] {
            assert!(
                matches!(validate_database_name(name), Err(Error::InvalidDatabaseName(n)) if n == name),
                "{name:?}"
            );
        }
        for name in ["a", "orders_2", "_x", &"a".repeat(63)] {
            assert!(validate_database_name(name).is_ok(), "{name:?}");
        }
    }
}
