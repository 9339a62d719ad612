//! In-batch negatives: grouping training examples into batches for a contrastive loss
//! (MultipleNegativesRankingLoss-style).
//!
//! How a trainer uses a [`TrainingBatch`]: encode the batch's queries q_0..q_{n-1} and its
//! documents, first every example's positive p_0..p_{n-1}, then every example's hard
//! negatives. The score matrix is queries x documents; the label of row i is column i
//! (its own positive). Every other column of row i is one of q_i's negatives: the other
//! examples' positives and hard negatives are its *in-batch negatives*
//! ([`TrainingBatch::in_batch_negatives`] lists them), its own hard negatives are mined ones.
//!
//! In-batch negatives get the same false-negative guard as mined ones: two examples share
//! a batch only if neither's documents are of the other's query or positive occupation.

use std::collections::HashSet;

use super::hard_negatives::{Document, Query, TrainingExample};
use resonance_engine::rng::Rng as SeededRng;
use resonance_engine::error::{EngineError, Result};

/// One batch: indices into the example list, in the order the trainer should lay them out.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingBatch {
    pub examples: Vec<usize>,
}

impl TrainingBatch {
    /// Corpus indices that serve as in-batch negatives for the example at `position` in this
    /// batch: the positives and hard negatives of the batch's other examples.
    pub fn in_batch_negatives(&self, position: usize, examples: &[TrainingExample]) -> Vec<usize> {
        let mut seen = HashSet::new();
        self.examples
            .iter()
            .enumerate()
            .filter(|(p, _)| *p != position)
            .flat_map(|(_, &e)| document_indices(&examples[e]))
            .filter(|d| seen.insert(*d))
            .collect()
    }
}

/// The occupations a batch has claimed, for the compatibility test.
#[derive(Default)]
struct BatchOccupations<'a> {
    /// Occupations of the batch's queries and positives: no document of these may join.
    guarded: HashSet<&'a str>,
    /// Occupations of every document in the batch.
    documents: HashSet<&'a str>,
}

/// Groups `examples` (shuffled with `seed`) into batches of at most `batch_size`, never
/// putting two examples together when one's documents are of the other's guarded
/// occupations. A batch may end up smaller when the examples do not fit.
pub fn plan_batches(
    examples: &[TrainingExample],
    queries: &[Query],
    corpus: &[Document],
    batch_size: usize,
    seed: u64,
) -> Result<Vec<TrainingBatch>> {
    if batch_size < 2 {
        return Err(EngineError::InvalidInput(format!(
            "in-batch negatives need a batch size of at least 2, got {batch_size}"
        )));
    }
    if let Some(bad) =
        examples.iter().find(|e| e.query >= queries.len() || document_indices(e).any(|d| d >= corpus.len()))
    {
        return Err(EngineError::InvalidInput(format!(
            "example for query {} refers outside the queries or corpus",
            bad.query
        )));
    }
    let mut order: Vec<usize> = (0..examples.len()).collect();
    SeededRng::new(seed).shuffle(&mut order);
    let mut batches: Vec<(TrainingBatch, BatchOccupations)> = Vec::new();
    for e in order {
        let guarded: HashSet<&str> =
            [queries[examples[e].query].occupation, corpus[examples[e].positive].occupation].into();
        let documents: HashSet<&str> = document_indices(&examples[e]).map(|d| corpus[d].occupation).collect();
        let fits = |(batch, taken): &&mut (TrainingBatch, BatchOccupations)| {
            batch.examples.len() < batch_size
                && taken.documents.is_disjoint(&guarded)
                && taken.guarded.is_disjoint(&documents)
        };
        match batches.iter_mut().find(fits) {
            Some((batch, taken)) => {
                batch.examples.push(e);
                taken.guarded.extend(guarded);
                taken.documents.extend(documents);
            }
            None => batches.push((TrainingBatch { examples: vec![e] }, BatchOccupations { guarded, documents })),
        }
    }
    Ok(batches.into_iter().map(|(batch, _)| batch).collect())
}

/// Every corpus index an example brings into a batch: its positive, then its hard negatives.
fn document_indices(example: &TrainingExample) -> impl Iterator<Item = usize> + '_ {
    std::iter::once(example.positive).chain(example.negatives.iter().map(|n| n.document))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mining::hard_negatives::{HardNegative, NegativeSource};

    const EMBEDDING: [f32; 2] = [1.0, 0.0];
    /// Occupations of the corpus: jobs 0-1 "a", 2-3 "b", 4-5 "c", 6-7 "d".
    const JOB_OCCUPATIONS: [&str; 8] = ["a", "a", "b", "b", "c", "c", "d", "d"];

    fn corpus() -> Vec<Document<'static>> {
        JOB_OCCUPATIONS.iter().map(|o| Document { text: "", occupation: o, embedding: &EMBEDDING }).collect()
    }

    fn queries() -> Vec<Query<'static>> {
        ["a", "a", "b", "c", "d"]
            .iter()
            .map(|o| Query { text: "", occupation: o, embedding: &EMBEDDING, positives: vec![] })
            .collect()
    }

    fn example(query: usize, positive: usize, negatives: &[usize]) -> TrainingExample {
        let negatives = negatives
            .iter()
            .map(|&document| HardNegative { document, source: NegativeSource::Bm25, score: 1.0 })
            .collect();
        TrainingExample { query, positive, negatives }
    }

    /// Queries 0 and 1 share occupation "a"; query 2 ("b") has a hard negative of "c".
    fn examples() -> Vec<TrainingExample> {
        vec![example(0, 0, &[2]), example(1, 1, &[6]), example(2, 2, &[4]), example(3, 4, &[6]), example(4, 6, &[0])]
    }

    #[test]
    fn no_example_sees_its_own_occupation_among_in_batch_negatives() {
        let (examples, queries, corpus) = (examples(), queries(), corpus());
        for seed in 0..20 {
            let batches = plan_batches(&examples, &queries, &corpus, 3, seed).unwrap();
            for batch in &batches {
                for (position, &e) in batch.examples.iter().enumerate() {
                    let own = [queries[examples[e].query].occupation, corpus[examples[e].positive].occupation];
                    for d in batch.in_batch_negatives(position, &examples) {
                        assert!(
                            !own.contains(&corpus[d].occupation),
                            "seed {seed}: job {d} is a false negative for example {e}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn every_example_is_placed_once_within_the_batch_size() {
        let examples = examples();
        let batches = plan_batches(&examples, &queries(), &corpus(), 2, 7).unwrap();
        let mut placed: Vec<usize> = batches.iter().flat_map(|b| b.examples.clone()).collect();
        placed.sort_unstable();
        assert_eq!(placed, (0..examples.len()).collect::<Vec<_>>());
        assert!(batches.iter().all(|b| !b.examples.is_empty() && b.examples.len() <= 2));
    }

    #[test]
    fn in_batch_negatives_are_the_other_examples_documents() {
        let examples = vec![example(2, 2, &[4]), example(4, 6, &[0])];
        let batch = TrainingBatch { examples: vec![0, 1] };
        assert_eq!(batch.in_batch_negatives(0, &examples), vec![6, 0]);
        assert_eq!(batch.in_batch_negatives(1, &examples), vec![2, 4]);
    }

    #[test]
    fn planning_is_deterministic_per_seed() {
        let (examples, queries, corpus) = (examples(), queries(), corpus());
        assert_eq!(
            plan_batches(&examples, &queries, &corpus, 2, 5).unwrap(),
            plan_batches(&examples, &queries, &corpus, 2, 5).unwrap()
        );
    }

    #[test]
    fn bad_input_is_an_error() {
        let (examples, queries, corpus) = (examples(), queries(), corpus());
        assert!(plan_batches(&examples, &queries, &corpus, 1, 0).is_err());
        assert!(plan_batches(&[example(9, 0, &[])], &queries, &corpus, 2, 0).is_err());
        assert!(plan_batches(&[example(0, 0, &[99])], &queries, &corpus, 2, 0).is_err());
        assert!(plan_batches(&[], &queries, &corpus, 2, 0).unwrap().is_empty());
    }
}
