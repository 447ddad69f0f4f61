//! Exactly-once external effects: each effect has a key derived from its source event
//! (`shopify/{shop}/order/{id}/sale`), and its result is recorded under that key in the store.

use std::future::Future;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::store::Store;
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
    let result = effect().await?;
    let detail = serde_json::to_value(&result)
        .map_err(|e| StepError::permanent(format!("effect {key}: result not serializable: {e}")))?;
    store
        .record_effect(key, system, &detail, now_millis())
        .await?;
    Ok(result)
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
        .map(|effect| {
            serde_json::from_value(effect.detail).map_err(|e| {
                StepError::permanent(format!("effect {key}: recorded result unreadable: {e}"))
            })
        })
        .transpose()
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
}
