//! What every crate keeping tables in a shared PostgreSQL database needs (the runtime's store,
//! the ledger): a connection pool whose connections cannot hold locks for long once their
//! client is gone ([`pool`]), and a versioned schema migrated once when several processes start
//! together ([`Schema`]).

mod pool;
mod schema;

pub use pool::{IDLE_IN_TRANSACTION, pool};
pub use schema::{Migration, Schema, TooNew};
