//! Cosine similarity between embeddings.

/// Cosine of the angle between `a` and `b`; 0 when either is all zeros or their lengths differ.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    if a.len() != b.len() {
        return 0.0;
    }
    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
    let norms = norm(a) * norm(b);
    if norms == 0.0 {
        0.0
    } else {
        dot / norms
    }
}

/// Cosine of `query` with every row of `corpus`, in corpus order.
pub fn cosine_scores(query: &[f32], corpus: &[Vec<f32>]) -> Vec<f32> {
    corpus.iter().map(|doc| cosine(query, doc)).collect()
}

/// Euclidean length of a vector.
fn norm(v: &[f32]) -> f32 {
    v.iter().map(|x| x * x).sum::<f32>().sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cosine_ignores_length() {
        assert!((cosine(&[1.0, 0.0], &[3.0, 0.0]) - 1.0).abs() < 1e-6);
        assert!(cosine(&[1.0, 0.0], &[0.0, 2.0]).abs() < 1e-6);
        assert!((cosine(&[1.0, 1.0], &[-1.0, -1.0]) + 1.0).abs() < 1e-6);
    }

    #[test]
    fn degenerate_vectors_score_zero() {
        assert_eq!(cosine(&[0.0, 0.0], &[1.0, 0.0]), 0.0);
        assert_eq!(cosine(&[1.0], &[1.0, 0.0]), 0.0);
        assert_eq!(cosine_scores(&[1.0, 0.0], &[vec![0.0, 1.0], vec![2.0, 0.0]]), vec![0.0, 1.0]);
    }
}
