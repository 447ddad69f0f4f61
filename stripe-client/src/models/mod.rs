//! Stripe's resource objects, as returned by the API and carried by events.
//!
//! All types ignore unknown fields, keep unknown enum values as `Other(String)` and treat
//! absent optional fields as `None`, so additions in a new Stripe version do not break parsing.
//!
//! # API versions
//!
//! The models have the shape of the API version the client pins,
//! [`DEFAULT_API_VERSION`](crate::DEFAULT_API_VERSION) (`2026-10-28.endive`, released
//! 2026-10-28), which for the resources here is the shape introduced by `2025-03-31.basil`:
//! an invoice's subscription is at `parent.subscription_details.subscription` (see
//! [`Invoice::subscription`]) and its payments under `payments`; there is no invoice `paid`
//! ([`Invoice::is_paid`] reads `status`), `tax` ([`Invoice::total_taxes`]), `payment_intent` or
//! `charge`; a subscription's billing period is on each item ([`Subscription::current_period`]);
//! PaymentIntents and charges have no `invoice`; an invoice line is priced by `pricing` and
//! names what generated it (a subscription item, an invoice item, and whether it is a proration)
//! in `parent` ([`InvoiceLineItem::is_proration`]); a credit note lists its `refunds` and
//! its `total_taxes`.
//! A field that Basil moved is required where it now lives, never defaulted. API answers are
//! read in this shape too, so a client built with an older
//! [`api_version`](crate::ClientBuilder::api_version) cannot read invoices or subscriptions.
//!
//! Events are rendered in their own `api_version`. [`Event`] reads the object of an event
//! rendered from [`OLDEST_SUPPORTED_API_VERSION`] (2023-08-16) through the Acacia release
//! (`2025-02-24.acacia`) by moving each moved field to its current place, and refuses a typed
//! object in any other version ([`crate::Error::UnsupportedApiVersion`]).

mod balance_transaction;
mod charge;
mod common;
mod credit_note;
mod customer;
mod dispute;
mod early_fraud_warning;
mod event;
mod invoice;
mod legacy;
mod payment_intent;
mod payment_method;
mod payout;
mod product;
mod refund;
mod subscription;
mod test_clock;
pub(crate) mod version;

pub use balance_transaction::*;
pub use charge::*;
pub use common::*;
pub use credit_note::*;
pub use customer::*;
pub use dispute::*;
pub use early_fraud_warning::*;
pub use event::*;
pub use invoice::*;
pub use payment_intent::*;
pub use payment_method::*;
pub use payout::*;
pub use product::*;
pub use refund::*;
pub use subscription::*;
pub use test_clock::*;
pub use version::OLDEST_SUPPORTED_API_VERSION;

/// Defines a string enum that keeps any value it does not know as `Other(String)`.
///
/// Stripe adds enum values without a version change; a strict enum would turn every such
/// addition into a decode failure.
macro_rules! lenient_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($variant:ident = $wire:literal,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $(
                #[doc = concat!("`", $wire, "`")]
                $variant,
            )*
            /// A value this version of the crate does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The value as Stripe writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $wire,)*
                    $name::Other(s) => s.as_str(),
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($wire => $name::$variant,)*
                    other => $name::Other(other.to_owned()),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = <String as ::serde::Deserialize>::deserialize(d)?;
                Ok($name::from(s.as_str()))
            }
        }
    };
}
pub(crate) use lenient_enum;

/// Implements [`Object`] for resources with an `id: String` field.
macro_rules! impl_object {
    ($($ty:ty),* $(,)?) => {
        $(impl Object for $ty {
            fn id(&self) -> &str {
                &self.id
            }
        })*
    };
}
impl_object!(
    BalanceTransaction,
    Charge,
    CreditNote,
    CreditNoteLineItem,
    Customer,
    DeletedObject,
    Dispute,
    EarlyFraudWarning,
    Event,
    Invoice,
    InvoiceLineItem,
    PaymentIntent,
    PaymentMethod,
    Payout,
    Price,
    Refund,
    Subscription,
    SubscriptionItem,
);
