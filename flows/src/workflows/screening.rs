//! The fraud screen both pairs run before any money moves: a [`fraud::Scorer`] and a
//! [`fraud::VelocityStore`] ([`Screener`]); the order's facts and [`fraud::Decision`] recorded
//! under the order's key ([`Screened`], effect `{order}/fraud/screen`, see [`keep`]) so that
//! `payops fraud explain` and the console can show the decision and `payops fraud train` can
//! learn from the facts; a log line without personal data; and the notice of a held or refused
//! order.
//!
//! Each pair maps its order into [`fraud::OrderFacts`] itself (Shopify + PayTrace:
//! `shopify_paytrace::order_facts`; Magento + Stripe: `magento_stripe::order_facts`), with the
//! shared [`address_facts`], and acts on the decision its own way: Shopify + PayTrace holds an
//! order uncharged (`ShopifyPaytrace::fraud_screen`), Magento + Stripe authorizes it without
//! capturing until a person releases or cancels it (`MagentoStripe::fraud_screen`). Magento +
//! Stripe also records Stripe Radar's outcome of a screened order's charge under the charge
//! ([`RADAR`]), apart from the facts the screen scored.
//!
//! ```no_run
//! use std::sync::Arc;
//! use flows::workflows::screening::Screener;
//!
//! let velocity = Arc::new(fraud::SqliteVelocity::open("fraud-velocity.sqlite")?);
//! // The learned model when its file is configured, else the rules baseline.
//! let screener = Screener::load(Some("fraud-model.json".as_ref()), 50_000, velocity)?;
//! # let _ = screener;
//! # Ok::<(), fraud::FraudError>(())
//! ```

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use fraud::{
    AddressFacts, Decision, FeatureConfig, LearnedModel, OrderFacts, Outcome, RulesScorer, Scorer,
};
use mapping::{Address, System};
use serde::{Deserialize, Serialize};

use crate::StepError;
use crate::error::Cause;
use crate::notify::{Notice, NoticeKind};
use crate::workflow::{EntityKey, Step, StepCtx};

/// The name of the screen's record under the order's key: `{order}/fraud/screen`.
pub const RECORD: &str = "fraud/screen";

/// The name of the record of Stripe Radar's outcome of a screened order's charge, under the
/// charge's key (`stripe/{account}/charge/{id}/fraud/radar`): Magento + Stripe's
/// `magento_stripe::RadarRecord`, which names the order. Kept apart from the order's
/// [`RECORD`]: that one holds the facts the screen scored, written once, before any charge.
pub const RADAR: &str = "fraud/radar";

/// What the screen saw and decided for one order, recorded under the order's key ([`RECORD`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Screened {
    /// The facts scored: the training row of a later `payops fraud train`.
    pub facts: OrderFacts,
    /// The decision: outcome, score, each signal's contribution.
    pub decision: Decision,
}

/// The step that records an order's [`Screened`] for an order of `store`.
pub const fn record_step(store: System) -> Step<Screened> {
    Step::new(RECORD, store)
}

/// Keeps what the screen did for the order of this job (whose number people see is `number`):
/// logs the decision, records it under the order ([`record_step`] of `store`), and notifies a
/// person of a held or refused order.
pub fn keep(
    ctx: &StepCtx<'_>,
    store: System,
    number: &str,
    screened: &Screened,
) -> Result<(), StepError> {
    log_decision(ctx.entity(), &screened.decision);
    ctx.record(ctx.entity(), &record_step(store), screened)?;
    if let Some(notice) = notice(ctx.entity(), number, &screened.decision) {
        ctx.notify(notice);
    }
    Ok(())
}

/// An address's country, postal code and first line, as both pairs' `order_facts` give them;
/// `None` unless all three are there (a partial address would count as one shared address in
/// velocity).
pub fn address_facts(address: &Address) -> Option<AddressFacts> {
    Some(AddressFacts {
        country: address.country?,
        postal_code: address.postal_code.clone()?,
        line1: address.lines.first()?.clone(),
    })
}

/// How many contributions a log line and a notice name.
const TOP: usize = 3;

/// A scorer and its velocity store, shared by every order of a pair.
#[derive(Clone)]
pub struct Screener {
    scorer: Arc<dyn Scorer>,
    velocity: Arc<dyn fraud::VelocityStore>,
}

impl fmt::Debug for Screener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Screener").finish_non_exhaustive()
    }
}

impl Screener {
    /// Screens with `scorer`, counting velocity in `velocity`.
    pub fn new(scorer: Arc<dyn Scorer>, velocity: Arc<dyn fraud::VelocityStore>) -> Self {
        Self { scorer, velocity }
    }

    /// The learned model in `model` when a file is configured, else
    /// [`RulesScorer::standard`] with `high_amount_minor` (the shop currency's minor units from
    /// which an order counts as big). A configured file that cannot be read or is not a model of
    /// this build is an error: a typo must not silently fall back to the rules.
    pub fn load(
        model: Option<&Path>,
        high_amount_minor: i64,
        velocity: Arc<dyn fraud::VelocityStore>,
    ) -> Result<Self, fraud::FraudError> {
        let scorer: Arc<dyn Scorer> = match model {
            Some(path) => Arc::new(LearnedModel::load(path)?),
            None => Arc::new(RulesScorer::standard(
                high_amount_minor,
                FeatureConfig::default(),
            )),
        };
        Ok(Self::new(scorer, velocity))
    }

    /// Screens `facts` ([`fraud::screen`]: velocity read, decision, order recorded) off the async
    /// threads, since the velocity store is SQLite. A store failure is transient.
    pub async fn screen(&self, facts: OrderFacts) -> Result<Screened, StepError> {
        let this = self.clone();
        let decided = tokio::task::spawn_blocking(move || {
            fraud::screen(&*this.scorer, &*this.velocity, &facts)
                .map(|decision| Screened { facts, decision })
        })
        .await
        .map_err(|e| StepError::permanent(format!("the fraud screen's task failed: {e}")))?;
        decided.map_err(|e| StepError::Transient {
            system: None,
            retry_after: None,
            source: Box::new(Cause::Fraud(e)),
        })
    }
}

/// The decision's top contributions as `signal +points` (`cvv_no_match +30.00`), for log lines,
/// notes and notices: signal names and numbers only, never the order's personal data.
pub fn top_contributions(decision: &Decision) -> String {
    let top: Vec<String> = decision
        .contributions
        .iter()
        .take(TOP)
        .map(|c| format!("{} {:+.2}", c.signal, c.contribution))
        .collect();
    if top.is_empty() {
        "no signal".to_owned()
    } else {
        top.join(", ")
    }
}

/// Logs `decision` for the order keyed `order`: outcome, score, scorer and top contributions.
fn log_decision(order: &EntityKey, decision: &Decision) {
    tracing::info!(
        order = %order,
        outcome = %decision.outcome,
        score = decision.score.value(),
        scorer = %decision.scorer.version,
        top = %top_contributions(decision),
        "fraud screen"
    );
}

/// Why the screen held or refused an order, as a note or comment on it says.
pub fn reason(decision: &Decision) -> String {
    format!(
        "fraud screen score {:.3} ({})",
        decision.score.value(),
        top_contributions(decision)
    )
}

/// The notice of an order the screen held for review or refused, keyed
/// `{order}/notice/fraud-{outcome}`. `None` for an approved order.
pub fn notice(order: &EntityKey, number: &str, decision: &Decision) -> Option<Notice> {
    let (title, what) = match decision.outcome {
        Outcome::Approve => return None,
        Outcome::Review => (
            format!("Order {number} held for fraud review"),
            // Neither pair has taken the money yet (Magento + Stripe holds an authorization).
            "was held for review and not charged; release it or cancel it",
        ),
        Outcome::Refuse => (
            format!("Order {number} refused by the fraud screen"),
            "was refused and will not be charged",
        ),
    };
    Some(
        Notice::new(
            NoticeKind::FraudScreen,
            format!("{order}/notice/fraud-{}", decision.outcome),
            title,
        )
        .text(format!(
            "Order {number} {what}. `payops fraud explain` shows each signal's share."
        ))
        .fact("order", number)
        .fact("outcome", decision.outcome)
        .fact("score", format!("{:.3}", decision.score.value()))
        .fact("signals", top_contributions(decision)),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use fraud::{Contribution, Score, ScorerId, ScorerKind, Signal, Thresholds};

    use super::*;

    fn decision(points: &[(Signal, f64)]) -> Decision {
        let contributions = points
            .iter()
            .map(|&(signal, contribution)| Contribution {
                signal,
                value: 1.0,
                contribution,
                rule: None,
            })
            .collect();
        Decision::new(
            Score::Points {
                points: points.iter().map(|p| p.1).sum(),
            },
            Thresholds::new(50.0, 90.0).unwrap(),
            contributions,
            ScorerId {
                kind: ScorerKind::Rules,
                version: "standard-1".into(),
            },
        )
    }

    #[test]
    fn notices_name_the_outcome_score_and_top_signals_and_approvals_have_none() {
        let order =
            EntityKey::new(System::Shopify, "demo").child(crate::workflow::Entity::Order, 7);
        let review = decision(&[(Signal::AvsNoMatch, 20.0), (Signal::CvvNoMatch, 30.0)]);
        let notice = notice(&order, "#7", &review).unwrap();
        assert_eq!(notice.kind, NoticeKind::FraudScreen);
        assert_eq!(notice.key, format!("{order}/notice/fraud-review"));
        assert_eq!(notice.title, "Order #7 held for fraud review");
        let facts: Vec<(&str, &str)> = notice
            .facts
            .iter()
            .map(|f| (f.name.as_str(), f.value.as_str()))
            .collect();
        assert_eq!(
            facts,
            [
                ("order", "#7"),
                ("outcome", "review"),
                ("score", "50.000"),
                ("signals", "cvv_no_match +30.00, avs_no_match +20.00"),
            ]
        );
        let refuse = decision(&[(Signal::CvvNoMatch, 95.0)]);
        assert_eq!(
            super::notice(&order, "#7", &refuse).unwrap().key,
            format!("{order}/notice/fraud-refuse")
        );
        assert!(super::notice(&order, "#7", &decision(&[])).is_none());
        assert_eq!(top_contributions(&decision(&[])), "no signal");
    }

    #[test]
    fn a_configured_model_file_that_is_missing_is_an_error_not_the_rules() {
        let velocity = Arc::new(fraud::MemoryVelocity::default());
        let missing = Path::new("/nonexistent/fraud-model.json");
        assert!(matches!(
            Screener::load(Some(missing), 50_000, velocity.clone()),
            Err(fraud::FraudError::Io { .. })
        ));
        assert!(Screener::load(None, 50_000, velocity).is_ok());
    }
}
