//! TLS for connections to the shared database, chosen by the URL.
//!
//! - `sslmode=require`: TLS with rustls. The server's certificate must chain to the certificate
//!   authorities of the PEM file named by `sslrootcert` (libpq's parameter), or, without it, to
//!   the platform's trust store (as `reqwest` checks provider APIs), and must name the host.
//!   That is libpq's `verify-full`; libpq's `require` checks nothing when no root file exists,
//!   which lets anyone on the path read the payments in transit.
//! - `sslmode=prefer` (the default) and `disable`: plain TCP, as before TLS was supported. Ask
//!   for `require` to get TLS.

use std::sync::Arc;

use rustls::ClientConfig;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use rustls_platform_verifier::BuilderVerifierExt;
use tokio_postgres::Config;
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The URL parameter naming the certificate authorities' PEM file. The driver does not know
/// it: it is taken out of the URL before the URL is parsed.
const ROOT_CERT: &str = "sslrootcert";

/// The database URL's TLS settings could not be used (a root file that cannot be read or holds
/// no certificate, `sslrootcert` without `sslmode=require`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the database URL's TLS settings cannot be used: {reason}")]
pub struct TlsError {
    /// What is wrong.
    pub reason: String,
}

/// `url` without its `sslrootcert` parameter, and the parameter's value. Only URLs
/// (`postgres://...`) carry it; `key=value` settings are left to the driver, which refuses it.
pub(super) fn split_root_cert(url: &str) -> (String, Option<String>) {
    let Ok(mut parsed) = url::Url::parse(url) else {
        return (url.to_owned(), None);
    };
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        return (url.to_owned(), None);
    }
    let mut root = None;
    let kept: Vec<(String, String)> = parsed
        .query_pairs()
        .filter_map(|(key, value)| {
            if key == ROOT_CERT {
                root = Some(value.into_owned());
                None
            } else {
                Some((key.into_owned(), value.into_owned()))
            }
        })
        .collect();
    if root.is_none() {
        return (url.to_owned(), None);
    }
    if kept.is_empty() {
        parsed.set_query(None);
    } else {
        parsed.query_pairs_mut().clear().extend_pairs(kept);
    }
    (parsed.into(), root)
}

/// The TLS connector `config` asks for (`None`: plain TCP).
pub(super) fn connector(
    config: &Config,
    root_cert: Option<&str>,
) -> Result<Option<MakeRustlsConnect>, TlsError> {
    if config.get_ssl_mode() != SslMode::Require {
        return match root_cert {
            Some(_) => Err(TlsError {
                reason: format!("{ROOT_CERT} is given but sslmode is not require"),
            }),
            None => Ok(None),
        };
    }
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| TlsError {
            reason: err.to_string(),
        })?;
    let client = match root_cert {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|err| TlsError {
                reason: format!("{ROOT_CERT} {path}: {err}"),
            })?;
            let mut roots = rustls::RootCertStore::empty();
            for cert in CertificateDer::pem_slice_iter(&pem) {
                let cert = cert.map_err(|err| TlsError {
                    reason: format!("{ROOT_CERT} {path}: {err}"),
                })?;
                roots.add(cert).map_err(|err| TlsError {
                    reason: format!("{ROOT_CERT} {path}: {err}"),
                })?;
            }
            if roots.is_empty() {
                return Err(TlsError {
                    reason: format!("{ROOT_CERT} {path} holds no certificate"),
                });
            }
            builder.with_root_certificates(roots).with_no_client_auth()
        }
        None => builder
            .with_platform_verifier()
            .map_err(|err| TlsError {
                reason: err.to_string(),
            })?
            .with_no_client_auth(),
    };
    Ok(Some(MakeRustlsConnect::new(client)))
}

#[cfg(test)]
mod tests {
    use super::split_root_cert;

    #[test]
    fn the_root_file_is_taken_out_of_the_url() {
        assert_eq!(
            split_root_cert("postgres://u@db/x?sslmode=require&sslrootcert=%2Fetc%2Fca.pem"),
            (
                "postgres://u@db/x?sslmode=require".to_owned(),
                Some("/etc/ca.pem".to_owned())
            )
        );
        assert_eq!(
            split_root_cert("postgresql://db/x?sslrootcert=ca.pem"),
            ("postgresql://db/x".to_owned(), Some("ca.pem".to_owned()))
        );
        assert_eq!(
            split_root_cert("postgres://db/x?sslmode=require"),
            ("postgres://db/x?sslmode=require".to_owned(), None)
        );
        assert_eq!(
            split_root_cert("host=db sslrootcert=ca.pem"),
            ("host=db sslrootcert=ca.pem".to_owned(), None)
        );
    }
}
