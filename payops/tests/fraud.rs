//! `payops fraud explain` and `payops fraud train` run as a user runs them, on a SQLite store
//! file holding orders' fraud screen records: what they print and write, their exit codes and
//! their errors.
#![allow(clippy::unwrap_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use flows::workflow::JobKind;
use flows::workflows::screening::{Learned, OutcomeFact, Screened};
use flows::{Finish, FlowWrites, NewEffect, NewJob, SqliteStore, Store};
use fraud::{Contribution, Decision, OrderFacts, Score, ScorerId, ScorerKind, Signal, Thresholds};
use mapping::{Currency, Money, System};

const ORDER: &str = "shopify/demo.myshopify.com/order/1001";

fn explain(store: &Path, order: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["fraud", "explain", order])
        .env("PAYOPS_STORE", store)
        .output()
        .unwrap()
}

/// The job the store at `path` has queued now, claimed; `None` when there is none.
fn queued(path: &Path) -> Option<flows::Claimed> {
    let store = SqliteStore::open(path).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(store.claim("w", flows::now_millis(), 60_000))
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn screened() -> Screened {
    let contribution = |signal, contribution| Contribution {
        signal,
        value: 1.0,
        contribution,
        rule: None,
    };
    let decision = Decision::new(
        Score::Points { points: 60.0 },
        Thresholds::new(50.0, 90.0).unwrap(),
        vec![
            contribution(Signal::ShopifyInvestigate, 20.0),
            contribution(Signal::CvvNoMatch, 40.0),
        ],
        ScorerId {
            kind: ScorerKind::Rules,
            version: "standard-1".into(),
        },
    );
    let facts = OrderFacts {
        placed_at: time::macros::datetime!(2026-12-07 11:00 UTC),
        amount: Money::from_minor(8_000, Currency::USD),
        card: None,
        avs: None,
        cvv: None,
        radar: None,
        shopify: None,
        email: Some("jane@example.com".into()),
        ip: None,
        ip_country: None,
        billing: None,
        shipping: None,
        account: None,
        customer: fraud::CustomerHistory::default(),
        categories: Default::default(),
    };
    Screened { facts, decision }
}

/// A store file whose order job recorded `detail` under `{ORDER}/fraud/screen`.
fn store_with(dir: &Path, detail: &str) -> PathBuf {
    store_with_records(dir, &[(ORDER.to_owned(), detail.to_owned())])
}

/// A store file whose job recorded each `(order, detail)` under `{order}/fraud/screen`.
fn store_with_records(dir: &Path, records: &[(String, String)]) -> PathBuf {
    let effects: Vec<(String, String)> = records
        .iter()
        .map(|(order, detail)| (format!("{order}/fraud/screen"), detail.clone()))
        .collect();
    store_with_effects(dir, &effects)
}

/// A store file whose job recorded each `(key, detail)`.
fn store_with_effects(dir: &Path, records: &[(String, String)]) -> PathBuf {
    let path = dir.join("flows.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let job = NewJob {
        kind: JobKind::new("shopify.order-payment"),
        key: ORDER.into(),
        payload: serde_json::json!({}),
        run_at: 0,
        rerun: false,
        event: None,
    };
    rt.block_on(store.enqueue(job, 0)).unwrap();
    let claimed = rt
        .block_on(store.claim("w", 0, 60_000))
        .unwrap()
        .unwrap()
        .job;
    let writes = FlowWrites {
        effects: records
            .iter()
            .map(|(key, detail)| NewEffect {
                key: key.clone(),
                system: System::Shopify,
                detail: serde_json::value::RawValue::from_string(detail.clone()).unwrap(),
            })
            .collect(),
        ..FlowWrites::default()
    };
    rt.block_on(store.finish(claimed.lease, Finish::Done, writes, 1))
        .unwrap();
    path
}

#[test]
fn explain_prints_the_orders_decision_with_each_contribution() {
    let dir = tempfile::tempdir().unwrap();
    let detail = serde_json::to_string(&screened()).unwrap();
    let path = store_with(dir.path(), &detail);

    let out = explain(&path, ORDER);

    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout),
        format!(
            "order {ORDER}\n\
             review: points 60 (review from 50, refuse from 90), rules standard-1\n\
             \x20  +40.000  cvv_no_match = 1\n\
             \x20  +20.000  shopify_investigate = 1\n"
        )
    );
    // The buyer is in the record, never in what is printed.
    assert!(!text(&out.stdout).contains("jane@"));
    // A trailing slash names the same order.
    let out = explain(&path, &format!("{ORDER}/"));
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn an_order_without_a_screen_record_exits_one_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let detail = serde_json::to_string(&screened()).unwrap();
    let path = store_with(dir.path(), &detail);

    let out = explain(&path, "shopify/demo.myshopify.com/order/1002");

    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    assert!(
        text(&out.stderr).contains("shopify/demo.myshopify.com/order/1002/fraud/screen"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_record_that_is_not_a_decision_and_a_missing_store_exit_two() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with(dir.path(), r#"{"outcome":"maybe"}"#);

    let out = explain(&path, ORDER);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not a fraud screen record"),
        "{}",
        text(&out.stderr)
    );

    let out = explain(&dir.path().join("missing.sqlite"), ORDER);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("PAYOPS_STORE"),
        "{}",
        text(&out.stderr)
    );

    let out = explain(&path, " ");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("ORDER"), "{}", text(&out.stderr));
}

fn train(store: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["fraud", "train"])
        .args(args)
        .env("PAYOPS_STORE", store)
        .output()
        .unwrap()
}

fn rfc3339(at: time::OffsetDateTime) -> serde_json::Value {
    serde_json::Value::String(
        at.format(&time::format_description::well_known::Rfc3339)
            .unwrap(),
    )
}

/// A synthetic history: each order's screen record (`(key, detail)`, keyed by [`key`]), the
/// orders with their outcomes, and a time after all of them.
fn synth_history() -> (
    Vec<(String, String)>,
    Vec<fraud::synth::SyntheticOrder>,
    time::OffsetDateTime,
) {
    let config = fraud::synth::SynthConfig {
        orders: 3_000,
        fraud_rate: 0.05,
        days: 200,
        ..fraud::synth::SynthConfig::default()
    };
    let orders = fraud::synth::generate(&config);
    let now = config.start + time::Duration::days(config.days + 1);
    let records = orders
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let screened = Screened {
                facts: o.order.facts.clone(),
                decision: screened().decision,
            };
            (
                format!("{}/fraud/screen", key(i)),
                serde_json::to_string(&screened).unwrap(),
            )
        })
        .collect();
    (records, orders, now)
}

/// The key of the `i`th synthetic order.
fn key(i: usize) -> String {
    format!("shopify/demo.myshopify.com/order/{i}")
}

/// An outcome fact as a flow records it: under `source`, naming order `i`.
fn fact(source: String, i: usize, learned: Learned, at: time::OffsetDateTime) -> (String, String) {
    let fact = OutcomeFact {
        order: serde_json::from_value(serde_json::Value::String(key(i))).unwrap(),
        learned,
        at,
        reason: None,
    };
    (
        format!("{source}/fraud/outcome"),
        serde_json::to_string(&fact).unwrap(),
    )
}

/// Trains on `store` with `args`, at `now`, into `dir/model.json`; checks that it succeeded
/// and that the model has the labels `orders` have at `now`; returns what was printed.
fn train_as_labelled(
    store: &Path,
    dir: &Path,
    args: &[&str],
    orders: &[fraud::synth::SyntheticOrder],
    now: time::OffsetDateTime,
) -> String {
    let model_path = dir.join("model.json");
    let now_arg = rfc3339(now);
    let mut all = vec![
        "--out",
        model_path.to_str().unwrap(),
        "--model-version",
        "2026-12",
        "--now",
        now_arg.as_str().unwrap(),
    ];
    all.extend_from_slice(args);

    let out = train(store, &all);

    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let window = fraud::DEFAULT_DISPUTE_WINDOW;
    let count = |label| {
        orders
            .iter()
            .filter(|o| fraud::label_at(&o.order, now, window) == Some(label))
            .count()
    };
    let (positives, negatives) = (count(fraud::Label::Fraud), count(fraud::Label::Legitimate));
    assert!(positives > 0 && negatives > 0);
    let model = fraud::LearnedModel::load(&model_path).unwrap();
    assert_eq!(model.model_version, "2026-12");
    assert_eq!(model.training.positives, positives);
    assert_eq!(model.training.negatives, negatives);
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(&format!(
            "model 2026-12 written to {}: {} screened orders, {positives} fraudulent and {negatives} legitimate rows;",
            model_path.display(),
            orders.len()
        )),
        "{stdout}"
    );
    stdout
}

#[test]
fn train_fits_the_screened_orders_with_the_outcomes_the_flows_recorded() {
    let dir = tempfile::tempdir().unwrap();
    let (mut records, orders, now) = synth_history();
    for (i, o) in orders.iter().enumerate() {
        let out = &o.order.outcome;
        // Each fact under the key of the flow that learns it, as the flows record them.
        let sources = [
            (out.settled_at, key(i), Learned::Settled),
            (
                out.fraud_dispute_at,
                format!("paytrace/acct/dispute/CB-{i}"),
                Learned::FraudDispute,
            ),
            (
                out.early_fraud_warning_at,
                format!("stripe/acct/fraud-warning/issfr_{i}"),
                Learned::EarlyFraudWarning,
            ),
            (
                out.other_dispute_at,
                format!("shopify/demo.myshopify.com/dispute/{i}"),
                Learned::OtherDispute,
            ),
        ];
        for (at, source, learned) in sources {
            if let Some(at) = at {
                records.push(fact(source, i, learned, at));
            }
        }
        // A second fraud dispute, after the dispute window: the first one's time counts.
        if let Some(at) = out.fraud_dispute_at {
            let later = now + time::Duration::days(1);
            let source = format!("paytrace/acct/dispute/CB-{i}-2");
            records.push(fact(source, i, Learned::FraudDispute, later.max(at)));
        }
    }
    // A fact of an order never screened is counted, not fatal.
    records.push(fact(
        "paytrace/acct/dispute/CB-X".into(),
        999_999,
        Learned::FraudDispute,
        now,
    ));
    let store = store_with_effects(dir.path(), &records);

    let [first, second] = fraud::synth::HIGH_RISK_CATEGORIES;
    let categories = [
        "--high-risk-category",
        first,
        "--high-risk-category",
        second,
    ];
    let stdout = train_as_labelled(&store, dir.path(), &categories, &orders, now);

    assert!(
        stdout.ends_with("1 orders in the store have outcomes but no screen record, left out\n"),
        "{stdout}"
    );
    // The categories are the model's: kept in its file, scored as trained.
    let model = fraud::LearnedModel::load(dir.path().join("model.json")).unwrap();
    assert_eq!(
        model.feature_config,
        fraud::FeatureConfig::with_high_risk_categories(fraud::synth::HIGH_RISK_CATEGORIES)
    );
}

#[test]
fn an_outcomes_file_wins_over_the_store_for_the_orders_it_names() {
    let dir = tempfile::tempdir().unwrap();
    let (mut records, orders, now) = synth_history();
    // The store says every order was disputed as fraud: the file says otherwise, and wins.
    for i in 0..orders.len() {
        let source = format!("paytrace/acct/dispute/CB-{i}");
        records.push(fact(
            source,
            i,
            Learned::FraudDispute,
            orders[0].order.facts.placed_at,
        ));
    }
    let store = store_with_effects(dir.path(), &records);
    let mut lines = String::new();
    for (i, o) in orders.iter().enumerate() {
        let out = &o.order.outcome;
        let time = |at: Option<time::OffsetDateTime>| at.map_or(serde_json::Value::Null, rfc3339);
        let line = serde_json::json!({
            "order": key(i),
            "settled_at": time(out.settled_at),
            "fraud_dispute_at": time(out.fraud_dispute_at),
            "early_fraud_warning_at": time(out.early_fraud_warning_at),
            "other_dispute_at": time(out.other_dispute_at),
        });
        lines.push_str(&line.to_string());
        lines.push('\n');
    }
    // An outcome of an order never screened is named, not fatal.
    lines.push_str(r#"{"order": "shopify/demo.myshopify.com/order/999999"}"#);
    lines.push('\n');
    let outcomes = dir.path().join("outcomes.jsonl");
    std::fs::write(&outcomes, lines).unwrap();

    let stdout = train_as_labelled(
        &store,
        dir.path(),
        &["--outcomes", outcomes.to_str().unwrap()],
        &orders,
        now,
    );

    assert!(
        stdout.ends_with("1 outcomes of --outcomes name no screened order, left out\n"),
        "{stdout}"
    );
}

#[test]
fn train_names_a_malformed_outcome_line_and_refuses_one_class_only() {
    let dir = tempfile::tempdir().unwrap();
    let detail = serde_json::to_string(&screened()).unwrap();
    let store = store_with(dir.path(), &detail);
    let outcomes = dir.path().join("outcomes.jsonl");
    let model_path = dir.path().join("model.json");
    let run = |store: &Path| {
        train(
            store,
            &[
                "--outcomes",
                outcomes.to_str().unwrap(),
                "--out",
                model_path.to_str().unwrap(),
            ],
        )
    };

    std::fs::write(
        &outcomes,
        format!("{{\"order\": \"{ORDER}\"}}\n{{\"order\": \"x\", \"settled\": \"2026\"}}\n"),
    )
    .unwrap();
    let out = run(&store);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("line 2"),
        "{}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains("settled"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(
        &outcomes,
        format!("{{\"order\": \"{ORDER}\", \"fraud_dispute_at\": \"2026-01-08T00:00:00Z\"}}\n"),
    )
    .unwrap();
    let out = run(&store);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("training needs both classes: 1 fraudulent and 0 legitimate"),
        "{}",
        text(&out.stderr)
    );
    assert!(!model_path.exists());

    let out = run(&dir.path().join("missing.jsonl"));
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn train_on_the_store_alone_refuses_one_class_only_and_names_an_unreadable_fact() {
    let dir = tempfile::tempdir().unwrap();
    let screen = (
        format!("{ORDER}/fraud/screen"),
        serde_json::to_string(&screened()).unwrap(),
    );
    let dispute = OutcomeFact {
        order: serde_json::from_value(serde_json::Value::String(ORDER.into())).unwrap(),
        learned: Learned::FraudDispute,
        at: time::macros::datetime!(2026-12-08 00:00 UTC),
        reason: Some("fraudulent".into()),
    };
    let fact = (
        "shopify/demo.myshopify.com/dispute/7/fraud/outcome".to_owned(),
        serde_json::to_string(&dispute).unwrap(),
    );
    let store = store_with_effects(dir.path(), &[screen.clone(), fact]);
    let model_path = dir.path().join("model.json");
    let args = [
        "--out",
        model_path.to_str().unwrap(),
        "--now",
        "2027-01-01T00:00:00Z",
    ];

    let out = train(&store, &args);

    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("training needs both classes: 1 fraudulent and 0 legitimate"),
        "{}",
        text(&out.stderr)
    );
    assert!(!model_path.exists());

    let other = tempfile::tempdir().unwrap();
    let bad = (
        "stripe/acct/dispute/dp_1/fraud/outcome".to_owned(),
        r#"{"order": 5}"#.to_owned(),
    );
    let store = store_with_effects(other.path(), &[screen, bad]);
    let out = train(&store, &args);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("record stripe/acct/dispute/dp_1/fraud/outcome"),
        "{}",
        text(&out.stderr)
    );
}

/// A store file whose order job for `ORDER` recorded `risk` (a `RiskDecision` as JSON) and the
/// effects `(name, detail)` under the order, and kept its held delivery when `held`.
fn store_with_order(dir: &Path, risk: &str, effects: &[(&str, &str)], held: bool) -> PathBuf {
    let path = dir.join("flows.sqlite");
    let store = SqliteStore::open(&path).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let job = NewJob {
        kind: JobKind::new("shopify.order-payment"),
        key: ORDER.into(),
        payload: serde_json::json!({"event": {"provider": "shopify", "event_id": "wh-1"}, "order_id": 1001}),
        run_at: 0,
        rerun: false,
        event: None,
    };
    rt.block_on(store.enqueue(job, 0)).unwrap();
    let claimed = rt
        .block_on(store.claim("w", 0, 60_000))
        .unwrap()
        .unwrap()
        .job;
    let raw = |detail: &str| serde_json::value::RawValue::from_string(detail.to_owned()).unwrap();
    let mut writes = FlowWrites {
        effects: [("risk", risk)]
            .iter()
            .chain(effects)
            .map(|(name, detail)| NewEffect {
                key: format!("{ORDER}/{name}"),
                system: System::Shopify,
                detail: raw(detail),
            })
            .collect(),
        ..FlowWrites::default()
    };
    if held {
        let event = r#"{"provider": "shopify", "event_id": "wh-1"}"#;
        writes
            .states
            .push((format!("{ORDER}/fraud/held-event"), Some(raw(event))));
    }
    rt.block_on(store.finish(claimed.lease, Finish::Done, writes, 1))
        .unwrap();
    path
}

fn decide(store: &Path, verdict: &str, order: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["fraud", verdict, order, "--by", "jane"])
        .env("PAYOPS_STORE", store)
        .output()
        .unwrap()
}

const HELD: &str = r#"{"Hold": {"reason": "fraud screen score 60.000"}}"#;

#[test]
fn release_and_cancel_run_the_held_orders_job_again_with_the_decision() {
    for verdict in ["release", "cancel"] {
        let dir = tempfile::tempdir().unwrap();
        let path = store_with_order(dir.path(), HELD, &[], true);

        let out = decide(&path, verdict, ORDER);

        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), format!("{ORDER}\n"));
        // The order's job is queued again, carrying the decision, who made it and its event.
        let claimed = queued(&path).expect("the order's job is not queued again");
        assert_eq!(claimed.job.key, ORDER);
        assert_eq!(claimed.job.kind.as_str(), "shopify.order-payment");
        let payload = &claimed.job.payload;
        assert_eq!(payload["order_id"], 1001);
        assert_eq!(payload["event"]["event_id"], "wh-1");
        assert_eq!(payload["decision"]["verdict"], verdict);
        assert_eq!(payload["decision"]["by"], "jane");
        assert!(payload["decision"]["at"].as_i64().unwrap() > 0);
    }
}

#[test]
fn an_order_that_is_not_held_exits_one_saying_why() {
    let released = r#"{"verdict": "release", "by": "sam", "at": 1}"#;
    /// The risk decision, the effects under the order, what the error says.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case<'_>; 4] = [
        (
            "\"Proceed\"",
            &[],
            "was approved by the risk gate, not held",
        ),
        (
            r#"{"Refuse": {"reason": "score 95"}}"#,
            &[],
            "refused by the fraud screen, which is final",
        ),
        (
            HELD,
            &[("fraud/release", released)],
            "already released by sam",
        ),
        (
            HELD,
            &[("fraud/cancel", released)],
            "already cancelled by sam",
        ),
    ];
    for (risk, effects, says) in cases {
        let dir = tempfile::tempdir().unwrap();
        let path = store_with_order(dir.path(), risk, effects, true);

        let out = decide(&path, "release", ORDER);

        assert_eq!(out.status.code(), Some(1), "{risk}: {}", text(&out.stderr));
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
        assert!(text(&out.stdout).is_empty());
    }
    // An order never screened.
    let dir = tempfile::tempdir().unwrap();
    let path = store_with_order(dir.path(), HELD, &[], true);
    let out = decide(&path, "cancel", "shopify/demo.myshopify.com/order/7");
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("no risk decision on record"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn a_held_magento_order_is_released_by_its_own_job_and_one_not_held_exits_one() {
    let order = "magento/default/order/42";
    for (verdict, kind) in [
        ("release", "magento.release-held"),
        ("cancel", "magento.cancel-held"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let hold = (
            format!("{order}/fraud/hold"),
            r#"{"payment_intent": "pi_1"}"#.to_owned(),
        );
        let path = store_with_effects(dir.path(), &[hold]);

        let out = decide(&path, verdict, order);

        assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
        assert_eq!(text(&out.stdout), format!("{order}\n"));
        let claimed = queued(&path).expect("the decision's job is not queued");
        assert_eq!(
            (claimed.job.kind.as_str(), claimed.job.key.as_str()),
            (kind, order)
        );
        assert_eq!(claimed.job.payload["entity_id"], 42);
        assert_eq!(claimed.job.payload["by"], "jane");
    }
    // Never held (here: unknown), or decided already.
    let dir = tempfile::tempdir().unwrap();
    let released = (format!("{order}/fraud/release"), r#""pi_1""#.to_owned());
    let hold = (
        format!("{order}/fraud/hold"),
        r#"{"payment_intent": "pi_1"}"#.to_owned(),
    );
    let path = store_with_effects(dir.path(), &[hold, released]);
    for (key, says) in [
        ("magento/default/order/7", "is not held for fraud review"),
        (order, "was released after fraud review already"),
    ] {
        let out = decide(&path, "cancel", key);
        assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
        assert!(text(&out.stderr).contains(says), "{}", text(&out.stderr));
    }
}

#[test]
fn a_bad_key_or_no_name_exits_two() {
    let dir = tempfile::tempdir().unwrap();
    let path = store_with_order(dir.path(), HELD, &[], true);

    for key in [
        "shopify/demo.myshopify.com/order/abc",
        "magento/default/refund/1",
    ] {
        let out = decide(&path, "cancel", key);
        assert_eq!(out.status.code(), Some(2));
        assert!(text(&out.stderr).contains("ORDER"), "{}", text(&out.stderr));
    }

    let out = Command::new(env!("CARGO_BIN_EXE_payops"))
        .args(["fraud", "release", ORDER, "--by", " "])
        .env("PAYOPS_STORE", &path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("--by"), "{}", text(&out.stderr));
}
