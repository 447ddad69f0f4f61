//! The connection pool, with the bounds that keep a lost client from holding locks for hours.

use std::pin::Pin;
use std::time::Duration;

use deadpool_postgres::{
    BuildError, Hook, HookError, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime,
};
use futures::Stream;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{AsyncMessage, Client, Config, NoTls, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::tls::{self, TlsError};

/// How long opening a connection may take, unless the URL says (`connect_timeout`).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long an operation waits for a free connection of the pool.
const POOL_WAIT: Duration = Duration::from_secs(30);

/// How long data sent may stay unacknowledged before the client gives the connection up,
/// unless the URL says (`tcp_user_timeout`): a call on a partitioned network fails then instead
/// of hanging for the kernel's retransmission time (about 15 minutes).
const TCP_USER_TIMEOUT: Duration = Duration::from_secs(30);

/// How long an idle connection waits before probing its peer (the URL's `keepalives_idle`, when
/// it is not the driver's default of two hours).
const KEEPALIVES_IDLE: Duration = Duration::from_secs(30);

/// The server ends a session that sits inside a transaction this long (set on each connection
/// when it is opened). Every transaction of the store and the ledger is a few statements sent
/// back to back; one idle this long belongs to a client that is gone (killed, partitioned)
/// and would otherwise keep its row locks, and hold back the store's effect log, until the
/// server's TCP keepalives notice, about two hours later.
pub const IDLE_IN_TRANSACTION: &str = "SET idle_in_transaction_session_timeout = '10s'";

/// A database's connections: a pool, and single connections outside it (a listener), over
/// plain TCP or TLS as its URL says (see [`pool`]).
#[derive(Clone)]
pub struct Database {
    /// The pool.
    pub pool: Pool,
    config: Config,
    tls: Option<MakeRustlsConnect>,
}

/// What a connection outside the pool tells besides query results (notifications, notices);
/// it ends when the connection does.
pub type Messages = Pin<Box<dyn Stream<Item = Result<AsyncMessage, tokio_postgres::Error>> + Send>>;

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The configuration stays out: it holds the password.
        f.debug_struct("Database")
            .field("tls", &self.tls.is_some())
            .finish_non_exhaustive()
    }
}

impl Database {
    /// A connection outside the pool, and its messages (polling them drives the connection).
    pub async fn connect(&self) -> Result<(Client, Messages), tokio_postgres::Error> {
        match &self.tls {
            Some(tls) => connect(&self.config, tls.clone()).await,
            None => connect(&self.config, NoTls).await,
        }
    }
}

/// One connection with `tls`, its messages boxed so that both kinds of stream have one type.
async fn connect<T>(config: &Config, tls: T) -> Result<(Client, Messages), tokio_postgres::Error>
where
    T: MakeTlsConnect<Socket>,
    T::Stream: Send + 'static,
{
    let (client, mut connection) = config.connect(tls).await?;
    let messages = futures::stream::poll_fn(move |cx| connection.poll_message(cx));
    Ok((client, Box::pin(messages)))
}

/// A pool of at most `size` connections to the database at `url` (`postgres://...` or
/// `key=value` pairs). Nothing is connected yet.
///
/// Connections use TLS when the URL says `sslmode=require`, verified against the PEM file
/// named by `sslrootcert` or the platform's trust store; otherwise plain TCP (the default
/// `sslmode=prefer` included: ask for `require` to get TLS).
///
/// ```no_run
/// # fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// let database = payops_core::pg::pool::<BoxError>(
///     "postgres://payops@db.internal/payops?sslmode=require&sslrootcert=/etc/payops/db-ca.pem",
///     16,
/// )?;
/// # let _ = database; Ok(()) }
/// ```
pub fn pool<E>(url: &str, size: usize) -> Result<Database, E>
where
    E: From<tokio_postgres::Error> + From<BuildError> + From<TlsError>,
{
    let (url, root_cert) = tls::split_root_cert(url);
    let mut config: Config = url.parse()?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    if config.get_tcp_user_timeout().is_none() {
        config.tcp_user_timeout(TCP_USER_TIMEOUT);
    }
    if config.get_keepalives_idle() == Config::new().get_keepalives_idle() {
        config.keepalives_idle(KEEPALIVES_IDLE);
    }
    let tls = tls::connector(&config, root_cert.as_deref())?;
    let manager_config = ManagerConfig {
        recycling_method: RecyclingMethod::Fast,
    };
    let manager = match &tls {
        Some(tls) => Manager::from_config(config.clone(), tls.clone(), manager_config),
        None => Manager::from_config(config.clone(), NoTls, manager_config),
    };
    let pool = Pool::builder(manager)
        .max_size(size.max(1))
        .runtime(Runtime::Tokio1)
        .wait_timeout(Some(POOL_WAIT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        // A statement, not a startup option: poolers in session mode (PgBouncer) refuse
        // startup options they do not know.
        .post_create(Hook::async_fn(|client, _| {
            Box::pin(async move {
                client
                    .batch_execute(IDLE_IN_TRANSACTION)
                    .await
                    .map_err(HookError::Backend)
            })
        }))
        .build()?;
    Ok(Database { pool, config, tls })
}
