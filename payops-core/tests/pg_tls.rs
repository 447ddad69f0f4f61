//! TLS to the shared database, against a real server (a `pg-testkit` cluster with TLS turned
//! on, its certificates made here): `sslmode=require` connects over TLS only to a server whose
//! certificate chains to `sslrootcert` and names the host; the default stays plain TCP.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::Path;

use payops_core::pg::{TlsError, pool};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A certificate authority, and a server certificate it signed for `names` with its key (PEM).
struct Pki {
    ca: String,
    cert: String,
    key: String,
}

fn pki(names: &[&str]) -> Pki {
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let names: Vec<String> = names.iter().map(|n| (*n).to_owned()).collect();
    let cert = CertificateParams::new(names)
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    Pki {
        ca: ca.pem(),
        cert: cert.pem(),
        key: key.serialize_pem(),
    }
}

/// Whether the pool's connection to `url` is encrypted, as the server sees it.
async fn over_tls(url: &str) -> Result<bool, BoxError> {
    let database = pool::<BoxError>(url, 1)?;
    let client = database.pool.get().await?;
    let row = client
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await?;
    // A connection outside the pool (the store's listener) is made the same way.
    let (single, messages) = database.connect().await?;
    let driving = tokio::spawn(async move {
        let mut messages = messages;
        while futures::StreamExt::next(&mut messages).await.is_some() {}
    });
    let single_row = single
        .query_one(
            "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()",
            &[],
        )
        .await?;
    drop(single);
    driving.abort();
    let (pooled, alone): (bool, bool) = (row.try_get(0)?, single_row.try_get(0)?);
    assert_eq!(pooled, alone);
    Ok(pooled)
}

fn write(dir: &Path, name: &str, pem: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, pem).unwrap();
    path.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn require_connects_over_tls_only_to_a_server_the_root_file_vouches_for() {
    let server = pki(&["127.0.0.1", "localhost"]);
    let cluster = tokio::task::spawn_blocking(move || {
        let cluster = pg_testkit::Cluster::start().unwrap();
        cluster.enable_tls(&server.cert, &server.key).unwrap();
        (cluster, server.ca)
    });
    let (cluster, ca) = cluster.await.unwrap();
    let files = tempfile::tempdir().unwrap();
    let ca = write(files.path(), "ca.pem", &ca);
    let url = cluster.url();

    // Required, with the server's authority: TLS.
    let required = format!("{url}?sslmode=require&sslrootcert={ca}");
    assert!(over_tls(&required).await.unwrap());

    // The default (prefer) and disable: plain TCP, as before TLS was supported.
    assert!(!over_tls(&url).await.unwrap());
    assert!(!over_tls(&format!("{url}?sslmode=disable")).await.unwrap());

    // Another authority, or none (the platform's roots do not know this one): refused.
    let stranger = write(files.path(), "other.pem", &pki(&["127.0.0.1"]).ca);
    let err = over_tls(&format!("{url}?sslmode=require&sslrootcert={stranger}"))
        .await
        .unwrap_err();
    assert!(format!("{err:?}").contains("InvalidCertificate"), "{err:?}");
    assert!(over_tls(&format!("{url}?sslmode=require")).await.is_err());

    // A certificate for another name, from the trusted authority: refused.
    let misnamed = pki(&["db.example"]);
    let misnamed_ca = write(files.path(), "misnamed-ca.pem", &misnamed.ca);
    let (cert, key) = (misnamed.cert, misnamed.key);
    let other = tokio::task::spawn_blocking(move || {
        let cluster = pg_testkit::Cluster::start().unwrap();
        cluster.enable_tls(&cert, &key).unwrap();
        cluster
    })
    .await
    .unwrap();
    let err = over_tls(&format!(
        "{}?sslmode=require&sslrootcert={misnamed_ca}",
        other.url()
    ))
    .await
    .unwrap_err();
    assert!(format!("{err:?}").contains("NotValidForName"), "{err:?}");
}

/// The [`TlsError`] opening a pool of `url` gives.
fn tls_error(url: &str) -> TlsError {
    let err = pool::<BoxError>(url, 1).unwrap_err();
    match err.downcast::<TlsError>() {
        Ok(err) => *err,
        Err(other) => panic!("not a TLS settings error: {other}"),
    }
}

#[test]
fn tls_settings_that_cannot_be_used_are_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.pem");
    let err = tls_error(&format!(
        "postgres://u@127.0.0.1:1/x?sslmode=require&sslrootcert={}",
        missing.display()
    ));
    assert!(err.reason.contains("missing.pem"), "{err}");

    let empty = write(dir.path(), "empty.pem", "no certificate here\n");
    let err = tls_error(&format!(
        "postgres://u@127.0.0.1:1/x?sslmode=require&sslrootcert={empty}"
    ));
    assert!(err.reason.contains("holds no certificate"), "{err}");

    let err = tls_error(&format!("postgres://u@127.0.0.1:1/x?sslrootcert={empty}"));
    assert!(err.reason.contains("sslmode is not require"), "{err}");
}
