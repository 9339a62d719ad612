//! Embedding similarity of a title to labels: cosine between the bi-encoder's embedding of the
//! title and of each label, and the nearest labels as inference takes them (the database
//! asks pgvector for the same list). The vectors come from the caller (the engine's
//! `BiEncoder`, or fixed vectors in tests), so this file needs no model.

use crate::retrieval::dense::cosine_scores;
use resonance_engine::occupations::inference::NEAREST_LABELS;

/// Label embeddings, in label order.
#[derive(Debug, Clone, Default)]
pub struct LabelEmbeddings {
    vectors: Vec<Vec<f32>>,
}

impl LabelEmbeddings {
    pub fn new(vectors: Vec<Vec<f32>>) -> Self {
        Self { vectors }
    }

    pub fn len(&self) -> usize {
        self.vectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.vectors.is_empty()
    }

    /// Cosine of `title` (an embedding) to every label, clamped to [0, 1].
    pub fn scores(&self, title: &[f32]) -> Vec<f32> {
        cosine_scores(title, &self.vectors).into_iter().map(|s| s.clamp(0.0, 1.0)).collect()
    }

    /// The [`NEAREST_LABELS`] labels nearest to `title`, nearest first (ties by position),
    /// as `resonance_engine::occupations::inference::NearestLabels`.
    pub fn nearest(&self, title: &[f32]) -> Vec<(u32, f32)> {
        let mut all: Vec<(u32, f32)> = self.scores(title).into_iter().enumerate().map(|(i, s)| (i as u32, s)).collect();
        all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        all.truncate(NEAREST_LABELS);
        all
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_clamped_cosines() {
        let labels = LabelEmbeddings::new(vec![vec![1.0, 0.0], vec![0.0, 1.0], vec![-1.0, 0.0]]);
        assert_eq!(labels.scores(&[2.0, 0.0]), vec![1.0, 0.0, 0.0]);
    }

    #[test]
    fn nearest_labels_come_first() {
        let labels = LabelEmbeddings::new(vec![vec![1.0, 0.0], vec![0.0, 1.0], vec![0.6, 0.8]]);
        assert_eq!(labels.nearest(&[0.0, 1.0]), vec![(1, 1.0), (2, 0.8), (0, 0.0)]);
    }
}
