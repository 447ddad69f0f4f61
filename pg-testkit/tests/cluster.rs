//! Real clusters: these tests need PostgreSQL installed and fail (never skip) without it.

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use pg_testkit::{Cluster, Error};

fn accepts_connections(port: u16) -> bool {
    TcpStream::connect_timeout(&(Ipv4Addr::LOCALHOST, port).into(), Duration::from_secs(2)).is_ok()
}

#[test]
fn each_database_is_reachable_by_its_url() {
    let cluster = Cluster::start().unwrap();
    assert_eq!(
        cluster.url(),
        format!("postgres://postgres@127.0.0.1:{}/postgres", cluster.port())
    );

    let alpha = cluster.create_database("alpha").unwrap();
    let beta = cluster.create_database("beta").unwrap();
    assert_eq!(
        alpha,
        format!("postgres://postgres@127.0.0.1:{}/alpha", cluster.port())
    );
    assert_eq!(
        cluster.psql(&alpha, "SELECT current_database()").unwrap(),
        "alpha\n"
    );
    assert_eq!(
        cluster.psql(&beta, "SELECT current_database()").unwrap(),
        "beta\n"
    );

    // The databases are separate: a table made in one is absent from the other.
    cluster
        .psql(&alpha, "CREATE TABLE t (x int); INSERT INTO t VALUES (7)")
        .unwrap();
    assert_eq!(cluster.psql(&alpha, "SELECT x FROM t").unwrap(), "7\n");
    let missing = cluster.psql(&beta, "SELECT x FROM t").unwrap_err();
    assert!(missing.to_string().contains("does not exist"), "{missing}");

    // An SQL error is an error, not an empty answer.
    let again = cluster.create_database("alpha").unwrap_err();
    assert!(matches!(again, Error::Failed { .. }), "{again:?}");
    assert!(again.to_string().contains("already exists"), "{again}");
}

#[test]
fn settings_for_tests_are_applied() {
    let cluster = pg_testkit::shared();
    let settings = cluster
        .psql(
            &cluster.url(),
            "SELECT current_setting('listen_addresses'), current_setting('fsync'), \
             current_setting('synchronous_commit'), current_setting('full_page_writes'), \
             current_setting('max_connections'), current_setting('server_encoding'), \
             current_setting('unix_socket_directories')",
        )
        .unwrap();
    let socket_dir = cluster.dir().display().to_string();
    assert_eq!(
        settings,
        format!("127.0.0.1|off|off|off|200|UTF8|{socket_dir}\n")
    );
    assert!(
        cluster
            .dir()
            .join(format!(".s.PGSQL.{}", cluster.port()))
            .exists()
    );
}

#[test]
fn parallel_clusters_get_their_own_ports_and_are_removed_when_dropped() {
    let (first, second) = std::thread::scope(|scope| {
        let first = scope.spawn(Cluster::start);
        let second = scope.spawn(Cluster::start);
        (
            first.join().unwrap().unwrap(),
            second.join().unwrap().unwrap(),
        )
    });
    assert_ne!(first.port(), second.port());
    assert_ne!(first.dir(), second.dir());
    for cluster in [&first, &second] {
        assert_eq!(cluster.psql(&cluster.url(), "SELECT 1").unwrap(), "1\n");
    }

    let (port, dir) = (first.port(), first.dir().to_owned());
    drop(first);
    assert!(!dir.exists(), "{} left behind", dir.display());
    assert!(
        !accepts_connections(port),
        "server on port {port} still running"
    );
    // The other cluster is untouched.
    assert_eq!(second.psql(&second.url(), "SELECT 2").unwrap(), "2\n");
}

#[test]
fn shared_cluster_is_one_per_process_and_fresh_databases_differ() {
    let cluster = pg_testkit::shared();
    assert!(std::ptr::eq(cluster, pg_testkit::shared()));
    let one = cluster.fresh_database().unwrap();
    let two = cluster.fresh_database().unwrap();
    assert_ne!(one, two);
    for url in [&one, &two] {
        let name = url.rsplit('/').next().unwrap();
        assert_eq!(
            cluster.psql(url, "SELECT current_database()").unwrap(),
            format!("{name}\n")
        );
    }
}

#[test]
fn names_needing_quotes_are_refused_before_reaching_the_server() {
    let cluster = pg_testkit::shared();
    let error = cluster
        .create_database("x; DROP DATABASE postgres")
        .unwrap_err();
    assert!(matches!(error, Error::InvalidDatabaseName(_)), "{error:?}");
    assert_eq!(cluster.psql(&cluster.url(), "SELECT 1").unwrap(), "1\n");
}

/// The shared cluster lives in a static that is never dropped; the watchdog must still stop it
/// and remove its directory when the process dies. Runs this test binary again as a child that
/// starts the shared cluster, prints where it is and waits to be killed with `SIGKILL`.
#[test]
fn shared_cluster_is_stopped_and_removed_when_the_process_is_killed() {
    if std::env::var_os("PG_TESTKIT_CHILD").is_some() {
        let cluster = pg_testkit::shared();
        println!("CLUSTER {} {}", cluster.port(), cluster.dir().display());
        std::thread::sleep(Duration::from_secs(120));
        return;
    }
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "shared_cluster_is_stopped_and_removed_when_the_process_is_killed",
        ])
        .args(["--nocapture", "--test-threads=1"])
        .env("PG_TESTKIT_CHILD", "1")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // The harness prints the test's name on the same line, before the test's own output.
    let line = BufReader::new(child.stdout.take().unwrap())
        .lines()
        .map(Result::unwrap)
        .find_map(|l| l.split_once("CLUSTER ").map(|(_, rest)| rest.to_owned()))
        .expect("child printed its cluster");
    let (port, dir) = line.split_once(' ').unwrap();
    let port: u16 = port.parse().unwrap();
    assert!(accepts_connections(port));
    child.kill().unwrap();
    child.wait().unwrap();

    // The watchdog removes the directory only after `pg_ctl stop` returned, so once the
    // directory is gone the server must be gone too.
    let deadline = Instant::now() + Duration::from_secs(30);
    while Path::new(dir).exists() && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!Path::new(dir).exists(), "{dir} left behind");
    assert!(
        !accepts_connections(port),
        "server on port {port} still running"
    );
}
