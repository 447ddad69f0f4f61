//! Fraud screening that learns from the merchant's own disputes and explains every decision.
//!
//! # How it works
//!
//! **Facts.** A workflow gathers what it received about an order into [`OrderFacts`]: the
//! gateway's AVS and CVV results, Stripe Radar's risk level and score, Shopify's
//! recommendation, the email, IP address (and its country when the store gives it), billing and
//! shipping addresses, the customer's earlier orders and the items' categories. Cards are their
//! gateway fingerprints; no card number ever enters this crate.
//!
//! **Velocity.** A [`VelocityStore`] counts earlier orders per card fingerprint, email, IP address
//! and shipping address in the last hour, day and week ([`Window`]), and, for an order placed
//! under a customer account, that account's earlier orders and what they came to (the
//! customer's history: neither store sends one with its orders). Email, IP, address and
//! account are normalised and hashed with SHA-256 before they are stored ([`keys`]). [`SqliteVelocity`] keeps
//! them in an embedded SQLite file; [`MemoryVelocity`] in memory; [`IndexedVelocity`] writes to
//! SQLite and answers look-ups from an in-memory index of the last week (the fast path).
//!
//! **Signals and features.** Facts and counts become a [`Features`] vector with one value per
//! [`Signal`] (flags are 0/1, counts `ln(1 + n)`, the amount `ln(1 + minor units)`). Building it
//! is pure, so a scorer can be tested and benchmarked without a store.
//!
//! **Model.** [`train`] picks training rows by the dispute rules ([`label_at`]: fraud once a
//! fraud dispute or early fraud warning arrived; legitimate once settled and past the dispute
//! window, 120 days by default) and fits a logistic regression (`linfa-logistic`) on
//! standardised features, classes weighted by repetition. The result, a [`LearnedModel`], is
//! saved as a versioned JSON file and loaded at start; loading refuses another format version or
//! a feature list that is not this build's. [`RulesScorer::standard`] is the baseline for
//! merchants without history. Both are [`Scorer`]s.
//!
//! **Thresholds and outcomes.** A score at or above the refuse threshold refuses, at or above the
//! review threshold reviews, otherwise approves ([`Thresholds`], [`Outcome`]). A trained model's
//! thresholds are the scores that send a configured share of training orders (2 % and 0.2 % by
//! default) to review and to refusal; both can be changed in the file.
//!
//! **Explanation.** Every [`Decision`] lists each signal's [`Contribution`], largest first: for
//! the learned model the coefficient times the standardised value, in log-odds, so the intercept
//! plus the contributions is the score's log-odds; for rules the points each fired rule added,
//! which sum to the score. A decision serialises with serde and prints for people.
//!
//! # In the product
//!
//! - **Shopify + PayTrace**: `flows::workflows::shopify_paytrace::FraudScreen` is the pair's
//!   risk gate when it is built with `ShopifyPaytrace::fraud_screen` (Shopify's recommendation is
//!   one signal): approve charges, review holds the order (tag, note, notice), refuse never
//!   charges it (tag, note, notice).
//! - **Every screened order** keeps its facts and [`Decision`] under its key
//!   (`{order}/fraud/screen`, `flows::workflows::screening::Screened`); the log line names the
//!   outcome, score and top signals only.
//! - **`payops fraud explain ORDER`** prints that decision; **`payops fraud train`** fits a
//!   [`LearnedModel`] on the screened orders' facts and what became of them, as the flows
//!   recorded it (a payment taken, disputes and their reasons, early fraud warning:
//!   `flows::workflows::screening::history`), an outcomes file overriding the orders it names,
//!   and writes the model file.
//! - **The console**'s `/console/fraud` page lists the latest decisions with their top signals.
//! - **Magento + Stripe**: `MagentoStripe::fraud_screen` screens each order before its first
//!   PaymentIntent: approve charges, review authorizes without capturing and holds the order
//!   until a person releases (captures) or cancels it, refuse never creates a PaymentIntent.
//!   Radar's outcome of the charge is recorded apart (`{charge}/fraud/radar`, naming the order);
//!   training does not read it yet.
//!
//! # Examples
//!
//! Train from history and save the model file:
//!
//! ```no_run
//! use fraud::{LabelledOrder, TrainConfig, train};
//! # fn history() -> Vec<LabelledOrder> { Vec::new() }
//! let history: Vec<LabelledOrder> = history();
//! let now = time::OffsetDateTime::now_utc();
//! let model = train(&history, now, &TrainConfig::default())?;
//! model.save("fraud-model.json")?;
//! # Ok::<(), fraud::FraudError>(())
//! ```
//!
//! Load the model at start (or fall back to the rules):
//!
//! ```no_run
//! use fraud::{FeatureConfig, LearnedModel, RulesScorer, Scorer};
//! let scorer: Box<dyn Scorer> = match LearnedModel::load("fraud-model.json") {
//!     Ok(model) => Box::new(model),
//!     Err(fraud::FraudError::Io { .. }) => {
//!         Box::new(RulesScorer::standard(50_000, FeatureConfig::default()))
//!     }
//!     Err(other) => return Err(other),
//! };
//! # Ok::<(), fraud::FraudError>(())
//! ```
//!
//! Score one order (velocity and the customer's history read, decision, order recorded):
//!
//! ```no_run
//! use fraud::{LearnedModel, OrderFacts, SqliteVelocity, screen};
//! # fn facts() -> OrderFacts { unimplemented!() }
//! let model = LearnedModel::load("fraud-model.json")?;
//! let store = SqliteVelocity::open("fraud-velocity.sqlite")?;
//! let mut facts = facts();
//! let decision = screen(&model, &store, &mut facts)?;
//! println!("{:?}", decision.outcome);
//! # Ok::<(), fraud::FraudError>(())
//! ```
//!
//! Explain a decision (`payops fraud explain`) and store it:
//!
//! ```no_run
//! use fraud::{Decision, Outcome};
//! # fn stored() -> Decision { unimplemented!() }
//! let decision: Decision = stored();
//! println!("{decision}");
//! for c in decision.contributions.iter().take(3) {
//!     println!("{} added {:+.2}", c.signal, c.contribution);
//! }
//! let json = serde_json::to_string(&decision).expect("a decision serialises");
//! assert!(decision.outcome != Outcome::Approve || !json.is_empty());
//! ```
//!
//! Record velocity separately (a backfill, or an order screened elsewhere):
//!
//! ```no_run
//! use fraud::{SqliteVelocity, VelocityKeys, VelocityStore, Window, KeyKind};
//! # fn facts() -> fraud::OrderFacts { unimplemented!() }
//! let store = SqliteVelocity::open("fraud-velocity.sqlite")?;
//! let facts = facts();
//! let keys = VelocityKeys::from_facts(&facts);
//! store.record(&keys, facts.placed_at)?;
//! let counts = store.counts(&keys, facts.placed_at)?;
//! println!("{} orders on this card in the last hour", counts.get(KeyKind::Card, Window::Hour));
//! store.prune(facts.placed_at - time::Duration::days(7))?;
//! # Ok::<(), fraud::FraudError>(())
//! ```

mod decision;
mod error;
pub mod eval;
mod facts;
mod features;
pub mod keys;
mod model;
mod rules;
mod scorer;
mod signal;
pub mod synth;
mod train;
mod velocity;

pub use decision::{
    Contribution, Decision, Outcome, RuleCondition, Score, ScorerId, ScorerKind, Thresholds,
};
pub use error::FraudError;
pub use facts::{
    AddressFacts, CardFacts, CustomerHistory, OrderFacts, RadarAssessment, RadarRiskLevel,
    ShopifyRecommendation,
};
pub use features::{FeatureConfig, Features};
pub use keys::{CustomerOrder, KeyKind, VelocityKeys};
pub use model::{FORMAT_VERSION, LearnedModel, Scaler, TrainingSummary};
pub use rules::{Rule, RulesScorer};
pub use scorer::{Scorer, screen};
pub use signal::Signal;
pub use train::{
    DEFAULT_DISPUTE_WINDOW, Label, LabelledOrder, OrderOutcome, TrainConfig, fit, label_at,
    replay_features, train,
};
pub use velocity::{
    IndexedVelocity, LONGEST_WINDOW_SECONDS, MemoryVelocity, SqliteVelocity, VelocityCounts,
    VelocityStore, Window,
};
