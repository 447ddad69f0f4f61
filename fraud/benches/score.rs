//! Scoring one order, signals included: key hashing, the customer's history, velocity look-ups
//! (4 keys x 3 windows), features, the learned model's score and its explanation.
//!
//! The SQLite store is pre-filled with the velocity of 100,000 synthetic orders, each with a
//! customer account named after its e-mail (the synthetic history has none of its own), so
//! every look-up of a customer's history finds their earlier orders; the orders scored are
//! drawn from the same history, so their keys have real neighbours. `sqlite_100k`
//! looks up in SQLite; `memory_100k` in the in-memory store; `indexed_sqlite_last_week` in
//! [`fraud::IndexedVelocity`] (SQLite fronted by an index of the last week) for that week's
//! orders; `decide_without_lookups` is features, score and explanation alone.
#![allow(missing_docs)]

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fraud::synth::{HIGH_RISK_CATEGORIES, SynthConfig, generate};
use fraud::{
    FeatureConfig, IndexedVelocity, LabelledOrder, MemoryVelocity, Scorer, SqliteVelocity,
    TrainConfig, VelocityKeys, VelocityStore, train,
};
use time::Duration;

fn bench(c: &mut Criterion) {
    let synth = SynthConfig::default();
    let mut history = generate(&synth);
    for o in &mut history {
        o.order.facts.account = o
            .order
            .facts
            .email
            .as_ref()
            .map(|e| format!("bench/customer/{e}"));
    }
    let keys: Vec<VelocityKeys> = history
        .iter()
        .map(|o| VelocityKeys::from_facts(&o.order.facts))
        .collect();
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = SqliteVelocity::open(dir.path().join("velocity.sqlite")).expect("open");
    sqlite
        .record_many(
            keys.iter()
                .zip(&history)
                .map(|(k, o)| (k, o.order.facts.placed_at)),
        )
        .expect("fill");
    let memory = MemoryVelocity::new();
    for (k, o) in keys.iter().zip(&history) {
        memory.record(k, o.order.facts.placed_at).expect("fill");
    }
    let training: Vec<LabelledOrder> = history[..20_000].iter().map(|o| o.order.clone()).collect();
    let config = TrainConfig {
        feature_config: FeatureConfig::with_high_risk_categories(HIGH_RISK_CATEGORIES),
        ..TrainConfig::default()
    };
    let model = train(&training, synth.start + Duration::days(synth.days), &config).expect("train");
    // Every 97th order: spread over the year, fraud and legitimate alike.
    let sample: Vec<_> = history
        .iter()
        .step_by(97)
        .map(|o| o.order.facts.clone())
        .collect();

    // The production fast path: SQLite fronted by an index of the last week, scoring the orders
    // of that week.
    let end = history
        .last()
        .map_or(synth.start, |o| o.order.facts.placed_at);
    let indexed = IndexedVelocity::open(dir.path().join("velocity.sqlite"), end).expect("index");
    let last_week: Vec<_> = history
        .iter()
        .filter(|o| o.order.facts.placed_at > end - Duration::days(7))
        .map(|o| o.order.facts.clone())
        .collect();

    let mut group = c.benchmark_group("score_one_order");
    for (name, store, sample) in [
        ("sqlite_100k", &sqlite as &dyn VelocityStore, &sample),
        ("memory_100k", &memory as &dyn VelocityStore, &sample),
        (
            "indexed_sqlite_last_week",
            &indexed as &dyn VelocityStore,
            &last_week,
        ),
    ] {
        let mut facts_of = sample.clone();
        let mut i = 0;
        group.bench_function(name, |b| {
            b.iter(|| {
                let n = facts_of.len();
                let facts = &mut facts_of[i % n];
                i += 1;
                // As `fraud::screen` does, less the write that records the order.
                let keys = VelocityKeys::from_facts(facts);
                facts.customer = store.customer_history(&keys).expect("history");
                let counts = store.counts(&keys, facts.placed_at).expect("counts");
                black_box(model.decide(facts, &counts))
            })
        });
    }
    let counts = fraud::VelocityCounts::default();
    let mut i = 0;
    group.bench_function("decide_without_lookups", |b| {
        b.iter(|| {
            let facts = &sample[i % sample.len()];
            i += 1;
            black_box(model.decide(facts, &counts))
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
