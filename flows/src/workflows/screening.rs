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
//! # What became of an order: the training labels
//!
//! The flows that learn what became of an order record it as an [`OutcomeFact`] (the order's
//! key, what was learned, when) under **their own** entity, as the effect
//! `{entity}/fraud/outcome` ([`OUTCOME`], see [`learn`]):
//!
//! | flow | entity | learned | time |
//! |---|---|---|---|
//! | Shopify + PayTrace sale approved, or authorization captured (`paid`) | the order | [`Learned::Settled`] | the payment's `processed_at`, else now |
//! | Magento + Stripe `charge.succeeded` | the charge | [`Learned::Settled`] | the charge's `created` |
//! | Stripe dispute (`charge.dispute.*`) | the dispute | [`dispute_reason`] of its `reason` | the dispute's `created` |
//! | Stripe early fraud warning | the warning | [`Learned::EarlyFraudWarning`] | the warning's `created` |
//! | PayTrace chargeback (`paytrace.chargeback`) | the case | [`chargeback_reason`] of its reason text | the chargeback's date, 00:00 UTC |
//! | Shopify Payments dispute (`shopify.dispute`) | the dispute | [`dispute_reason`] of its `reason` | its `initiated_at`, else now |
//!
//! A step's job may write only under its own entity (the step context refuses another's, so
//! that no job changes records another job's run holds), and a dispute's job is not the
//! order's; so the fact is kept where its job runs, and names the order. Each source records
//! once (the first run that learns it; a re-delivery, a later stage of the same dispute change
//! nothing), with the job's other records, in the same fenced write, so it costs the flow no
//! step and no job of its own. [`history`] reads them back per order: every order with a
//! screen record and its [`fraud::OrderOutcome`], each time the earliest of the facts of that
//! kind (two disputes of one order: the earlier one's, whichever was processed first).
//!
//! "Settled" is when the money was taken (a sale or a capture approved, a charge succeeded),
//! not when its batch or payout settled; a refund or void afterwards is not looked at. Flows
//! of orders never screened record facts too (a gate without a scorer, orders before the
//! screen was configured): [`history`] counts and leaves them out.
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

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use fraud::{
    AddressFacts, Decision, FeatureConfig, LearnedModel, OrderFacts, OrderOutcome, Outcome,
    RulesScorer, Scorer, Thresholds,
};
use mapping::{Address, System};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::error::Cause;
use crate::notify::{Notice, NoticeKind};
use crate::store::Store;
use crate::workflow::{EntityKey, Step, StepCtx};
use crate::{FlowError, StepError};

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

/// The name of a flow's record of what it learned about an order (an [`OutcomeFact`]), under
/// the flow's own entity: `{entity}/fraud/outcome`.
pub const OUTCOME: &str = "fraud/outcome";

/// What a person decided about an order the screen held, in either pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Charge it as if the screen had approved it.
    Release,
    /// Never charge it: cancel it in the store (and its authorization, if any).
    Cancel,
}

/// What a flow learned about an order: which of [`OrderOutcome`]'s times it gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Learned {
    /// The money was taken: [`OrderOutcome::settled_at`].
    Settled,
    /// A dispute with a fraud reason: [`OrderOutcome::fraud_dispute_at`].
    FraudDispute,
    /// An early fraud warning: [`OrderOutcome::early_fraud_warning_at`].
    EarlyFraudWarning,
    /// A dispute for another reason, or one whose reason does not say fraud:
    /// [`OrderOutcome::other_dispute_at`].
    OtherDispute,
}

impl Learned {
    /// Sets this kind's time of `outcome` to `at`, unless it holds an earlier one.
    pub fn apply(self, outcome: &mut OrderOutcome, at: OffsetDateTime) {
        let field = match self {
            Self::Settled => &mut outcome.settled_at,
            Self::FraudDispute => &mut outcome.fraud_dispute_at,
            Self::EarlyFraudWarning => &mut outcome.early_fraud_warning_at,
            Self::OtherDispute => &mut outcome.other_dispute_at,
        };
        *field = Some(field.map_or(at, |known| known.min(at)));
    }
}

/// One flow's record of what it learned about an order ([`OUTCOME`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeFact {
    /// The order's key, as its screen record is keyed (`shopify/{shop}/order/{id}`,
    /// `magento/{store code}/order/{entity id}`).
    pub order: EntityKey,
    /// What was learned.
    pub learned: Learned,
    /// When it happened, as the provider dates it.
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The provider's reason of a dispute, as given (kept to audit the classification).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The step of a flow's [`OutcomeFact`], calling `system` (the flow's source of the fact).
pub const fn outcome_step(system: System) -> Step<OutcomeFact> {
    Step::new(OUTCOME, system)
}

/// Records `fact` under the job's entity ([`OUTCOME`]), with the job's other records; once:
/// when the entity has a fact already (an earlier run, another job of the same entity), it
/// stays as it is.
pub fn learn(ctx: &StepCtx<'_>, system: System, fact: &OutcomeFact) -> Result<(), StepError> {
    let step = outcome_step(system);
    if ctx.recorded(&step)?.is_some() {
        return Ok(());
    }
    ctx.record(ctx.entity(), &step, fact)
}

/// What a card dispute's reason says: `fraudulent` is a fraud dispute. Stripe's
/// `dispute.reason` is one of `bank_cannot_process`, `check_returned`, `credit_not_processed`,
/// `customer_initiated`, `debit_not_authorized`, `duplicate`, `fraudulent`, `general`,
/// `incorrect_account_details`, `insufficient_funds`, `product_not_received`,
/// `product_unacceptable`, `subscription_canceled` or `unrecognized` (the workspace's Stripe
/// reference, `spec3.2023-08-16.json`). Shopify's REST `Dispute.reason` is read the same way:
/// the `shopify` crate documents `fraudulent`, `product_not_received`, ..., and the Shopify
/// reference has no list. Every other reason is [`Learned::OtherDispute`], `unrecognized`
/// included (the cardholder does not recognize the payment: often fraud, but not said to be),
/// as is a dispute without a reason.
pub fn dispute_reason(reason: Option<&str>) -> Learned {
    match reason.map(str::trim) {
        Some("fraudulent") => Learned::FraudDispute,
        _ => Learned::OtherDispute,
    }
}

/// The card networks' fraud reason codes, from their published reason code lists (the
/// PayTrace reference has none): Visa's fraud category (`10.1` to `10.5`), Mastercard `4837`
/// (no cardholder authorization), `4840` (fraudulent processing), `4863` (cardholder does not
/// recognize: potential fraud), `4870` and `4871` (chip liability shift), American Express
/// `F24`, `F29`, `F30`, `F31`, `FR2`, `FR4`, `FR6`, and Discover `UA01`, `UA02`, `UA05`,
/// `UA06`.
const FRAUD_CODES: [&str; 21] = [
    "10.1", "10.2", "10.3", "10.4", "10.5", "4837", "4840", "4863", "4870", "4871", "F24", "F29",
    "F30", "F31", "FR2", "FR4", "FR6", "UA01", "UA02", "UA05", "UA06",
];

/// What a PayTrace chargeback's reason text says (PayTrace has no chargeback API: the text is
/// the merchant's report's `Reason Code` and `Reason`, see `mapping::paytrace::Chargeback`):
/// a fraud dispute when its first word is one of the networks' fraud reason codes
/// (`FRAUD_CODES`) or the text has a word starting with "fraud" that is not negated ("not",
/// "non", "no" before it) (a report without codes); anything
/// else (an empty reason, a code of another category, a code the list does not know) is
/// [`Learned::OtherDispute`].
pub fn chargeback_reason(reason: &str) -> Learned {
    let code = reason
        .split(|c: char| c.is_whitespace() || c == '-' || c == ':')
        .next()
        .unwrap_or_default();
    let fraud = FRAUD_CODES
        .iter()
        .any(|known| code.eq_ignore_ascii_case(known))
        || says_fraud(reason);
    if fraud {
        Learned::FraudDispute
    } else {
        Learned::OtherDispute
    }
}

/// Whether `text` has a word starting with "fraud" not negated by the word before it ("not
/// fraud", "non-fraud", "no fraud" are not).
fn says_fraud(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    words.iter().enumerate().any(|(i, word)| {
        word.starts_with("fraud") && !(i > 0 && matches!(words[i - 1], "not" | "non" | "no"))
    })
}

/// A screened order and what became of it, as the store has them ([`history`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenedOrder {
    /// The order's key.
    pub order: String,
    /// Its screen record.
    pub screened: Screened,
    /// What the flows learned since: each time the earliest of its kind.
    pub outcome: OrderOutcome,
}

/// Every screened order in a store with its outcome ([`history`]).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// The screened orders, in the order they were placed.
    pub orders: Vec<ScreenedOrder>,
    /// How many orders have outcome facts but no screen record (left out).
    pub unscreened: usize,
}

/// Every order with a screen record ([`RECORD`]) and its outcome, folded from the
/// [`OutcomeFact`]s every flow recorded about it ([`OUTCOME`], see the module docs): the
/// training history of `payops fraud train`. Reads the store's log twice
/// ([`Store::effects_ending`]): for a tool, not a hot path. A record that does not decode is
/// [`FlowError::Record`], naming its key.
pub async fn history(store: &dyn Store) -> Result<History, FlowError> {
    let mut outcomes: HashMap<String, OrderOutcome> = HashMap::new();
    for effect in store
        .effects_ending(&format!("/{OUTCOME}"), u32::MAX)
        .await?
    {
        let fact =
            OutcomeFact::deserialize(&effect.detail).map_err(|source| FlowError::Record {
                key: effect.key.clone(),
                source,
            })?;
        let outcome = outcomes.entry(fact.order.as_str().to_owned()).or_default();
        fact.learned.apply(outcome, fact.at);
    }
    let suffix = format!("/{RECORD}");
    let mut orders = Vec::new();
    for effect in store.effects_ending(&suffix, u32::MAX).await? {
        let screened =
            Screened::deserialize(&effect.detail).map_err(|source| FlowError::Record {
                key: effect.key.clone(),
                source,
            })?;
        let order = effect
            .key
            .strip_suffix(&suffix)
            .unwrap_or(&effect.key)
            .to_owned();
        let outcome = outcomes.remove(&order).unwrap_or_default();
        orders.push(ScreenedOrder {
            order,
            screened,
            outcome,
        });
    }
    // Velocity is replayed in the order orders were placed.
    orders.sort_by(|a, b| {
        (a.screened.facts.placed_at, &a.order).cmp(&(b.screened.facts.placed_at, &b.order))
    });
    Ok(History {
        orders,
        unscreened: outcomes.len(),
    })
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
        Self::load_with(
            model,
            high_amount_minor,
            None,
            FeatureConfig::default(),
            velocity,
        )
    }

    /// [`Screener::load`] with the review and refuse `thresholds` in place of the scorer's own
    /// when given (a probability of fraud for the learned model, points for the rules), and the
    /// rules' `features` (their high-risk categories; a learned model has its own, from its
    /// file, as it was trained).
    pub fn load_with(
        model: Option<&Path>,
        high_amount_minor: i64,
        thresholds: Option<Thresholds>,
        features: FeatureConfig,
        velocity: Arc<dyn fraud::VelocityStore>,
    ) -> Result<Self, fraud::FraudError> {
        let scorer: Arc<dyn Scorer> = match model {
            Some(path) => {
                let mut model = LearnedModel::load(path)?;
                if let Some(thresholds) = thresholds {
                    model.thresholds = thresholds;
                }
                Arc::new(model)
            }
            None => {
                let mut rules = RulesScorer::standard(high_amount_minor, features);
                if let Some(thresholds) = thresholds {
                    rules.thresholds = thresholds;
                }
                Arc::new(rules)
            }
        };
        Ok(Self::new(scorer, velocity))
    }

    /// Screens `facts` ([`fraud::screen`]: velocity and the customer account's history read,
    /// decision, order recorded) off the async threads, since the velocity store is SQLite. The
    /// facts kept are the ones scored, the account's history included. A store failure is
    /// transient.
    pub async fn screen(&self, mut facts: OrderFacts) -> Result<Screened, StepError> {
        let this = self.clone();
        let decided = tokio::task::spawn_blocking(move || {
            fraud::screen(&*this.scorer, &*this.velocity, &mut facts)
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
    fn an_outcome_keeps_the_earliest_time_of_each_kind() {
        let (early, late) = (
            time::macros::datetime!(2026-12-01 00:00 UTC),
            time::macros::datetime!(2026-12-05 00:00 UTC),
        );
        let mut outcome = OrderOutcome::default();
        Learned::FraudDispute.apply(&mut outcome, late);
        Learned::FraudDispute.apply(&mut outcome, early);
        Learned::FraudDispute.apply(&mut outcome, late);
        Learned::Settled.apply(&mut outcome, late);
        assert_eq!(
            outcome,
            OrderOutcome {
                settled_at: Some(late),
                fraud_dispute_at: Some(early),
                early_fraud_warning_at: None,
                other_dispute_at: None,
            }
        );
    }

    #[test]
    fn dispute_reasons_say_fraud_only_when_the_network_or_gateway_does() {
        assert_eq!(dispute_reason(Some("fraudulent")), Learned::FraudDispute);
        for other in [Some("unrecognized"), Some("product_not_received"), None] {
            assert_eq!(dispute_reason(other), Learned::OtherDispute, "{other:?}");
        }
        for fraud in [
            "10.4 Other Fraud - Card Absent Environment",
            "4837",
            "4863 Cardholder Does Not Recognize",
            "F29 Card Not Present",
            "ua02: fraud card not present",
            "Fraud",
            "Fraudulent multiple transactions",
        ] {
            assert_eq!(chargeback_reason(fraud), Learned::FraudDispute, "{fraud}");
        }
        for other in [
            "13.1 Merchandise/Services Not Received",
            "4853 Cardholder Dispute",
            "10 days late",
            "",
            "Non-fraud: duplicate processing",
            "not fraud, credit not processed",
        ] {
            assert_eq!(chargeback_reason(other), Learned::OtherDispute, "{other}");
        }
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

    #[tokio::test]
    async fn thresholds_given_replace_the_rules_own() {
        let facts = OrderFacts {
            placed_at: time::macros::datetime!(2026-12-07 11:00 UTC),
            amount: mapping::Money::from_minor(8_000, mapping::Currency::USD),
            card: None,
            avs: None,
            cvv: None,
            radar: None,
            shopify: None,
            email: None,
            ip: None,
            ip_country: None,
            billing: None,
            shipping: None,
            account: None,
            customer: fraud::CustomerHistory::default(),
            categories: Default::default(),
        };
        let screen = |thresholds| {
            let velocity = Arc::new(fraud::MemoryVelocity::default());
            Screener::load_with(None, 1_000, thresholds, FeatureConfig::default(), velocity)
                .unwrap()
        };
        // A big first order: 30 points with the standard rules, approved below 50.
        let standard = screen(None).screen(facts.clone()).await.unwrap();
        assert_eq!(standard.decision.score.value(), 30.0);
        assert_eq!(standard.decision.outcome, Outcome::Approve);
        let lower = Thresholds::new(25.0, 90.0).unwrap();
        let held = screen(Some(lower)).screen(facts).await.unwrap();
        assert_eq!(held.decision.thresholds, lower);
        assert_eq!(held.decision.outcome, Outcome::Review);
    }
}
