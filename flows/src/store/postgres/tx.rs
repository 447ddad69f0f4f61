//! Transactions pipelined on their connection: `BEGIN` goes out with the first statement and
//! `COMMIT` may go out with the last writes, so most store calls take two round trips to the
//! server instead of one per statement.
//!
//! tokio-postgres sends a request when its future is first polled and answers requests in
//! order, so futures polled together travel together, in the order of their first poll:
//! `futures::try_join!` polls in the order given (tokio's `try_join!` rotates its start). A statement that
//! fails aborts the transaction on the server: the statements after it fail, and a `COMMIT`
//! sent behind it rolls back.

use std::sync::atomic::{AtomicBool, Ordering};

use deadpool_postgres::Object;

use crate::FlowError;

/// An open transaction on a connection of the pool. Statements run on it through `Deref`.
pub(super) struct Tx {
    client: Option<Object>,
    /// Whether `COMMIT` or `ROLLBACK` was answered: the connection is out of the transaction.
    ended: AtomicBool,
}

impl Tx {
    /// A transaction on `client`; `BEGIN` is sent by [`Tx::begin`].
    pub(super) fn new(client: Object) -> Self {
        Self {
            client: Some(client),
            ended: AtomicBool::new(false),
        }
    }

    /// Sends `BEGIN`; polled together with the first statement, it costs no round trip of its
    /// own.
    pub(super) async fn begin(&self) -> Result<(), FlowError> {
        Ok(self.batch_execute("BEGIN").await?)
    }

    /// Sends `COMMIT`, unless the transaction ended already: a caller may join this with its
    /// last writes, and the runner's own commit after the body then does nothing.
    pub(super) async fn commit(&self) -> Result<(), FlowError> {
        if self.ended.load(Ordering::Acquire) {
            return Ok(());
        }
        self.batch_execute("COMMIT").await?;
        self.ended.store(true, Ordering::Release);
        Ok(())
    }

    /// Ends a transaction that failed. Should the connection not answer, it leaves the pool
    /// (see [`Drop`]).
    pub(super) async fn rollback(&self) {
        // A transaction that a pipelined `COMMIT` already rolled back only draws a warning.
        if self.batch_execute("ROLLBACK").await.is_ok() {
            self.ended.store(true, Ordering::Release);
        }
    }
}

impl std::ops::Deref for Tx {
    type Target = deadpool_postgres::ClientWrapper;

    fn deref(&self) -> &Self::Target {
        // Present until `drop`.
        self.client.as_deref().unwrap_or_else(|| unreachable!())
    }
}

impl Drop for Tx {
    fn drop(&mut self) {
        // A call given up halfway (its future dropped) leaves its connection in a transaction:
        // the connection is closed rather than handed to the next caller, and the server rolls
        // the transaction back.
        if !self.ended.load(Ordering::Acquire)
            && let Some(client) = self.client.take()
        {
            drop(Object::take(client));
        }
    }
}
