//! Training: labels by the dispute rules, a small fit, the generator's determinism.

use std::sync::OnceLock;

use fraud::synth::{HIGH_RISK_CATEGORIES, SynthConfig, SyntheticOrder, generate};
use fraud::{
    FeatureConfig, FraudError, Label, LabelledOrder, LearnedModel, OrderOutcome, Scorer, Signal,
    TrainConfig, VelocityCounts, fit, label_at, train,
};
use time::{Duration, OffsetDateTime};

use super::{PLACED_AT, close, facts};

const WINDOW: Duration = Duration::days(120);

fn order(outcome: OrderOutcome) -> LabelledOrder {
    LabelledOrder {
        facts: facts(),
        outcome,
    }
}

fn settled() -> OrderOutcome {
    OrderOutcome {
        settled_at: Some(PLACED_AT + Duration::days(2)),
        ..OrderOutcome::default()
    }
}

#[test]
fn a_settled_order_is_legitimate_from_the_dispute_window_edge_on() {
    let o = order(settled());
    assert_eq!(
        label_at(&o, PLACED_AT + WINDOW - Duration::SECOND, WINDOW),
        None
    );
    assert_eq!(
        label_at(&o, PLACED_AT + WINDOW, WINDOW),
        Some(Label::Legitimate)
    );
    // A shorter configured window labels sooner.
    assert_eq!(
        label_at(&o, PLACED_AT + Duration::days(60), Duration::days(60)),
        Some(Label::Legitimate)
    );
}

#[test]
fn an_unsettled_order_is_never_legitimate() {
    let o = order(OrderOutcome::default());
    assert_eq!(label_at(&o, PLACED_AT + Duration::days(400), WINDOW), None);
}

#[test]
fn a_fraud_dispute_or_early_warning_is_fraud_once_it_has_arrived() {
    let dispute_at = PLACED_AT + Duration::days(30);
    let disputed = order(OrderOutcome {
        fraud_dispute_at: Some(dispute_at),
        ..settled()
    });
    assert_eq!(
        label_at(&disputed, dispute_at - Duration::SECOND, WINDOW),
        None
    );
    assert_eq!(label_at(&disputed, dispute_at, WINDOW), Some(Label::Fraud));
    // Still fraud after the window: the dispute wins over the settlement.
    assert_eq!(
        label_at(&disputed, PLACED_AT + Duration::days(300), WINDOW),
        Some(Label::Fraud)
    );
    let warned = order(OrderOutcome {
        early_fraud_warning_at: Some(PLACED_AT + Duration::days(3)),
        ..settled()
    });
    assert_eq!(
        label_at(&warned, PLACED_AT + Duration::days(3), WINDOW),
        Some(Label::Fraud)
    );
}

#[test]
fn an_order_disputed_for_another_reason_is_left_out() {
    let o = order(OrderOutcome {
        other_dispute_at: Some(PLACED_AT + Duration::days(10)),
        ..settled()
    });
    assert_eq!(label_at(&o, PLACED_AT + Duration::days(300), WINDOW), None);
    // Before that dispute arrived, and past the window, it was legitimate.
    let late = order(OrderOutcome {
        other_dispute_at: Some(PLACED_AT + Duration::days(200)),
        ..settled()
    });
    assert_eq!(
        label_at(&late, PLACED_AT + WINDOW, WINDOW),
        Some(Label::Legitimate)
    );
}

fn small() -> &'static (Vec<SyntheticOrder>, LearnedModel) {
    static SMALL: OnceLock<(Vec<SyntheticOrder>, LearnedModel)> = OnceLock::new();
    SMALL.get_or_init(|| {
        let synth = SynthConfig {
            orders: 3_000,
            fraud_rate: 0.05,
            ..SynthConfig::default()
        };
        let history = generate(&synth);
        let now = synth.start + Duration::days(synth.days);
        let labelled: Vec<LabelledOrder> = history.iter().map(|o| o.order.clone()).collect();
        let config = TrainConfig {
            feature_config: FeatureConfig::with_high_risk_categories(HIGH_RISK_CATEGORIES),
            max_iterations: 60,
            ..TrainConfig::default()
        };
        let model = train(&labelled, now, &config).expect("train");
        (history, model)
    })
}

#[test]
fn training_picks_rows_by_the_label_rules_and_weights_fraud() {
    let (history, model) = small();
    let synth = SynthConfig::default();
    let now: OffsetDateTime = synth.start + Duration::days(synth.days);
    let count = |label| {
        history
            .iter()
            .filter(|o| label_at(&o.order, now, WINDOW) == Some(label))
            .count()
    };
    let t = &model.training;
    assert_eq!(
        (t.positives, t.negatives),
        (count(Label::Fraud), count(Label::Legitimate))
    );
    assert!(
        t.negatives < history.len() * 3 / 4,
        "recent orders are left out"
    );
    let ratio = (t.negatives as f64 / t.positives as f64).round();
    assert_eq!(f64::from(t.positive_weight), ratio);
    assert_eq!(t.dispute_window_days, 120);
}

#[test]
fn a_trained_model_ranks_fraud_higher_and_explains_exactly() {
    let (history, model) = small();
    let scores: Vec<f64> = history
        .iter()
        .map(|o| {
            model
                .decide(&o.order.facts, &VelocityCounts::default())
                .score
                .value()
        })
        .collect();
    let truth: Vec<bool> = history.iter().map(|o| o.pattern.is_fraud()).collect();
    let auc = fraud::eval::roc_auc(&scores, &truth).expect("both classes");
    assert!(auc > 0.8, "in-sample AUC {auc}");
    // Failed CVV raises the odds of fraud.
    assert!(model.coefficients[Signal::CvvNoMatch.index()] > 0.0);
    for o in history.iter().take(50) {
        let decision = model.decide(&o.order.facts, &VelocityCounts::default());
        let fraud::Score::Probability {
            log_odds,
            intercept,
            ..
        } = decision.score
        else {
            panic!("probability");
        };
        let sum: f64 = decision.contributions.iter().map(|c| c.contribution).sum();
        assert!(close(sum, log_odds - intercept));
    }
    let reloaded = LearnedModel::from_json(&model.to_json()).expect("round trip");
    assert_eq!(&reloaded, model);
    assert!(model.thresholds.review() <= model.thresholds.refuse());
}

#[test]
fn training_without_fraud_rows_is_an_error() {
    let rows = vec![(
        fraud::Features::from_values([0.0; Signal::COUNT]),
        Label::Legitimate,
    )];
    let err = fit(&rows, PLACED_AT, &TrainConfig::default()).expect_err("one class");
    assert!(
        matches!(
            err,
            FraudError::NotEnoughLabels {
                positives: 0,
                negatives: 1
            }
        ),
        "{err}"
    );
}

#[test]
fn the_generator_is_deterministic_for_a_seed() {
    let config = SynthConfig {
        orders: 1_500,
        ..SynthConfig::default()
    };
    let a = generate(&config);
    let b = generate(&config);
    assert_eq!(a, b);
    assert!(a.len() >= 1_500);
    assert!(
        a.windows(2)
            .all(|w| w[0].order.facts.placed_at <= w[1].order.facts.placed_at)
    );
    let fraud = a.iter().filter(|o| o.pattern.is_fraud()).count();
    assert!((30..=80).contains(&fraud), "{fraud} fraudulent orders");
    let c = generate(&SynthConfig { seed: 23, ..config });
    assert_ne!(a, c);
}
