//! What every crate keeping tables in a shared PostgreSQL database needs (the runtime's store,
//! the ledger): connections, pooled or not, over plain TCP or verified TLS as the URL says, that
//! cannot hold locks for long once their client is gone ([`pool`]), and a versioned schema
//! migrated once when several processes start together ([`Schema`]).

mod pool;
mod schema;
mod tls;

pub use pool::{Database, IDLE_IN_TRANSACTION, Messages, pool};
pub use schema::{Migration, Schema, TooNew};
pub use tls::TlsError;
