//! Exactly-once external effects: each effect has a key derived from its source event
//! (`shopify/{shop}/order/{id}/sale`), and its result is recorded under that key in the store.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Mutex;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::{NewEffect, Store};
use crate::worker::now_millis;
use crate::{FlowError, StepError};

impl From<FlowError> for StepError {
    /// The store failing is worth a retry: the job stays in the queue.
    fn from(err: FlowError) -> Self {
        StepError::Transient {
            provider: Some("store".to_owned()),
            reason: err.to_string(),
            retry_after: None,
        }
    }
}

/// Runs `effect` unless an effect with `key` was recorded before, in which case its recorded
/// result is returned without calling anything.
///
/// A crash after the effect and before the record leaves no record, so the effect runs again on
/// the retry: `effect` must itself be safe to repeat (Stripe's `Idempotency-Key`, PayTrace's
/// look-up by `invoice_id` before a new sale, Shopify's "already paid", the ERP's external
/// reference). The record makes the common path, a duplicate or replayed job, free of calls.
/// A job with several effects reads them all at once with [`EffectLog`] instead.
pub async fn once<S, T, F, Fut>(
    store: &S,
    key: &str,
    system: &str,
    effect: F,
) -> Result<T, StepError>
where
    S: Store + ?Sized,
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, StepError>>,
{
    if let Some(result) = recorded(store, key).await? {
        return Ok(result);
    }
    perform(store, key, system, effect).await
}

/// The result an earlier step recorded under `key`, if any.
pub async fn recorded<S, T>(store: &S, key: &str) -> Result<Option<T>, StepError>
where
    S: Store + ?Sized,
    T: DeserializeOwned,
{
    store
        .effect(key)
        .await?
        .map(|effect| read(key, &effect.detail))
        .transpose()
}

/// The effects recorded under one key prefix (one order's, say) when a job started, read in a
/// single call, and the effects the job performs, written behind in a single call.
///
/// [`EffectLog::once`] works like [`once`], but answers from the snapshot and keeps the new record
/// in memory until [`EffectLog::flush`], which the job calls once at its end, whatever its outcome.
/// A crash before the flush loses only records, never effects: the retry performs those effects
/// again, which [`once`] already requires to be safe (an effect that must be on record before it
/// is performed, like PayTrace's "sale sent" marker, is written with [`Store::record_effect`]).
/// The snapshot stays true while the job runs because the store runs one job per key at a time
/// and every effect key of a flow starts with its job's key.
///
/// ```no_run
/// # async fn run(store: &flows::SqliteStore) -> Result<(), flows::StepError> {
/// use flows::effects::EffectLog;
///
/// let log = EffectLog::load(store, "shopify/demo.myshopify.com/order/1001/").await?;
/// let outcome = async {
///     let sale: u64 = log
///         .once("shopify/demo.myshopify.com/order/1001/sale", "paytrace", || async { Ok(42) })
///         .await?;
///     Ok::<_, flows::StepError>(sale)
/// }
/// .await;
/// log.flush().await?;
/// # let _ = outcome?;
/// # Ok(()) }
/// ```
pub struct EffectLog<'a, S: ?Sized> {
    store: &'a S,
    recorded: HashMap<String, serde_json::Value>,
    unwritten: Mutex<Vec<NewEffect>>,
}

impl<S: ?Sized> std::fmt::Debug for EffectLog<'_, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EffectLog")
            .field("recorded", &self.recorded.keys().collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl<'a, S: Store + ?Sized> EffectLog<'a, S> {
    /// Reads every effect whose key starts with `prefix`.
    pub async fn load(store: &'a S, prefix: &str) -> Result<Self, StepError> {
        let recorded = store
            .effects_under(prefix)
            .await?
            .into_iter()
            .map(|effect| (effect.key, effect.detail))
            .collect();
        Ok(Self {
            store,
            recorded,
            unwritten: Mutex::new(Vec::new()),
        })
    }

    /// The result recorded under `key` before the log was loaded, or by this log since.
    pub fn recorded<T: DeserializeOwned>(&self, key: &str) -> Result<Option<T>, StepError> {
        if let Some(detail) = self.recorded.get(key) {
            return read(key, detail).map(Some);
        }
        self.unwritten()
            .iter()
            .find(|e| e.key == key)
            .map(|e| read(key, &e.detail))
            .transpose()
    }

    /// [`once`], answered from the snapshot; a new result is recorded at [`EffectLog::flush`].
    pub async fn once<T, F, Fut>(&self, key: &str, system: &str, effect: F) -> Result<T, StepError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, StepError>>,
    {
        if let Some(result) = self.recorded(key)? {
            return Ok(result);
        }
        let result = effect().await?;
        let detail = to_detail(key, &result)?;
        self.unwritten().push(NewEffect {
            key: key.to_owned(),
            system: system.to_owned(),
            detail,
        });
        Ok(result)
    }

    /// [`EffectLog::once`] for an effect that must never be performed twice (a PayTrace refund):
    /// its record is written before this returns.
    pub async fn once_durable<T, F, Fut>(
        &self,
        key: &str,
        system: &str,
        effect: F,
    ) -> Result<T, StepError>
    where
        T: Serialize + DeserializeOwned,
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<T, StepError>>,
    {
        if let Some(result) = self.recorded(key)? {
            return Ok(result);
        }
        perform(self.store, key, system, effect).await
    }

    /// Writes the records of the effects performed since the log was loaded, in one call.
    pub async fn flush(&self) -> Result<(), StepError> {
        let effects = std::mem::take(&mut *self.unwritten());
        if !effects.is_empty() {
            self.store.record_effects(effects, now_millis()).await?;
        }
        Ok(())
    }

    fn unwritten(&self) -> std::sync::MutexGuard<'_, Vec<NewEffect>> {
        self.unwritten
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl<S: ?Sized> Drop for EffectLog<'_, S> {
    fn drop(&mut self) {
        let unwritten = self
            .unwritten
            .get_mut()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if !unwritten.is_empty() {
            // Not lost effects (a retry performs them again), but a job that forgot to flush.
            tracing::warn!(
                effects = ?unwritten.iter().map(|e| e.key.as_str()).collect::<Vec<_>>(),
                "effect log dropped without flush: these effects are not on record"
            );
        }
    }
}

/// Runs `effect` and records its result under `key`.
async fn perform<S, T, F, Fut>(
    store: &S,
    key: &str,
    system: &str,
    effect: F,
) -> Result<T, StepError>
where
    S: Store + ?Sized,
    T: Serialize + DeserializeOwned,
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<T, StepError>>,
{
    let result = effect().await?;
    let detail = to_detail(key, &result)?;
    store
        .record_effect(key, system, &detail, now_millis())
        .await?;
    Ok(result)
}

fn to_detail<T: Serialize>(key: &str, result: &T) -> Result<serde_json::Value, StepError> {
    serde_json::to_value(result)
        .map_err(|e| StepError::permanent(format!("effect {key}: result not serializable: {e}")))
}

fn read<T: DeserializeOwned>(key: &str, detail: &serde_json::Value) -> Result<T, StepError> {
    T::deserialize(detail)
        .map_err(|e| StepError::permanent(format!("effect {key}: recorded result unreadable: {e}")))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::SqliteStore;

    #[tokio::test]
    async fn the_second_run_returns_the_first_result_without_calling() {
        let store = SqliteStore::in_memory().unwrap();
        let calls = AtomicUsize::new(0);
        let run = || async {
            calls.fetch_add(1, Ordering::SeqCst);
            Ok::<_, StepError>(serde_json::json!({"transaction_id": 123}))
        };
        let first = once(&store, "shop/order/1/sale", "paytrace", run)
            .await
            .unwrap();
        let second = once(&store, "shop/order/1/sale", "paytrace", run)
            .await
            .unwrap();
        assert_eq!(first, second);
        assert_eq!(calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_effect_records_nothing() {
        let store = SqliteStore::in_memory().unwrap();
        let failed: Result<u64, _> = once(&store, "k", "paytrace", || async {
            Err(StepError::transient("paytrace", "timeout"))
        })
        .await;
        assert!(failed.is_err());
        assert!(store.effect("k").await.unwrap().is_none());
        let retried: u64 = once(&store, "k", "paytrace", || async { Ok(7) })
            .await
            .unwrap();
        assert_eq!(retried, 7);
    }

    #[tokio::test]
    async fn an_unreadable_record_is_permanent() {
        let store = SqliteStore::in_memory().unwrap();
        store
            .record_effect("k", "erp", &serde_json::json!("text"), 0)
            .await
            .unwrap();
        let read: Result<u64, _> = once(&store, "k", "erp", || async { Ok(1) }).await;
        assert!(matches!(read, Err(StepError::Permanent { .. })));
    }

    #[tokio::test]
    async fn a_log_answers_from_its_snapshot_and_writes_new_records_at_flush() {
        let store = SqliteStore::in_memory().unwrap();
        store
            .record_effect("o/1/sale", "paytrace", &serde_json::json!(11), 0)
            .await
            .unwrap();
        store
            .record_effect("o/10/sale", "paytrace", &serde_json::json!(99), 0)
            .await
            .unwrap();
        let log = EffectLog::load(&store, "o/1/").await.unwrap();
        assert_eq!(log.recorded::<u64>("o/1/sale").unwrap(), Some(11));
        // Another order's effects sharing the text prefix "o/1" are not this order's.
        assert_eq!(log.recorded::<u64>("o/10/sale").unwrap(), None);

        let calls = AtomicUsize::new(0);
        let sale: u64 = log
            .once("o/1/sale", "paytrace", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(12)
            })
            .await
            .unwrap();
        assert_eq!((sale, calls.load(Ordering::SeqCst)), (11, 0));
        let paid: u64 = log
            .once("o/1/paid", "shopify", || async {
                calls.fetch_add(1, Ordering::SeqCst);
                Ok(5)
            })
            .await
            .unwrap();
        assert_eq!((paid, calls.load(Ordering::SeqCst)), (5, 1));
        let again: u64 = log
            .once("o/1/paid", "shopify", || async { Ok(6) })
            .await
            .unwrap();
        assert_eq!(
            again, 5,
            "a key performed by this log is not performed again"
        );
        // Written behind: on record once flushed.
        assert!(store.effect("o/1/paid").await.unwrap().is_none());
        log.flush().await.unwrap();
        assert_eq!(
            store.effect("o/1/paid").await.unwrap().unwrap().detail,
            serde_json::json!(5)
        );
    }
}
