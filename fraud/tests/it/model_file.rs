//! The model file: round trip and every load error.

use fraud::{
    FORMAT_VERSION, FeatureConfig, FraudError, LearnedModel, Scaler, Signal, Thresholds,
    TrainingSummary,
};
use time::macros::datetime;

/// A small hand-made model: every coefficient 0.1 except CVV's 2.0, unit scaler.
pub fn hand_model() -> LearnedModel {
    let mut coefficients = vec![0.1; Signal::COUNT];
    coefficients[Signal::CvvNoMatch.index()] = 2.0;
    LearnedModel {
        format_version: FORMAT_VERSION,
        model_version: "test-1".to_owned(),
        trained_at: datetime!(2026-12-01 00:00 UTC),
        features: Signal::ALL.iter().map(ToString::to_string).collect(),
        feature_config: FeatureConfig::with_high_risk_categories(["gift_cards"]),
        scaler: Scaler {
            mean: vec![0.5; Signal::COUNT],
            std: vec![2.0; Signal::COUNT],
        },
        coefficients,
        intercept: -3.0,
        thresholds: Thresholds::new(0.2, 0.8).expect("valid"),
        training: TrainingSummary {
            positives: 10,
            negatives: 90,
            positive_weight: 9,
            dispute_window_days: 120,
        },
    }
}

fn edited(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value = serde_json::from_str(&hand_model().to_json()).expect("json");
    edit(&mut value);
    value.to_string()
}

#[test]
fn a_saved_model_loads_back_equal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("model.json");
    let model = hand_model();
    model.save(&path).expect("save");
    assert_eq!(LearnedModel::load(&path).expect("load"), model);
    let text = std::fs::read_to_string(&path).expect("read");
    assert!(text.contains("\"format_version\": 1"));
    assert!(text.contains("\"velocity_card_1h\""));
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let err = LearnedModel::load("/nonexistent/model.json").expect_err("missing");
    assert!(
        matches!(&err, FraudError::Io { path, .. } if path.ends_with("model.json")),
        "{err}"
    );
}

#[test]
fn another_format_version_is_refused_before_anything_else() {
    // Version 2 with a field this build does not know and one it needs missing: the version
    // is what the error names.
    let text = edited(|v| {
        v["format_version"] = 2.into();
        v.as_object_mut().expect("object").remove("scaler");
    });
    let err = LearnedModel::from_json(&text).expect_err("version");
    assert!(
        matches!(
            err,
            FraudError::UnsupportedFormatVersion {
                found: 2,
                expected: 1
            }
        ),
        "{err}"
    );
}

#[test]
fn a_renamed_feature_is_a_feature_mismatch_naming_it() {
    let text = edited(|v| v["features"][3] = "cvv_mismatch".into());
    let err = LearnedModel::from_json(&text).expect_err("mismatch");
    match err {
        FraudError::FeatureMismatch { detail } => {
            assert_eq!(
                detail,
                "feature 3 is `cvv_mismatch`, this build expects `cvv_no_match`"
            )
        }
        other => panic!("{other}"),
    }
}

#[test]
fn a_missing_feature_is_a_feature_mismatch() {
    let text = edited(|v| {
        v["features"].as_array_mut().expect("array").pop();
    });
    let err = LearnedModel::from_json(&text).expect_err("mismatch");
    assert!(
        matches!(&err, FraudError::FeatureMismatch { detail } if detail == "27 features, this build has 28"),
        "{err}"
    );
}

#[test]
fn short_or_non_positive_vectors_are_invalid_models() {
    let text = edited(|v| {
        v["coefficients"].as_array_mut().expect("array").pop();
    });
    assert!(matches!(
        LearnedModel::from_json(&text),
        Err(FraudError::InvalidModel {
            field: "coefficients",
            ..
        })
    ));
    let text = edited(|v| v["scaler"]["std"][5] = 0.0.into());
    assert!(matches!(
        LearnedModel::from_json(&text),
        Err(FraudError::InvalidModel {
            field: "scaler.std",
            ..
        })
    ));
}

#[test]
fn a_malformed_field_names_its_path() {
    let text = edited(|v| v["scaler"]["mean"][2] = "x".into());
    match LearnedModel::from_json(&text) {
        Err(FraudError::ModelFormat { path, .. }) => assert_eq!(path, "scaler.mean[2]"),
        other => panic!("{other:?}"),
    }
    let text = edited(|v| v["thresholds"]["review"] = 0.9.into());
    match LearnedModel::from_json(&text) {
        Err(FraudError::ModelFormat { path, source }) => {
            assert_eq!(path, "thresholds");
            assert!(source.to_string().contains("review 0.9"), "{source}");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        LearnedModel::from_json("not json"),
        Err(FraudError::ModelFormat { .. })
    ));
}
