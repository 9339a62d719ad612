//! Ordering scored items: the single ranking rule of the engine's retrieval and evaluation.

use std::cmp::Ordering;

/// Sorts `(key, score)` pairs by score, highest first; equal scores go by key, ascending,
/// so a ranking never depends on input order (metrics.py's `scores_to_run` does the same).
/// A NaN score ranks last rather than first.
pub fn rank_descending<K: Ord>(mut scored: Vec<(K, f32)>) -> Vec<(K, f32)> {
    scored.sort_by(|a, b| compare_scores(b.1, a.1).then_with(|| a.0.cmp(&b.0)));
    scored
}

/// The `k` best `(index, score)` of `scores`, by [`rank_descending`].
pub fn top_k(scores: &[f32], k: usize) -> Vec<(usize, f32)> {
    let mut ranked = rank_descending(scores.iter().copied().enumerate().collect());
    ranked.truncate(k);
    ranked
}

/// Total order on scores with NaN below every number.
fn compare_scores(a: f32, b: f32) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
        (false, false) => a.total_cmp(&b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn higher_scores_first_and_ties_by_key() {
        let ranked = rank_descending(vec![("b", 1.0), ("c", 2.0), ("a", 1.0)]);
        assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), ["c", "a", "b"]);
    }

    #[test]
    fn nan_ranks_last() {
        let ranked = top_k(&[f32::NAN, -5.0, 3.0], 3);
        assert_eq!(ranked.iter().map(|r| r.0).collect::<Vec<_>>(), [2, 1, 0]);
    }

    #[test]
    fn top_k_truncates_and_handles_k_beyond_len() {
        assert_eq!(top_k(&[0.1, 0.9, 0.5], 2), vec![(1, 0.9), (2, 0.5)]);
        assert_eq!(top_k(&[0.1], 5).len(), 1);
        assert!(top_k(&[], 5).is_empty());
    }
}
