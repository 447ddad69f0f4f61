//! The canonical model of the SDK and the transforms between every system it connects.
//!
//! Shopify, Magento, PayTrace, Stripe and the ERP each write money, statuses and addresses their
//! own way. This crate holds one canonical form of each ([`Order`], [`Payment`], [`Refund`],
//! [`Customer`], [`SettlementLine`], [`Dispute`], [`Subscription`], [`BillingInvoice`],
//! [`BillingCreditNote`], [`Money`], the status enums) and explicit,
//! tested conversions to and from every provider's form. It does no IO: no network, no clock, no
//! async.
//!
//! Rules it keeps:
//! - money is exact: integer minor units with an ISO 4217 [`Currency`]; nothing rounds, a value
//!   that does not fit is a [`MappingError`] naming the field;
//! - an unknown provider status becomes `Unknown(raw)`, never a panic and never a guess;
//! - errors say which field, what value (never card data) and whether a retry can help
//!   ([`MappingError::is_permanent`]).
//!
//! ```
//! use mapping::{Currency, Money, amount::stripe::{to_stripe_amount, StripeAmountUse}};
//!
//! let total = Money::parse_major("36.45", Currency::USD, "total_price")?;
//! assert_eq!(total.minor(), 3645);
//! assert_eq!(to_stripe_amount(&total, StripeAmountUse::Charge, "amount")?, 3645);
//! assert!(Money::parse_major("36.455", Currency::USD, "total_price").is_err());
//! # Ok::<(), mapping::MappingError>(())
//! ```
#![deny(missing_docs)]

/// Declares a canonical enum whose variants have fixed snake_case names, plus `Unknown`.
macro_rules! canonical_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value no table here knows, kept exactly as received.
            Unknown(String),
        }

        impl $name {
            /// Every known variant, for exhaustive tests and documentation tables.
            pub const KNOWN: &'static [Self] = &[$(Self::$variant,)+];

            /// The canonical snake_case name (or the raw value of `Unknown`).
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Unknown(raw) => raw,
                }
            }

            /// Reads a canonical name; anything else becomes `Unknown`.
            pub fn parse(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
                Ok(Self::parse(&text))
            }
        }
    };
}

pub mod address;
pub mod amount;
pub mod currency;
pub mod decimal;
#[cfg(feature = "erp")]
pub mod erp;
pub mod error;
#[cfg(feature = "magento")]
pub mod magento;
pub mod model;
pub mod money;
#[cfg(feature = "paytrace")]
pub mod paytrace;
pub mod reference;
#[cfg(feature = "shopify")]
pub mod shopify;
pub mod status;
#[cfg(feature = "stripe")]
pub mod stripe;
#[cfg(any(
    feature = "paytrace",
    feature = "shopify",
    feature = "magento",
    feature = "stripe",
    feature = "erp"
))]
mod text;

pub use address::{CountryCode, PersonName};
pub use currency::Currency;
pub use error::MappingError;
pub use model::billing::{
    BillingCreditNote, BillingCreditNoteLine, BillingInvoice, BillingLine, BillingReason,
    BillingRefund, CreditNoteReason, InvoiceSettlement,
};
pub use model::customer::{Address, Customer};
pub use model::dispute::Dispute;
pub use model::ids::{ExternalIds, System};
pub use model::order::{Adjustment, AdjustmentKind, LineItem, Order};
pub use model::payment::{AvsResult, CardBrand, CvvResult, Last4, Payment, PaymentKind, Refund};
pub use model::settlement::{SettlementKind, SettlementLine};
pub use model::subscription::{
    BillingInterval, IntervalUnit, ServicePeriod, Subscription, SubscriptionItem,
};
pub use money::{Money, MoneyBag};
pub use status::{
    CreditNoteStatus, DisputeStatus, FinancialStatus, InvoiceStatus, PaymentStatus, PayoutStatus,
    RefundStatus, SubscriptionStatus,
};
