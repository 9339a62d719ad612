//! Embedding similarity of a title to labels: cosine between the bi-encoder's embedding of the
//! title and of each label. The vectors come from the caller (the engine's `BiEncoder`, or
//! fixed vectors in tests), so this file needs no model.

use crate::retrieval::dense::cosine_scores;

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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_are_clamped_cosines() {
        let labels = LabelEmbeddings::new(vec![vec![1.0, 0.0], vec![0.0, 1.0], vec![-1.0, 0.0]]);
        assert_eq!(labels.scores(&[2.0, 0.0]), vec![1.0, 0.0, 0.0]);
    }
}
