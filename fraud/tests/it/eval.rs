//! ROC AUC and precision/recall at a review rate on hand-computed cases.

use fraud::eval::{at_review_rate, roc_auc};

use super::close;

#[test]
fn auc_of_perfect_inverted_and_hand_computed_rankings() {
    assert_eq!(
        roc_auc(&[0.1, 0.2, 0.8, 0.9], &[false, false, true, true]),
        Some(1.0)
    );
    assert_eq!(
        roc_auc(&[0.9, 0.8, 0.2, 0.1], &[false, false, true, true]),
        Some(0.0)
    );
    // Positives 0.35 and 0.8; negatives 0.1, 0.4, 0.9. Pairs won: 0.35 > 0.1; 0.8 > 0.1, 0.4.
    // 3 of 6.
    let auc = roc_auc(
        &[0.1, 0.35, 0.4, 0.8, 0.9],
        &[false, true, false, true, false],
    );
    assert!(close(auc.expect("auc"), 0.5));
}

#[test]
fn auc_counts_ties_as_one_half() {
    // Every score equal: 0.5.
    assert_eq!(roc_auc(&[1.0; 4], &[true, false, true, false]), Some(0.5));
    // Positive 0.5 ties negative 0.5 (1/2) and beats 0.1 (1); positive 0.9 beats both (2).
    // 3.5 of 4.
    let auc = roc_auc(&[0.5, 0.5, 0.1, 0.9], &[true, false, false, true]).expect("auc");
    assert!(close(auc, 0.875));
}

#[test]
fn auc_needs_both_classes_and_equal_lengths() {
    assert_eq!(roc_auc(&[0.1, 0.2], &[true, true]), None);
    assert_eq!(roc_auc(&[0.1, 0.2], &[true]), None);
}

#[test]
fn review_rate_takes_the_top_share() {
    // 10 orders, 20 %: the top two (0.9 fraud, 0.8 legitimate). 3 fraud in all.
    let scores = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0];
    let fraud = [
        true, false, true, false, false, false, true, false, false, false,
    ];
    let r = at_review_rate(&scores, &fraud, 0.2).expect("figures");
    assert!(close(r.precision, 0.5));
    assert!(close(r.recall, 1.0 / 3.0));
}

#[test]
fn review_rate_takes_tied_orders_in_proportion() {
    // Top 2 of 4; one order above the tie, then three tied at 0.5 of which one is fraud: one of
    // the three is taken, on average a third of a fraud.
    let scores = [0.9, 0.5, 0.5, 0.5];
    let fraud = [true, true, false, false];
    let r = at_review_rate(&scores, &fraud, 0.5).expect("figures");
    assert!(close(r.precision, (1.0 + 1.0 / 3.0) / 2.0));
    assert!(close(r.recall, (1.0 + 1.0 / 3.0) / 2.0));
    assert_eq!(at_review_rate(&scores, &[false; 4], 0.5), None);
}
