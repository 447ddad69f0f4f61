//! The scorer trait, and the one call a workflow makes per order.

use crate::FraudError;
use crate::decision::Decision;
use crate::facts::OrderFacts;
use crate::features::{FeatureConfig, Features};
use crate::keys::VelocityKeys;
use crate::velocity::{VelocityCounts, VelocityStore};

/// Turns features into a decision. Pure and cheap: no I/O, no allocation beyond the decision.
pub trait Scorer: Send + Sync {
    /// The feature configuration the scorer was built with.
    fn feature_config(&self) -> &FeatureConfig;

    /// The decision for one order's features.
    fn score(&self, features: &Features) -> Decision;

    /// The decision for one order's facts and velocity: builds the features, then scores them.
    fn decide(&self, facts: &OrderFacts, velocity: &VelocityCounts) -> Decision {
        self.score(&Features::build(facts, velocity, self.feature_config()))
    }
}

/// Screens one order: reads its velocity and, when the facts name a customer account
/// ([`OrderFacts::account`]), sets `facts.customer` to the account's history in the store (so
/// the facts kept with the decision are the ones scored); decides; then records the order so
/// later orders count it (refused orders too: card testing is a run of refusals), in its
/// customer's history too.
pub fn screen(
    scorer: &dyn Scorer,
    store: &dyn VelocityStore,
    facts: &mut OrderFacts,
) -> Result<Decision, FraudError> {
    let keys = VelocityKeys::from_facts(facts);
    if keys.customer.is_some() {
        facts.customer = store.customer_history(&keys)?;
    }
    let counts = store.counts(&keys, facts.placed_at)?;
    let decision = scorer.decide(facts, &counts);
    store.record(&keys, facts.placed_at)?;
    Ok(decision)
}
