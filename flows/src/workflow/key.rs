//! Typed keys: job kinds, entity keys, and the steps and state a flow keeps under its entity.
//!
//! Workflow code never spells a key: an [`EntityKey`] is built from a [`System`], an account
//! and typed [`Entity`] segments, and every effect and state key of a flow is derived from it
//! by the step context (`{entity}/{step}`).

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use mapping::System;
use serde::{Deserialize, Serialize};

/// Which flow runs a job (`shopify.order-payment`). Jobs are unique on kind and key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobKind(Cow<'static, str>);

impl JobKind {
    /// A kind named `name` (lower case, dot-separated by convention: `{pair}.{flow}`).
    pub const fn new(name: &'static str) -> Self {
        Self(Cow::Borrowed(name))
    }

    /// A kind as the store holds it.
    pub(crate) fn stored(name: String) -> Self {
        Self(Cow::Owned(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a segment of an [`EntityKey`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Entity {
    /// A store order.
    Order,
    /// A refund.
    Refund,
    /// A gateway charge.
    Charge,
    /// A shipment (tracking number).
    Shipment,
    /// A provider event (when nothing better identifies the work).
    Event,
    /// A customer.
    Customer,
    /// A dispute.
    Dispute,
    /// A card issuer's report of fraud on a payment (Stripe Radar's early fraud warning).
    FraudWarning,
    /// A payout or settlement batch.
    Payout,
    /// A backfill poller (what it polls, such as `events`).
    Backfill,
    /// A gateway transaction found by a poll (a PayTrace sale, capture or refund).
    Transaction,
    /// A request made to the runtime from outside a store (a refund asked for by the ERP or a
    /// person, named by the caller's request id).
    RefundRequest,
    /// A payment attempt of an order, named by the gateway payment method it charges (a Stripe
    /// `pm_...`): an order paid again after a decline has one per method.
    PaymentMethod,
    /// A recurring billing subscription (a Stripe `sub_...`).
    Subscription,
    /// A billing invoice (a Stripe `in_...`).
    Invoice,
    /// A billing credit note (a Stripe `cn_...`).
    CreditNote,
}

impl Entity {
    /// The segment's name in keys.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Order => "order",
            Self::Refund => "refund",
            Self::Charge => "charge",
            Self::Shipment => "shipment",
            Self::Event => "event",
            Self::Customer => "customer",
            Self::Dispute => "dispute",
            Self::FraudWarning => "fraud-warning",
            Self::Payout => "payout",
            Self::Backfill => "backfill",
            Self::Transaction => "transaction",
            Self::RefundRequest => "refund-request",
            Self::PaymentMethod => "payment-method",
            Self::Subscription => "subscription",
            Self::Invoice => "invoice",
            Self::CreditNote => "credit-note",
        }
    }
}

/// The key of the business entity a job is about: `{system}/{account}` followed by
/// `{entity}/{id}` segments, e.g. `shopify/demo.myshopify.com/order/1001`. A job's key is its
/// entity's key; its effects and state live under it.
///
/// Ids are written as given, except `/` and `%`, which are percent-encoded so that no id can
/// reach into another entity's keys.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct EntityKey(String);

impl EntityKey {
    /// The root of `system`'s `account` (a shop domain, a store code, a Stripe account).
    pub fn new(system: System, account: &str) -> Self {
        Self(format!("{}/{}", system.as_str(), segment(account)))
    }

    /// The key of an entity under this one: `{self}/{entity}/{id}`.
    #[must_use]
    pub fn child(&self, entity: Entity, id: impl fmt::Display) -> Self {
        Self(format!(
            "{}/{}/{}",
            self.0,
            entity.as_str(),
            segment(&id.to_string())
        ))
    }

    /// A key as the store holds it (a job's key).
    pub(crate) fn stored(key: String) -> Self {
        Self(key)
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `other` is this entity or one under it.
    pub fn contains(&self, other: &EntityKey) -> bool {
        other.0 == self.0
            || other
                .0
                .strip_prefix(self.0.as_str())
                .is_some_and(|rest| rest.starts_with('/'))
    }

    /// `{self}/{name}`: the key of a step or state of this entity.
    pub(crate) fn under(&self, name: &str) -> String {
        format!("{}/{name}", self.0)
    }
}

impl fmt::Display for EntityKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An id as a key segment: `/` and `%` percent-encoded.
fn segment(id: &str) -> Cow<'_, str> {
    if id.contains(['/', '%']) {
        Cow::Owned(id.replace('%', "%25").replace('/', "%2F"))
    } else {
        Cow::Borrowed(id)
    }
}

/// An effect of a flow: a call to `system` whose result (of type `T`) is recorded under
/// `{entity}/{name}`, so it runs at most once per entity (see
/// [`StepCtx::once`](super::StepCtx::once)). Declared once as a constant:
///
/// ```
/// use flows::workflow::Step;
/// use mapping::System;
///
/// const MARK_PAID: Step<()> = Step::new("mark-paid", System::Shopify);
/// assert_eq!(MARK_PAID.name(), "mark-paid");
/// ```
pub struct Step<T> {
    name: &'static str,
    system: System,
    output: PhantomData<fn() -> T>,
}

impl<T> Step<T> {
    /// A step called `name` (unique within its entity; `/` groups names, as in `erp/invoice`)
    /// that calls `system`.
    pub const fn new(name: &'static str, system: System) -> Self {
        Self {
            name,
            system,
            output: PhantomData,
        }
    }

    /// The step's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The system it calls.
    pub const fn system(&self) -> System {
        self.system
    }
}

impl<T> Clone for Step<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Step<T> {}

impl<T> fmt::Debug for Step<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Step")
            .field("name", &self.name)
            .field("system", &self.system)
            .finish()
    }
}

/// A value of type `T` a flow keeps under `{entity}/{name}` between runs (what was sent and
/// when, the canonical order another flow reads). Unlike an effect's record it can change.
pub struct State<T> {
    name: &'static str,
    value: PhantomData<fn() -> T>,
}

impl<T> State<T> {
    /// State called `name` (unique within its entity).
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            value: PhantomData,
        }
    }

    /// The state's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<T> Clone for State<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for State<T> {}

impl<T> fmt::Debug for State<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("State").field("name", &self.name).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_keys_are_built_from_typed_segments() {
        let shop = EntityKey::new(System::Shopify, "demo.myshopify.com");
        let order = shop.child(Entity::Order, 1001);
        assert_eq!(order.as_str(), "shopify/demo.myshopify.com/order/1001");
        assert_eq!(
            order.under("sale"),
            "shopify/demo.myshopify.com/order/1001/sale"
        );
        let refund = order.child(Entity::Refund, "re/1");
        assert_eq!(
            refund.as_str(),
            "shopify/demo.myshopify.com/order/1001/refund/re%2F1"
        );
        assert!(order.contains(&refund));
        assert!(order.contains(&order));
        assert!(!refund.contains(&order));
        // Order 10010 shares the text prefix of order 1001 but is not under it.
        assert!(!order.contains(&shop.child(Entity::Order, 10010)));
    }

    #[test]
    fn ids_cannot_reach_into_other_keys() {
        let store = EntityKey::new(System::Magento, "de%fault/x");
        assert_eq!(store.as_str(), "magento/de%25fault%2Fx");
        let shipment = store.child(Entity::Shipment, "1Z/../2");
        assert_eq!(
            shipment.as_str(),
            "magento/de%25fault%2Fx/shipment/1Z%2F..%2F2"
        );
    }
}
