//! Subscriptions: recurring charges for a customer, item by item.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{Currency, ExternalIds, Money, SubscriptionStatus};

/// A span of service time: from `start` to `end` (as the provider gives them; the end is
/// exclusive at Stripe, where one period's end is the next one's start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServicePeriod {
    /// Start of the period.
    #[serde(with = "time::serde::rfc3339")]
    pub start: OffsetDateTime,
    /// End of the period.
    #[serde(with = "time::serde::rfc3339")]
    pub end: OffsetDateTime,
}

canonical_enum! {
    /// The unit of a billing interval.
    IntervalUnit {
        /// Days.
        Day => "day",
        /// Weeks.
        Week => "week",
        /// Months.
        Month => "month",
        /// Years.
        Year => "year",
    }
}

/// How often an item is billed: every `count` `unit`s (every 3 months).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingInterval {
    /// The unit.
    pub unit: IntervalUnit,
    /// How many units between two bills (at least 1).
    pub count: u32,
}

/// One item of a subscription: a recurring price and its quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubscriptionItem {
    /// The item's id (Stripe `si_...`).
    pub id: String,
    /// The price's id (Stripe `price_...`).
    pub price_id: String,
    /// The product's id (Stripe `prod_...`).
    pub product_id: String,
    /// The price of one unit; `None` for prices without a flat unit amount (tiered prices, or a
    /// unit amount with fractions of the minor unit).
    pub unit_amount: Option<Money>,
    /// Units subscribed; `None` for metered prices, which bill usage instead.
    pub quantity: Option<u64>,
    /// How often it is billed.
    pub interval: BillingInterval,
    /// The service period being billed now.
    pub current_period: ServicePeriod,
}

/// A subscription: a customer billed for its items every interval.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Subscription {
    /// The subscription's ids (the Stripe `sub_...`).
    pub ids: ExternalIds,
    /// The customer's ids in every system known (the Stripe `cus_...`, the store's customer id).
    pub customer: ExternalIds,
    /// Currency of every amount.
    pub currency: Currency,
    /// Where it stands.
    pub status: SubscriptionStatus,
    /// What is billed.
    pub items: Vec<SubscriptionItem>,
    /// The current period of the whole subscription: from the earliest start to the latest end
    /// of its items' periods. `None` without items.
    pub current_period: Option<ServicePeriod>,
    /// Start of the trial.
    #[serde(with = "time::serde::rfc3339::option")]
    pub trial_start: Option<OffsetDateTime>,
    /// End of the trial.
    #[serde(with = "time::serde::rfc3339::option")]
    pub trial_end: Option<OffsetDateTime>,
    /// Whether it ends at the end of the current period.
    pub cancel_at_period_end: bool,
    /// When it is set to end.
    #[serde(with = "time::serde::rfc3339::option")]
    pub cancel_at: Option<OffsetDateTime>,
    /// When cancellation was asked for.
    #[serde(with = "time::serde::rfc3339::option")]
    pub canceled_at: Option<OffsetDateTime>,
    /// When it ended.
    #[serde(with = "time::serde::rfc3339::option")]
    pub ended_at: Option<OffsetDateTime>,
    /// When it was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
}
