//! Evaluation measures: ROC AUC and precision and recall at a review rate, exact with ties.
#![allow(clippy::float_arithmetic)]

/// The area under the ROC curve of `scores` (higher means more likely fraud) against `fraud`:
/// the probability that a random fraudulent order scores above a random legitimate one, ties
/// counting one half (the Mann–Whitney statistic with mid-ranks). `None` without both classes or
/// when the lengths differ.
pub fn roc_auc(scores: &[f64], fraud: &[bool]) -> Option<f64> {
    if scores.len() != fraud.len() {
        return None;
    }
    let positives = fraud.iter().filter(|&&f| f).count();
    let negatives = fraud.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]));
    // Sum of the positives' ranks (1-based), each tie group sharing its mean rank.
    let mut rank_sum = 0.0;
    let mut start = 0;
    while start < order.len() {
        let mut end = start;
        while end + 1 < order.len() && scores[order[end + 1]] == scores[order[start]] {
            end += 1;
        }
        let mid_rank = (start + end) as f64 / 2.0 + 1.0;
        let tied_positives = order[start..=end].iter().filter(|&&i| fraud[i]).count();
        rank_sum += mid_rank * tied_positives as f64;
        start = end + 1;
    }
    let p = positives as f64;
    let u = rank_sum - p * (p + 1.0) / 2.0;
    Some(u / (p * negatives as f64))
}

/// Precision and recall when the `rate` highest-scored share of orders goes to review.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AtReviewRate {
    /// The share of reviewed orders that are fraud.
    pub precision: f64,
    /// The share of fraud that is reviewed.
    pub recall: f64,
}

/// Precision and recall of reviewing the top `rate` of orders by score (`ceil(rate * n)` orders).
/// Orders tied at the cut are taken in proportion, as a random pick among them would be on
/// average, so a scorer with many ties is neither helped nor hurt by their order. `None` when
/// there are no orders or no fraud.
pub fn at_review_rate(scores: &[f64], fraud: &[bool], rate: f64) -> Option<AtReviewRate> {
    let positives = fraud.iter().filter(|&&f| f).count();
    if scores.is_empty() || scores.len() != fraud.len() || positives == 0 {
        return None;
    }
    let n = scores.len();
    let k = ((rate * n as f64).ceil() as usize).clamp(1, n);
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]));
    let cut = scores[order[k - 1]];
    let above: Vec<usize> = order.iter().copied().filter(|&i| scores[i] > cut).collect();
    let tied: Vec<usize> = order.iter().copied().filter(|&i| scores[i] == cut).collect();
    let fraud_above = above.iter().filter(|&&i| fraud[i]).count() as f64;
    let fraud_tied = tied.iter().filter(|&&i| fraud[i]).count() as f64;
    let taken_from_tie = (k - above.len()) as f64 / tied.len() as f64;
    let caught = fraud_above + fraud_tied * taken_from_tie;
    Some(AtReviewRate {
        precision: caught / k as f64,
        recall: caught / positives as f64,
    })
}
