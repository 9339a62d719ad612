//! Co-requirement: two skills that the same occupations require are related. Each
//! occupation's skill list is a basket; a pair's strength is its normalised pointwise
//! mutual information over the baskets,
//!
//!   NPMI(a, b) = ln( p(a,b) / (p(a) p(b)) ) / -ln p(a,b),   p(x) = baskets with x / baskets,
//!
//! which is 1 when a and b always occur together, 0 when independent and negative when
//! they avoid each other. Unlike raw counts it does not favour skills every occupation
//! lists; unlike plain PMI it is bounded, so it can be a weight in [0, 1]. Pairs seen in
//! fewer than `min_count` baskets are dropped: with one shared basket any two rare skills
//! score NPMI 1.

use std::collections::HashMap;

/// One co-occurring pair (a < b) and its statistics.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CooccurringPair {
    pub a: usize,
    pub b: usize,
    /// Baskets holding both.
    pub count: u32,
    pub npmi: f32,
}

/// NPMI of every pair seen together in at least `min_count` baskets with NPMI at least
/// `min_npmi`. Items are ids; repeats inside a basket count once.
pub fn npmi_pairs(baskets: &[Vec<usize>], min_count: u32, min_npmi: f32) -> Vec<CooccurringPair> {
    let n = baskets.len() as f64;
    if n == 0.0 {
        return Vec::new();
    }
    let mut single: HashMap<usize, u32> = HashMap::new();
    let mut pair: HashMap<(usize, usize), u32> = HashMap::new();
    for basket in baskets {
        let mut items = basket.clone();
        items.sort_unstable();
        items.dedup();
        for (i, &a) in items.iter().enumerate() {
            *single.entry(a).or_insert(0) += 1;
            for &b in &items[i + 1..] {
                *pair.entry((a, b)).or_insert(0) += 1;
            }
        }
    }
    let mut out: Vec<CooccurringPair> = pair
        .into_iter()
        .filter(|&(_, c)| c >= min_count)
        .filter_map(|((a, b), c)| {
            let p_ab = c as f64 / n;
            let (p_a, p_b) = (single[&a] as f64 / n, single[&b] as f64 / n);
            let npmi = if p_ab >= 1.0 { 1.0 } else { (p_ab / (p_a * p_b)).ln() / -p_ab.ln() };
            (npmi as f32 >= min_npmi).then_some(CooccurringPair { a, b, count: c, npmi: npmi as f32 })
        })
        .collect();
    out.sort_by_key(|p| (p.a, p.b));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn always_together_scores_one_independent_scores_zero() {
        // 0 and 1 always together; 2 in every basket (independent of everything).
        let baskets = vec![vec![0, 1, 2], vec![0, 1, 2], vec![3, 2], vec![3, 2]];
        let pairs = npmi_pairs(&baskets, 2, -1.0);
        let find = |a, b| pairs.iter().find(|p| p.a == a && p.b == b).copied();
        let together = find(0, 1).unwrap();
        assert_eq!(together.count, 2);
        assert!((together.npmi - 1.0).abs() < 1e-6, "{}", together.npmi);
        let independent = find(0, 2).unwrap();
        assert!(independent.npmi.abs() < 1e-6, "{}", independent.npmi);
        assert!(find(0, 3).is_none(), "never together");
    }

    #[test]
    fn thresholds_and_duplicates() {
        let baskets = vec![vec![0, 1, 1], vec![0, 1], vec![0, 2], vec![5]];
        assert!(npmi_pairs(&baskets, 3, -1.0).is_empty(), "0-1 seen twice only");
        let pairs = npmi_pairs(&baskets, 2, 0.0);
        assert_eq!(pairs.len(), 1);
        assert_eq!(pairs[0].count, 2, "a repeat inside a basket counts once");
        assert!(npmi_pairs(&[], 1, 0.0).is_empty());
        assert!(npmi_pairs(&baskets, 2, 0.99).is_empty());
    }
}
