//! The link-prediction split: held-out test and validation pairs with as many sampled
//! non-edges each, the training pairs that remain, and the sampler of training negatives.
//!
//! Held-out pairs, positive or negative, never reach training: they send no messages, are
//! never a supervision target and are never drawn as a training negative.

use std::collections::HashSet;

use super::links::{NodePair, SkillLinks};
use resonance_engine::rng::Rng as SeededRng;
use resonance_engine::error::{EngineError, Result};

/// Shares of the pairs held out.
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct SplitFractions {
    /// Test positives: reported once, at the end (the brief's 10 %).
    pub test: f64,
    /// Validation positives: pick the best epoch and stop early, so the test pairs tune nothing.
    pub validation: f64,
}

impl Default for SplitFractions {
    fn default() -> Self {
        // 5 % validation: about half the test set's size, enough to rank epochs.
        Self { test: 0.10, validation: 0.05 }
    }
}

/// Pair indices (into `SkillLinks::pairs`) per role, and the held-out negatives.
#[derive(Debug, Clone)]
pub struct LinkSplit {
    pub train: Vec<usize>,
    pub validation: Vec<usize>,
    pub test: Vec<usize>,
    pub validation_negatives: Vec<NodePair>,
    pub test_negatives: Vec<NodePair>,
}

/// How many draws a negative may take before the graph is judged too dense to sample from.
const MAX_DRAWS_PER_NEGATIVE: usize = 1000;

/// Holds out `fractions` of the pairs of `links` (at least one each) with as many non-edges,
/// all chosen by `rng`.
pub fn split_links(links: &SkillLinks, fractions: SplitFractions, rng: &mut SeededRng) -> Result<LinkSplit> {
    let pair_count = links.pairs().len();
    let test_count = held_out_count(pair_count, fractions.test);
    let validation_count = held_out_count(pair_count, fractions.validation);
    if pair_count < test_count + validation_count + 1 || !(0.0..1.0).contains(&(fractions.test + fractions.validation))
    {
        return Err(EngineError::InvalidInput(format!(
            "{pair_count} skill pairs are too few to hold out {test_count} for testing and {validation_count} for validation and train on the rest"
        )));
    }
    let mut order: Vec<usize> = (0..pair_count).collect();
    rng.shuffle(&mut order);
    let mut test = order[..test_count].to_vec();
    let mut validation = order[test_count..test_count + validation_count].to_vec();
    let mut train = order[test_count + validation_count..].to_vec();
    for part in [&mut test, &mut validation, &mut train] {
        part.sort_unstable();
    }
    let mut taken: HashSet<u64> = links.pairs().iter().map(|&p| pair_key(p)).collect();
    let test_negatives = sample_non_edges(links.node_count(), test_count, &mut taken, rng)?;
    let validation_negatives = sample_non_edges(links.node_count(), validation_count, &mut taken, rng)?;
    Ok(LinkSplit { train, validation, test, validation_negatives, test_negatives })
}

/// `fraction` of `pair_count`, rounded, and at least one.
fn held_out_count(pair_count: usize, fraction: f64) -> usize {
    ((pair_count as f64 * fraction).round() as usize).max(1)
}

/// A pair as one hashable number.
pub fn pair_key((a, b): NodePair) -> u64 {
    (u64::from(a.min(b)) << 32) | u64::from(a.max(b))
}

/// `count` distinct pairs of distinct nodes not in `taken`, each added to `taken`.
fn sample_non_edges(
    node_count: usize,
    count: usize,
    taken: &mut HashSet<u64>,
    rng: &mut SeededRng,
) -> Result<Vec<NodePair>> {
    let mut out = Vec::with_capacity(count);
    let mut draws = 0usize;
    while out.len() < count {
        draws += 1;
        if draws > MAX_DRAWS_PER_NEGATIVE * count.max(1) || node_count < 2 {
            return Err(too_dense(node_count));
        }
        let pair = random_pair(node_count, rng);
        if taken.insert(pair_key(pair)) {
            out.push(pair);
        }
    }
    Ok(out)
}

/// A uniformly random pair of distinct nodes, smaller first.
fn random_pair(node_count: usize, rng: &mut SeededRng) -> NodePair {
    let a = rng.below(node_count) as u32;
    let mut b = rng.below(node_count - 1) as u32;
    if b >= a {
        b += 1;
    }
    (a.min(b), a.max(b))
}

/// The error for a graph with (almost) no non-edges left to sample.
fn too_dense(node_count: usize) -> EngineError {
    EngineError::InvalidInput(format!(
        "cannot sample non-edges: the graph over {node_count} skills is (nearly) complete"
    ))
}

/// Draws training negatives: random pairs that are neither a training pair nor any held-out
/// pair (positive or negative).
#[derive(Debug, Clone)]
pub struct NegativeSampler {
    node_count: usize,
    forbidden: HashSet<u64>,
}

impl NegativeSampler {
    /// A sampler for `split` of `links`.
    pub fn new(links: &SkillLinks, split: &LinkSplit) -> Self {
        let pairs = links.pairs();
        let positives = split.train.iter().chain(&split.validation).chain(&split.test).map(|&i| pair_key(pairs[i]));
        let negatives = split.validation_negatives.iter().chain(&split.test_negatives).map(|&p| pair_key(p));
        Self { node_count: links.node_count(), forbidden: positives.chain(negatives).collect() }
    }

    /// `count` random allowed pairs (repeats possible, as in any minibatch sampling).
    pub fn sample(&self, count: usize, rng: &mut SeededRng) -> Result<Vec<NodePair>> {
        let mut out = Vec::with_capacity(count);
        let mut draws = 0usize;
        while out.len() < count {
            draws += 1;
            if draws > MAX_DRAWS_PER_NEGATIVE * count.max(1) || self.node_count < 2 {
                return Err(too_dense(self.node_count));
            }
            let pair = random_pair(self.node_count, rng);
            if !self.forbidden.contains(&pair_key(pair)) {
                out.push(pair);
            }
        }
        Ok(out)
    }

    /// Whether `pair` may be drawn.
    pub fn allows(&self, pair: NodePair) -> bool {
        pair.0 != pair.1 && !self.forbidden.contains(&pair_key(pair))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gnn::input::{Relation, RelationEdge};

    fn ring(n: u32) -> SkillLinks {
        let edges: Vec<RelationEdge> = (0..n)
            .map(|i| RelationEdge { source: i, target: (i + 1) % n, relation: Relation::RelatedTo, weight: 1.0 })
            .collect();
        SkillLinks::new(n as usize, &edges).unwrap()
    }

    #[test]
    fn split_is_a_partition_with_true_non_edges() {
        let links = ring(100);
        let split = split_links(&links, SplitFractions::default(), &mut SeededRng::new(3)).unwrap();
        assert_eq!((split.test.len(), split.validation.len(), split.train.len()), (10, 5, 85));
        let mut all: Vec<usize> = split.train.iter().chain(&split.validation).chain(&split.test).copied().collect();
        all.sort_unstable();
        assert_eq!(all, (0..100).collect::<Vec<_>>());
        let edges: HashSet<u64> = links.pairs().iter().map(|&p| pair_key(p)).collect();
        let negatives: Vec<u64> =
            split.test_negatives.iter().chain(&split.validation_negatives).map(|&p| pair_key(p)).collect();
        assert_eq!(negatives.len(), 15);
        assert!(negatives.iter().all(|k| !edges.contains(k)));
        assert_eq!(negatives.iter().collect::<HashSet<_>>().len(), 15, "negatives repeat");
    }

    #[test]
    fn same_seed_same_split() {
        let links = ring(50);
        let a = split_links(&links, SplitFractions::default(), &mut SeededRng::new(9)).unwrap();
        let b = split_links(&links, SplitFractions::default(), &mut SeededRng::new(9)).unwrap();
        let c = split_links(&links, SplitFractions::default(), &mut SeededRng::new(10)).unwrap();
        assert_eq!((&a.test, &a.test_negatives), (&b.test, &b.test_negatives));
        assert_ne!(a.test, c.test);
    }

    #[test]
    fn training_negatives_avoid_every_held_out_pair() {
        let links = ring(30);
        let split = split_links(&links, SplitFractions::default(), &mut SeededRng::new(1)).unwrap();
        let sampler = NegativeSampler::new(&links, &split);
        let drawn = sampler.sample(2000, &mut SeededRng::new(2)).unwrap();
        let held: HashSet<u64> = split
            .test
            .iter()
            .chain(&split.validation)
            .map(|&i| pair_key(links.pairs()[i]))
            .chain(split.test_negatives.iter().chain(&split.validation_negatives).map(|&p| pair_key(p)))
            .collect();
        assert!(drawn.iter().all(|&p| !held.contains(&pair_key(p)) && p.0 != p.1));
        assert!(drawn.iter().all(|&p| sampler.allows(p)));
    }

    #[test]
    fn refuses_too_small_or_complete_graphs() {
        assert!(split_links(&ring(2), SplitFractions::default(), &mut SeededRng::new(1)).is_err());
        // A triangle is complete: no non-edge exists.
        let triangle = ring(3);
        let err = split_links(&triangle, SplitFractions { test: 0.34, validation: 0.0 }, &mut SeededRng::new(1));
        assert!(err.is_err());
    }
}
