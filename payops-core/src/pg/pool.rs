//! The connection pool, with the bounds that keep a lost client from holding locks for hours.

use std::time::Duration;

use deadpool_postgres::{
    BuildError, Hook, HookError, Manager, ManagerConfig, Pool, RecyclingMethod, Runtime,
};
use tokio_postgres::{Config, NoTls};

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

/// A pool of at most `size` connections to the database at `url` (`postgres://...` or
/// `key=value` pairs), and the parsed configuration (for connections outside the pool, such as
/// a listener). Nothing is connected yet.
///
/// Connections are plain TCP or Unix sockets (`NoTls`).
pub fn pool<E>(url: &str, size: usize) -> Result<(Pool, Config), E>
where
    E: From<tokio_postgres::Error> + From<BuildError>,
{
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
    let manager = Manager::from_config(
        config.clone(),
        NoTls,
        ManagerConfig {
            recycling_method: RecyclingMethod::Fast,
        },
    );
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
    Ok((pool, config))
}
