//! Decisions: contributions add up, thresholds give each outcome, decisions serialise and print.

use fraud::{
    Decision, FeatureConfig, FraudError, KeyKind, MemoryVelocity, Outcome, RulesScorer, Score,
    Scorer, Signal, Thresholds, VelocityCounts, Window, screen,
};
use mapping::CvvResult;

use super::model_file::hand_model;
use super::{close, facts};

fn log_odds(decision: &Decision) -> (f64, f64) {
    match decision.score {
        Score::Probability {
            log_odds,
            intercept,
            probability,
        } => {
            assert!(close(probability, 1.0 / (1.0 + (-log_odds).exp())));
            (log_odds, intercept)
        }
        Score::Points { .. } => panic!("a learned decision"),
    }
}

#[test]
fn learned_contributions_sum_to_the_log_odds_minus_the_intercept() {
    let model = hand_model();
    let mut order = facts();
    order.cvv = Some(CvvResult::NoMatch);
    let decision = model.decide(&order, &VelocityCounts::default());
    let (log_odds, intercept) = log_odds(&decision);
    let sum: f64 = decision.contributions.iter().map(|c| c.contribution).sum();
    assert!(close(sum, log_odds - intercept));
    assert_eq!(decision.contributions.len(), Signal::COUNT);
    // CVV: 2.0 * (1 - 0.5) / 2 = 0.5, the largest, listed first.
    assert_eq!(decision.contributions[0].signal, Signal::CvvNoMatch);
    assert!(close(decision.contributions[0].contribution, 0.5));
    assert!(close(decision.contributions[0].value, 1.0));
    assert!(
        decision
            .contributions
            .windows(2)
            .all(|w| w[0].contribution.abs() >= w[1].contribution.abs())
    );
    assert!(close(
        model.probability(&fraud::Features::build(
            &order,
            &VelocityCounts::default(),
            model.feature_config()
        )),
        decision.score.value()
    ));
}

#[test]
fn rule_contributions_are_each_fired_rules_points_and_sum_to_the_score() {
    let rules = RulesScorer::standard(50_000, FeatureConfig::default());
    let mut order = facts();
    order.cvv = Some(CvvResult::NoMatch);
    order.customer = fraud::CustomerHistory::default();
    order.amount = mapping::Money::from_minor(60_000, mapping::Currency::USD);
    let mut counts = VelocityCounts::default();
    counts.set(KeyKind::Card, Window::Hour, 2);
    let decision = rules.decide(&order, &counts);
    let fired: Vec<(Signal, f64)> = decision
        .contributions
        .iter()
        .map(|c| (c.signal, c.contribution))
        .collect();
    assert_eq!(
        fired,
        vec![
            (Signal::CvvNoMatch, 30.0),
            (
                Signal::Velocity {
                    key: KeyKind::Card,
                    window: Window::Hour
                },
                30.0
            ),
            (Signal::Amount, 20.0),
            (Signal::Amount, 10.0),
        ]
    );
    assert_eq!(decision.score, Score::Points { points: 90.0 });
    assert_eq!(decision.outcome, Outcome::Refuse);
    // The velocity rule shows the count, not its logarithm.
    assert!(close(decision.contributions[1].value, 2.0));
    let text = decision.to_string();
    assert!(
        text.starts_with("refuse: points 90 (review from 50, refuse from 90), rules standard-1"),
        "{text}"
    );
    assert!(
        text.contains("+30.000  velocity_card_1h = 2 (rule: at least 2)"),
        "{text}"
    );
    assert!(
        text.contains("amount = 60000 (rule: at least 50000, first order)"),
        "{text}"
    );
}

#[test]
fn a_clean_order_gets_no_rule_points_and_is_approved() {
    let rules = RulesScorer::standard(50_000, FeatureConfig::default());
    let decision = rules.decide(&facts(), &VelocityCounts::default());
    assert!(decision.contributions.is_empty());
    assert_eq!(decision.score.value(), 0.0);
    assert_eq!(decision.outcome, Outcome::Approve);
}

#[test]
fn thresholds_give_each_outcome_with_boundaries_inclusive() {
    let t = Thresholds::new(0.2, 0.8).expect("valid");
    assert_eq!(t.outcome(0.199), Outcome::Approve);
    assert_eq!(t.outcome(0.2), Outcome::Review);
    assert_eq!(t.outcome(0.799), Outcome::Review);
    assert_eq!(t.outcome(0.8), Outcome::Refuse);
    assert_eq!(
        Thresholds::new(0.5, 0.5).expect("equal").outcome(0.5),
        Outcome::Refuse
    );
}

#[test]
fn inverted_or_non_finite_thresholds_are_refused() {
    for (review, refuse) in [(0.9, 0.1), (f64::NAN, 0.5), (0.1, f64::INFINITY)] {
        assert!(matches!(
            Thresholds::new(review, refuse),
            Err(FraudError::InvalidThresholds { .. })
        ));
    }
}

#[test]
fn a_decision_round_trips_through_json_and_prints_its_top_signals() {
    let model = hand_model();
    let mut order = facts();
    order.cvv = Some(CvvResult::NoMatch);
    let decision = model.decide(&order, &VelocityCounts::default());
    let json = serde_json::to_string(&decision).expect("serialise");
    assert!(json.contains("\"signal\":\"cvv_no_match\""), "{json}");
    assert!(json.contains("\"score\":{\"probability\":{"), "{json}");
    let back: Decision = serde_json::from_str(&json).expect("deserialise");
    assert_eq!(back, decision);
    let text = decision.to_string();
    let mut lines = text.lines();
    assert!(lines.next().expect("head").contains("learned model test-1"));
    assert!(lines.next().expect("log-odds").contains("intercept -3.000"));
    assert_eq!(lines.next().expect("top"), "    +0.500  cvv_no_match = 1");
}

#[test]
fn screen_scores_before_recording_the_order() {
    let store = MemoryVelocity::new();
    let rules = RulesScorer::standard(50_000, FeatureConfig::default());
    let first = screen(&rules, &store, &mut facts()).expect("screen");
    assert!(first.contributions.is_empty());
    let mut again = facts();
    again.placed_at += time::Duration::MINUTE;
    let second = screen(&hand_model(), &store, &mut again).expect("screen");
    let card = second
        .contributions
        .iter()
        .find(|c| {
            c.signal
                == Signal::Velocity {
                    key: KeyKind::Card,
                    window: Window::Hour,
                }
        })
        .expect("card velocity");
    assert!(close(card.value, 1.0));
}

#[test]
fn screen_scores_an_account_with_its_history_in_the_store_and_keeps_it_in_the_facts() {
    let store = MemoryVelocity::new();
    let rules = RulesScorer::standard(50_000, FeatureConfig::default());
    let mut first = facts();
    first.account = Some("shop/customer/1".to_owned());
    // The history given is replaced: the store has seen no order of this account.
    screen(&rules, &store, &mut first).expect("screen");
    assert_eq!(first.customer, fraud::CustomerHistory::default());
    let mut second = first.clone();
    second.placed_at += time::Duration::DAY;
    screen(&rules, &store, &mut second).expect("screen");
    assert_eq!(
        second.customer,
        fraud::CustomerHistory {
            prior_orders: 1,
            prior_spent: Some(first.amount),
        }
    );
    // Without an account the history given is scored as it is.
    let mut given = facts();
    screen(&rules, &store, &mut given).expect("screen");
    assert_eq!(given.customer, facts().customer);
}
