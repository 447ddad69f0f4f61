//! Recurring contracts: the ERP's side of a subscription.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::Date;

use super::ServicePeriod;
use crate::error::Error;
use crate::money::{CurrencyCode, Money};

/// A contract's status: Stripe's subscription statuses
/// (<https://docs.stripe.com/api/subscriptions/object#subscription_object-status>), with
/// `Unknown` for one added later.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ContractStatus {
    /// The first payment is still to succeed.
    Incomplete,
    /// The first payment never succeeded; the contract never started.
    IncompleteExpired,
    /// In a free trial.
    Trialing,
    /// Running and paid.
    Active,
    /// The latest renewal payment failed; retries are under way.
    PastDue,
    /// Retries are exhausted; invoices stay open.
    Unpaid,
    /// Paused (a trial ended without a payment method).
    Paused,
    /// Ended (canceled now or at the end of a period).
    Canceled,
    /// A status this crate does not know.
    Unknown(String),
}

impl ContractStatus {
    /// Stripe's name of the status.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Incomplete => "incomplete",
            Self::IncompleteExpired => "incomplete_expired",
            Self::Trialing => "trialing",
            Self::Active => "active",
            Self::PastDue => "past_due",
            Self::Unpaid => "unpaid",
            Self::Paused => "paused",
            Self::Canceled => "canceled",
            Self::Unknown(s) => s,
        }
    }
}

impl From<String> for ContractStatus {
    fn from(s: String) -> Self {
        match s.as_str() {
            "incomplete" => Self::Incomplete,
            "incomplete_expired" => Self::IncompleteExpired,
            "trialing" => Self::Trialing,
            "active" => Self::Active,
            "past_due" => Self::PastDue,
            "unpaid" => Self::Unpaid,
            "paused" => Self::Paused,
            "canceled" => Self::Canceled,
            _ => Self::Unknown(s),
        }
    }
}

impl From<ContractStatus> for String {
    fn from(s: ContractStatus) -> String {
        s.as_str().to_owned()
    }
}

impl fmt::Display for ContractStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A billing interval's unit.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BillingInterval {
    /// Days.
    Day,
    /// Weeks.
    Week,
    /// Months.
    Month,
    /// Years.
    Year,
}

impl BillingInterval {
    /// The unit's name (`day`, `week`, `month`, `year`), as Stripe writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
        }
    }

    /// The unit named by [`BillingInterval::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            "year" => Self::Year,
            _ => return None,
        })
    }
}

/// One item of a contract: billed every `interval_count` `interval`s.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ContractItem {
    /// Product or price reference.
    pub product: String,
    /// Description.
    pub description: String,
    /// Quantity.
    pub quantity: u32,
    /// Unit price per interval.
    pub unit_price: Money,
    /// Interval unit.
    pub interval: BillingInterval,
    /// Intervals between two bills (at least 1).
    pub interval_count: u32,
}

/// A recurring contract (a Stripe subscription), kept by [`crate::Erp::upsert_contract`].
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct Contract {
    /// Idempotency key (e.g. `stripe/subscription/sub_123`).
    pub external_ref: String,
    /// External reference of the customer (it must exist).
    pub customer_ref: String,
    /// Currency of every price.
    pub currency: CurrencyCode,
    /// The items.
    pub items: Vec<ContractItem>,
    /// Status.
    pub status: ContractStatus,
    /// Start date.
    #[serde(with = "crate::date::ymd")]
    pub start_date: Date,
    /// The period being served, if known.
    pub current_period: Option<ServicePeriod>,
    /// Whether it ends at the end of the current period.
    pub cancel_at_period_end: bool,
    /// When it ended, once it has.
    #[serde(with = "crate::date::ymd::option")]
    pub ended_on: Option<Date>,
}

impl Contract {
    pub(crate) fn validate(&self) -> Result<(), Error> {
        super::require_ref(&self.external_ref)?;
        for (n, item) in self.items.iter().enumerate() {
            if item.unit_price.currency != self.currency {
                return Err(Error::CurrencyMismatch {
                    expected: self.currency,
                    found: item.unit_price.currency,
                });
            }
            if item.interval_count == 0 {
                return Err(Error::InvalidDocument(format!(
                    "items[{n}].interval_count must be at least 1"
                )));
            }
        }
        if let Some(p) = &self.current_period {
            if p.end <= p.start {
                return Err(Error::InvalidDocument(format!(
                    "current_period: end {} must be after start {}",
                    p.end, p.start
                )));
            }
        }
        Ok(())
    }
}

/// A stored contract and the statuses it went through, oldest first (a status is added when
/// an upsert changes it).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
pub struct ContractRecord {
    /// The contract as last upserted.
    pub contract: Contract,
    /// Its statuses, oldest first, the current one last.
    pub status_history: Vec<ContractStatus>,
}
