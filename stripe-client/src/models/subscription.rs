//! Subscription and the price objects of its items, in the shape of `2025-03-31.basil` and later
//! (the billing period is on each item).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::common::{decimal_opt, ts};
use super::{
    Currency, Customer, Expandable, Invoice, List, Metadata, PaymentMethod, Period, lenient_enum,
};

/// A Subscription (`sub_...`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subscription {
    /// Id (`sub_...`).
    pub id: String,
    /// The subscribed customer.
    pub customer: Expandable<Customer>,
    /// Status of the subscription.
    pub status: SubscriptionStatus,
    /// Currency of the subscription's prices.
    pub currency: Currency,
    /// When it was created.
    #[serde(with = "ts")]
    pub created: OffsetDateTime,
    /// When it will be canceled automatically.
    #[serde(default, with = "ts::option")]
    pub cancel_at: Option<OffsetDateTime>,
    /// Whether it cancels at the end of the current period.
    /// `None` when Stripe sends `null`, as its official fixture of 2025-03-25 does.
    #[serde(default)]
    pub cancel_at_period_end: Option<bool>,
    /// When it was canceled.
    #[serde(default, with = "ts::option")]
    pub canceled_at: Option<OffsetDateTime>,
    /// `charge_automatically` or `send_invoice`.
    #[serde(default)]
    pub collection_method: Option<String>,
    /// Default payment method.
    #[serde(default)]
    pub default_payment_method: Option<Expandable<PaymentMethod>>,
    /// Free-text description.
    #[serde(default)]
    pub description: Option<String>,
    /// When it ended.
    #[serde(default, with = "ts::option")]
    pub ended_at: Option<OffsetDateTime>,
    /// The subscription's items.
    pub items: List<SubscriptionItem>,
    /// The most recent invoice.
    #[serde(default)]
    pub latest_invoice: Option<Expandable<Invoice>>,
    /// Whether the object exists in live mode.
    #[serde(default)]
    pub livemode: bool,
    /// Your key/value pairs.
    #[serde(default)]
    pub metadata: Metadata,
    /// Start date (may be backdated).
    #[serde(default, with = "ts::option")]
    pub start_date: Option<OffsetDateTime>,
    /// End of the trial.
    #[serde(default, with = "ts::option")]
    pub trial_end: Option<OffsetDateTime>,
    /// Start of the trial.
    #[serde(default, with = "ts::option")]
    pub trial_start: Option<OffsetDateTime>,
}

lenient_enum! {
    /// Status of a Subscription.
    pub enum SubscriptionStatus {
        Incomplete = "incomplete",
        IncompleteExpired = "incomplete_expired",
        Trialing = "trialing",
        Active = "active",
        PastDue = "past_due",
        Canceled = "canceled",
        Unpaid = "unpaid",
        Paused = "paused",
    }
}

impl Subscription {
    /// The current billing period: from the earliest start to the latest end of its items'
    /// periods (Basil moved `current_period_start`/`current_period_end` from the subscription to
    /// each item; before Basil every item shares the subscription's). `None` without items.
    pub fn current_period(&self) -> Option<Period> {
        let items = &self.items.data;
        let start = items.iter().map(|i| i.current_period_start).min()?;
        let end = items.iter().map(|i| i.current_period_end).max()?;
        Some(Period { start, end })
    }
}

/// One item (a price and a quantity) of a subscription.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SubscriptionItem {
    /// Id (`si_...`).
    pub id: String,
    /// Start of the item's current billing period (on the subscription before Basil).
    #[serde(with = "ts")]
    pub current_period_start: OffsetDateTime,
    /// End of the item's current billing period (on the subscription before Basil).
    #[serde(with = "ts")]
    pub current_period_end: OffsetDateTime,
    /// The price.
    #[serde(default)]
    pub price: Option<Price>,
    /// Quantity.
    #[serde(default)]
    pub quantity: Option<u64>,
    /// Your key/value pairs.
    #[serde(default)]
    pub metadata: Metadata,
}

/// A Price (`price_...`): unit amount, currency and recurrence of a product.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Price {
    /// Id (`price_...`).
    pub id: String,
    /// Currency of the amount.
    pub currency: Currency,
    /// The product (id, or the object kept raw when expanded).
    #[serde(default)]
    pub product: Option<Expandable<serde_json::Value>>,
    /// Recurrence, for recurring prices.
    #[serde(default)]
    pub recurring: Option<Recurring>,
    /// Unit amount in minor units (absent for tiered prices).
    #[serde(default)]
    pub unit_amount: Option<i64>,
    /// Unit amount in minor units with up to 12 decimals (fractional minor units).
    #[serde(default, with = "decimal_opt", skip_serializing_if = "Option::is_none")]
    pub unit_amount_decimal: Option<Decimal>,
    /// `one_time` or `recurring`.
    #[serde(rename = "type", default)]
    pub price_type: Option<String>,
}

/// Recurrence of a Price.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Recurring {
    /// `day`, `week`, `month` or `year`.
    pub interval: String,
    /// Number of intervals between billings.
    #[serde(default)]
    pub interval_count: u32,
}
