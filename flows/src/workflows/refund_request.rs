//! [`RefundRequest`]: a refund asked for outside the store (by the ERP, a person, the
//! `payops refund` command), the input of both pairs' refund-request flows
//! (`shopify.refund-request`, `magento.refund-request`).

use mapping::{MappingError, Money};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::StepError;
use crate::store::NewJob;
use crate::workflow::{Entity, EntityKey, JobKind};

/// A refund of a store's order asked for outside the store.
///
/// `request_id` is chosen by the caller (the ERP's credit memo number, a ticket id) and names
/// the request: the same request id for the same order is one refund, however often it is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RefundRequest {
    /// The store's order id: Shopify's numeric REST id (as in `orders/create`), Magento's
    /// `entity_id`.
    pub order_id: u64,
    /// The amount to refund in major units (`15.00`), exact; stored as a decimal string.
    pub amount: Decimal,
    /// The ISO 4217 code of `amount`: the order's currency.
    pub currency: String,
    /// Why; the store refund's note (Shopify) or comment (Magento) and the gateway refund's
    /// metadata.
    pub reason: Option<String>,
    /// The caller's id of the request.
    pub request_id: String,
}

impl RefundRequest {
    /// A refund of `amount` (major units) in `currency` of order `order_id`, named `request_id`.
    pub fn new(
        order_id: u64,
        amount: Decimal,
        currency: impl Into<String>,
        request_id: impl Into<String>,
    ) -> Self {
        Self {
            order_id,
            amount,
            currency: currency.into(),
            reason: None,
            request_id: request_id.into(),
        }
    }

    /// Sets the reason.
    #[must_use]
    pub fn reason(mut self, reason: impl Into<String>) -> Self {
        self.reason = Some(reason.into());
        self
    }

    /// The amount as money: more than zero, in a known currency, and exact in it (no more
    /// decimals than the currency has). An error names `amount` or `currency`.
    ///
    /// ```
    /// use flows::workflows::RefundRequest;
    /// let request = RefundRequest::new(1001, "15.005".parse().unwrap(), "USD", "CM-1");
    /// assert!(request.money().unwrap_err().to_string().contains("amount"));
    /// ```
    pub fn money(&self) -> Result<Money, MappingError> {
        self.positive()?;
        let currency = mapping::currency::parse_currency(&self.currency, "currency")?;
        Money::from_major(self.amount, currency, "amount")
    }

    /// An amount more than zero, or an error naming `amount`.
    fn positive(&self) -> Result<(), MappingError> {
        if self.amount > Decimal::ZERO {
            return Ok(());
        }
        Err(MappingError::InvalidValue {
            field: "amount".to_owned(),
            value: self.amount.to_string(),
            expected: "an amount more than zero",
        })
    }

    /// The request's key under its `order`: `{order}/refund-request/{request id}`. A blank
    /// request id is an error naming it.
    pub(crate) fn key(&self, order: EntityKey) -> Result<EntityKey, StepError> {
        if self.request_id.trim().is_empty() {
            return Err(MappingError::MissingField {
                field: "request_id".to_owned(),
            }
            .into());
        }
        Ok(order.child(Entity::RefundRequest, &self.request_id))
    }

    /// The job of flow `kind` that runs this request, keyed `key` ([`Self::key`]); an amount
    /// that is not more than zero is an error naming it (the rest is checked by the flow).
    pub(crate) fn job(&self, kind: JobKind, key: &EntityKey) -> Result<NewJob, StepError> {
        self.positive()?;
        let payload = serde_json::to_value(self)
            .map_err(|e| StepError::permanent(format!("{kind} input: {e}")))?;
        Ok(NewJob {
            kind,
            key: key.as_str().to_owned(),
            payload,
            run_at: 0,
            rerun: false,
            event: None,
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use mapping::System;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn money_is_exact_positive_and_in_a_known_currency() {
        let ok = RefundRequest::new(1, dec("15.00"), "USD", "r");
        assert_eq!(ok.money().unwrap().minor(), 1500);
        for (amount, currency, field) in [
            ("0", "USD", "amount"),
            ("-1", "USD", "amount"),
            ("1.005", "USD", "amount"),
            ("1.5", "JPY", "amount"),
            ("1.00", "XXY", "currency"),
        ] {
            let err = RefundRequest::new(1, dec(amount), currency, "r")
                .money()
                .unwrap_err();
            assert!(
                err.to_string().contains(field),
                "{amount} {currency}: {err}"
            );
        }
    }

    #[test]
    fn the_key_is_under_the_order_and_a_blank_request_id_is_refused() {
        let order = EntityKey::new(System::Magento, "default").child(Entity::Order, 7);
        let request = RefundRequest::new(7, dec("1"), "USD", "CM/1");
        let key = request.key(order.clone()).unwrap();
        assert_eq!(
            key.as_str(),
            "magento/default/order/7/refund-request/CM%2F1"
        );
        let job = request
            .job(JobKind::new("magento.refund-request"), &key)
            .unwrap();
        assert_eq!(job.payload["amount"], "1");
        assert!(!job.rerun);

        let blank = RefundRequest::new(7, dec("1"), "USD", "  ");
        let err = blank.key(order).unwrap_err();
        assert!(err.to_string().contains("request_id"), "{err}");
        let zero = RefundRequest::new(7, Decimal::ZERO, "USD", "r");
        let err = zero
            .job(JobKind::new("magento.refund-request"), &key)
            .unwrap_err();
        assert!(err.to_string().contains("amount"), "{err}");
    }
}
