//! Area under the ROC curve: the probability that a positive (a held-out edge, a matching
//! pair) scores above a negative (a sampled non-edge, a non-matching pair), ties counting
//! one half. Used by the GNN's link prediction and the cross-encoder's held-out pairs.

use resonance_engine::error::{EngineError, Result};

/// AUC of `positives` against `negatives` (Mann-Whitney U / (n_pos * n_neg)), by sorting
/// all scores once and giving tied scores their average rank.
pub fn roc_auc(positives: &[f32], negatives: &[f32]) -> Result<f64> {
    if positives.is_empty() || negatives.is_empty() {
        return Err(EngineError::InvalidInput(format!(
            "AUC needs positive and negative scores, got {} and {}",
            positives.len(),
            negatives.len()
        )));
    }
    if positives.iter().chain(negatives).any(|s| !s.is_finite()) {
        return Err(EngineError::InvalidInput("AUC got a score that is NaN or infinite".into()));
    }
    let mut scored: Vec<(f32, bool)> =
        positives.iter().map(|&s| (s, true)).chain(negatives.iter().map(|&s| (s, false))).collect();
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut positive_rank_sum = 0.0f64;
    let mut start = 0;
    while start < scored.len() {
        let mut end = start + 1;
        while end < scored.len() && scored[end].0 == scored[start].0 {
            end += 1;
        }
        // Ranks start..end (1-based start+1..=end) share their mean.
        let mean_rank = (start + 1 + end) as f64 / 2.0;
        positive_rank_sum += mean_rank * scored[start..end].iter().filter(|s| s.1).count() as f64;
        start = end;
    }
    let n_pos = positives.len() as f64;
    let n_neg = negatives.len() as f64;
    Ok((positive_rank_sum - n_pos * (n_pos + 1.0) / 2.0) / (n_pos * n_neg))
}

/// AUC of `scores` whose `labels` are 1 (positive, > 0.5) or 0; 0.5 when either class is
/// absent, NaN when a score is not finite.
pub fn roc_auc_labelled(scores: &[f32], labels: &[f32]) -> f64 {
    let (positives, negatives): (Vec<(f32, f32)>, Vec<(f32, f32)>) =
        scores.iter().copied().zip(labels.iter().copied()).partition(|&(_, y)| y > 0.5);
    if positives.is_empty() || negatives.is_empty() {
        return 0.5;
    }
    let only_scores = |v: Vec<(f32, f32)>| v.into_iter().map(|(s, _)| s).collect::<Vec<f32>>();
    roc_auc(&only_scores(positives), &only_scores(negatives)).unwrap_or(f64::NAN)
}

/// Standard error of an AUC from `n_pos` positives and `n_neg` negatives (Hanley and McNeil
/// 1982, equation 2), used to tell a real gain from sampling noise.
pub fn auc_standard_error(auc: f64, n_pos: usize, n_neg: usize) -> f64 {
    let (n_pos, n_neg) = (n_pos as f64, n_neg as f64);
    let q1 = auc / (2.0 - auc);
    let q2 = 2.0 * auc * auc / (1.0 + auc);
    let variance =
        (auc * (1.0 - auc) + (n_pos - 1.0) * (q1 - auc * auc) + (n_neg - 1.0) * (q2 - auc * auc)) / (n_pos * n_neg);
    variance.max(0.0).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labelled_scores_count_ordered_pairs() {
        assert_eq!(roc_auc_labelled(&[0.9, 0.1], &[1.0, 0.0]), 1.0);
        assert_eq!(roc_auc_labelled(&[0.1, 0.9], &[1.0, 0.0]), 0.0);
        assert_eq!(roc_auc_labelled(&[0.5, 0.5, 0.2], &[1.0, 0.0, 0.0]), 0.75);
        assert_eq!(roc_auc_labelled(&[0.5], &[1.0]), 0.5, "no negatives");
        assert!(roc_auc_labelled(&[f32::NAN, 0.1], &[1.0, 0.0]).is_nan());
    }

    #[test]
    fn hand_computed_cases() {
        // Perfect separation, perfect inversion, and chance.
        assert_eq!(roc_auc(&[0.9, 0.8], &[0.1, 0.2]).unwrap(), 1.0);
        assert_eq!(roc_auc(&[0.1], &[0.9, 0.8]).unwrap(), 0.0);
        // Pairs (p, n): (0.8 vs 0.5) win, (0.8 vs 0.9) lose, (0.4 vs 0.5) lose, (0.4 vs 0.9) lose,
        // plus one tie (0.5 vs 0.5) counting half: positives [0.8, 0.4, 0.5], negatives [0.5, 0.9].
        // Wins: 0.8>0.5 (1), 0.5=0.5 (0.5) -> 1.5 of 6.
        assert!((roc_auc(&[0.8, 0.4, 0.5], &[0.5, 0.9]).unwrap() - 1.5 / 6.0).abs() < 1e-12);
        // All tied: exactly one half.
        assert_eq!(roc_auc(&[0.3, 0.3], &[0.3]).unwrap(), 0.5);
    }

    #[test]
    fn rejects_empty_and_nan() {
        assert!(roc_auc(&[], &[0.1]).is_err());
        assert!(roc_auc(&[0.1], &[]).is_err());
        assert!(roc_auc(&[f32::NAN], &[0.1]).is_err());
    }

    #[test]
    fn standard_error_shrinks_with_more_samples() {
        let small = auc_standard_error(0.8, 50, 50);
        let large = auc_standard_error(0.8, 5000, 5000);
        assert!(small > large && large > 0.0, "{small} {large}");
        // Hanley-McNeil for AUC 0.8, 50/50: about 0.044.
        assert!((small - 0.044).abs() < 0.003, "{small}");
    }
}
