//! `/v1/payment_intents`: create, retrieve, update, confirm, capture, cancel, list.

use reqwest::Method;
use serde::Serialize;

use super::{PaymentOutcome, handler, into_outcome, list_ops, request_enum};
use crate::error::Error;
use crate::list::{PageParams, RangeQuery};
use crate::models::{Address, CaptureMethod, Currency, Metadata, PaymentIntent};

handler! {
    /// PaymentIntents: the recommended way to take a payment.
    ///
    /// ```no_run
    /// # async fn run(client: stripe_client::Client) -> Result<(), stripe_client::Error> {
    /// use stripe_client::{CreatePaymentIntent, PaymentOutcome};
    /// let mut params = CreatePaymentIntent::new(1099, "usd");
    /// params.metadata.insert("order_id".into(), "1001".into());
    /// params.payment_method = Some("pm_card_visa".into());
    /// params.confirm = Some(true);
    /// let outcome = client
    ///     .payment_intents()
    ///     .idempotency_key("magento/order/1001/payment")
    ///     .create(&params)
    ///     .await?;
    /// match outcome {
    ///     PaymentOutcome::Completed(pi) => println!("{} is {}", pi.id, pi.status),
    ///     PaymentOutcome::Declined(d) => println!("declined: {:?}", d.error.decline_code),
    /// }
    /// # Ok(()) }
    /// ```
    PaymentIntentsApi, payment_intents
}

list_ops!(
    PaymentIntentsApi,
    ListPaymentIntents,
    PaymentIntent,
    ["v1", "payment_intents"]
);

impl<E> PaymentIntentsApi<'_, E> {
    /// `POST /v1/payment_intents`. With `confirm: true`, a card decline is returned as
    /// [`PaymentOutcome::Declined`].
    pub async fn create(
        &self,
        params: &CreatePaymentIntent,
    ) -> Result<PaymentOutcome<PaymentIntent>, Error> {
        into_outcome(
            self.client
                .call(Method::POST, &["v1", "payment_intents"], params, &self.opts)
                .await,
        )
    }

    /// `GET /v1/payment_intents/{id}`.
    pub async fn retrieve(&self, id: &str) -> Result<PaymentIntent, Error> {
        self.client
            .call(Method::GET, &["v1", "payment_intents", id], &(), &self.opts)
            .await
    }

    /// `POST /v1/payment_intents/{id}`.
    pub async fn update(
        &self,
        id: &str,
        params: &UpdatePaymentIntent,
    ) -> Result<PaymentIntent, Error> {
        self.client
            .call(
                Method::POST,
                &["v1", "payment_intents", id],
                params,
                &self.opts,
            )
            .await
    }

    /// `POST /v1/payment_intents/{id}/confirm`. A card decline is returned as
    /// [`PaymentOutcome::Declined`].
    pub async fn confirm(
        &self,
        id: &str,
        params: &ConfirmPaymentIntent,
    ) -> Result<PaymentOutcome<PaymentIntent>, Error> {
        into_outcome(
            self.client
                .call(
                    Method::POST,
                    &["v1", "payment_intents", id, "confirm"],
                    params,
                    &self.opts,
                )
                .await,
        )
    }

    /// `POST /v1/payment_intents/{id}/capture`: captures an authorized (`requires_capture`)
    /// PaymentIntent, fully or partly.
    pub async fn capture(
        &self,
        id: &str,
        params: &CapturePaymentIntent,
    ) -> Result<PaymentIntent, Error> {
        self.client
            .call(
                Method::POST,
                &["v1", "payment_intents", id, "capture"],
                params,
                &self.opts,
            )
            .await
    }

    /// `POST /v1/payment_intents/{id}/cancel`.
    pub async fn cancel(
        &self,
        id: &str,
        params: &CancelPaymentIntent,
    ) -> Result<PaymentIntent, Error> {
        self.client
            .call(
                Method::POST,
                &["v1", "payment_intents", id, "cancel"],
                params,
                &self.opts,
            )
            .await
    }
}

/// Parameters of `POST /v1/payment_intents`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreatePaymentIntent {
    /// Amount in minor units of `currency` (1099 = 10.99 USD).
    pub amount: i64,
    /// Currency.
    pub currency: Currency,
    /// Let Stripe choose payment methods from the Dashboard settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub automatic_payment_methods: Option<AutomaticPaymentMethods>,
    /// `automatic` (default) or `manual` (authorize now, capture later).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_method: Option<CaptureMethod>,
    /// Confirm at once (requires `payment_method`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confirm: Option<bool>,
    /// Customer id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Free-text description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Your key/value pairs (e.g. the store's order id).
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// The customer is not present (a merchant-initiated payment).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub off_session: Option<bool>,
    /// Payment method id (`pm_...`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    /// Payment method types to choose from (`card`, ...); Stripe keeps those compatible with
    /// the currency, amount and customer. Empty: Stripe's dynamic payment methods. Exclusive
    /// with `automatic_payment_methods`. (It replaces `payment_method_types`, which API version
    /// 2026-09-30.endive refuses with `payment_method_types_no_longer_supported`; it exists
    /// since 2026-07-29.dahlia.)
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed_payment_method_types: Vec<String>,
    /// Receipt email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_email: Option<String>,
    /// Where to send the customer back after a redirect-based authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// Save the payment method for later payments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup_future_usage: Option<SetupFutureUsage>,
    /// Shipping information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping: Option<PaymentIntentShipping>,
    /// Statement descriptor for non-card charges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_descriptor: Option<String>,
    /// Suffix of the card statement descriptor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_descriptor_suffix: Option<String>,
}

impl CreatePaymentIntent {
    /// The two required parameters; everything else unset.
    pub fn new(amount: i64, currency: impl Into<Currency>) -> Self {
        CreatePaymentIntent {
            amount,
            currency: currency.into(),
            automatic_payment_methods: None,
            capture_method: None,
            confirm: None,
            customer: None,
            description: None,
            metadata: Metadata::new(),
            off_session: None,
            payment_method: None,
            allowed_payment_method_types: Vec::new(),
            receipt_email: None,
            return_url: None,
            setup_future_usage: None,
            shipping: None,
            statement_descriptor: None,
            statement_descriptor_suffix: None,
        }
    }
}

/// `automatic_payment_methods` parameter.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AutomaticPaymentMethods {
    /// Whether automatic payment methods are on.
    pub enabled: bool,
    /// Whether redirect-based payment methods may be offered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allow_redirects: Option<AllowRedirects>,
}

request_enum! {
    /// `automatic_payment_methods[allow_redirects]`.
    pub enum AllowRedirects {
        /// Redirect-based methods may be offered (Stripe's default).
        Always = "always",
        /// Only methods that need no redirect (a server-side confirmation can finish).
        Never = "never",
    }
}

request_enum! {
    /// `setup_future_usage` of a PaymentIntent: save the payment method for later use.
    pub enum SetupFutureUsage {
        /// Later payments with the customer present.
        OnSession = "on_session",
        /// Later payments without the customer (merchant-initiated).
        OffSession = "off_session",
    }
}

/// `shipping` parameter of a PaymentIntent. (A customer's shipping takes no carrier or tracking
/// number: see [`CustomerShipping`](crate::CustomerShipping).)
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PaymentIntentShipping {
    /// Shipping address.
    pub address: Address,
    /// Recipient name (required by Stripe).
    pub name: String,
    /// Recipient phone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Delivery service (`UPS`, `FedEx`, ...).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub carrier: Option<String>,
    /// Tracking number from the carrier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tracking_number: Option<String>,
}

impl PaymentIntentShipping {
    /// Shipping to `name` at `address`; phone, carrier and tracking number unset.
    pub fn new(name: impl Into<String>, address: Address) -> Self {
        PaymentIntentShipping {
            address,
            name: name.into(),
            phone: None,
            carrier: None,
            tracking_number: None,
        }
    }
}

/// Parameters of `POST /v1/payment_intents/{id}`. Unset fields are left unchanged.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UpdatePaymentIntent {
    /// New amount, in minor units.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount: Option<i64>,
    /// New currency.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<Currency>,
    /// Customer id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Free-text description (an empty string clears it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Keys to set (an empty value removes the key).
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// Payment method id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    /// Receipt email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_email: Option<String>,
    /// Shipping information.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shipping: Option<PaymentIntentShipping>,
    /// Statement descriptor for non-card charges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_descriptor: Option<String>,
    /// Suffix of the card statement descriptor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_descriptor_suffix: Option<String>,
}

/// Parameters of `POST /v1/payment_intents/{id}/confirm`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ConfirmPaymentIntent {
    /// Payment method id to use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    /// The customer is not present.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub off_session: Option<bool>,
    /// Receipt email.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_email: Option<String>,
    /// Where to send the customer back after a redirect-based authentication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// Save the payment method for later payments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub setup_future_usage: Option<SetupFutureUsage>,
}

/// Parameters of `POST /v1/payment_intents/{id}/capture`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CapturePaymentIntent {
    /// Amount to capture, in minor units (default: everything capturable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub amount_to_capture: Option<i64>,
    /// Keys to set.
    #[serde(skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
    /// Statement descriptor for non-card charges.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_descriptor: Option<String>,
    /// Suffix of the card statement descriptor.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement_descriptor_suffix: Option<String>,
}

/// Parameters of `POST /v1/payment_intents/{id}/cancel`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CancelPaymentIntent {
    /// Why it is canceled.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cancellation_reason: Option<CancelPaymentIntentReason>,
}

request_enum! {
    /// The reasons a caller may give when canceling a PaymentIntent. The response's
    /// `CancellationReason` also has `automatic`, `failed_invoice` and `void_invoice`, which only
    /// Stripe sets; the API refuses them as parameters.
    pub enum CancelPaymentIntentReason {
        /// The customer left.
        Abandoned = "abandoned",
        /// A duplicate of another payment.
        Duplicate = "duplicate",
        /// Suspected fraud.
        Fraudulent = "fraudulent",
        /// The customer asked for it.
        RequestedByCustomer = "requested_by_customer",
    }
}

/// Filters of `GET /v1/payment_intents`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ListPaymentIntents {
    /// Creation time filter.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created: Option<RangeQuery>,
    /// Only this customer's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub customer: Option<String>,
    /// Paging.
    #[serde(flatten)]
    pub page: PageParams,
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use serde_json::json;

    #[test]
    fn a_new_create_serializes_only_the_required_fields() {
        let v = serde_json::to_value(CreatePaymentIntent::new(1099, "EUR")).unwrap();
        assert_eq!(v, json!({"amount": 1099, "currency": "eur"}));
    }

    #[test]
    fn request_enums_serialize_as_stripe_writes_them() {
        let cancel = CancelPaymentIntent {
            cancellation_reason: Some(CancelPaymentIntentReason::RequestedByCustomer),
        };
        assert_eq!(
            serde_json::to_value(cancel).unwrap(),
            json!({"cancellation_reason": "requested_by_customer"})
        );
        let wire: Vec<&str> = CancelPaymentIntentReason::ALL
            .iter()
            .map(|r| r.as_str())
            .collect();
        assert_eq!(
            wire,
            [
                "abandoned",
                "duplicate",
                "fraudulent",
                "requested_by_customer"
            ]
        );
        assert_eq!(SetupFutureUsage::OffSession.to_string(), "off_session");
    }

    #[test]
    fn list_paging_is_flattened_next_to_the_filters() {
        let v = serde_json::to_value(ListPaymentIntents {
            customer: Some("cus_1".into()),
            page: PageParams {
                limit: Some(5),
                ..Default::default()
            },
            ..Default::default()
        })
        .unwrap();
        assert_eq!(v, json!({"customer": "cus_1", "limit": 5}));
    }
}
