//! Nearest neighbours between skill-name embeddings: unit vectors, so the cosine is the dot
//! product, computed as a matrix product over row chunks (candle's GEMM) rather than pair
//! by pair.

use candle_core::{Device, Tensor};

use resonance_engine::error::{EngineError, Result};

/// Measurements behind the similarity threshold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SimilarityMeasurement {
    pub random_p99: f32,
    pub random_p999: f32,
    pub alias_pairs: usize,
    pub alias_median: f32,
    /// Share of label/alias pairs at or above the threshold.
    pub alias_recall: f64,
    pub threshold: f32,
}

/// Query rows per matrix product: 512 x 40,000 scores is 80 MB of f32, small enough to
/// hold, large enough to keep the GEMM efficient.
const CHUNK_ROWS: usize = 512;

/// Row-major unit vectors of equal dimension.
#[derive(Debug, Clone)]
pub struct EmbeddingMatrix {
    rows: usize,
    dim: usize,
    data: Vec<f32>,
}

impl EmbeddingMatrix {
    /// Stacks `vectors`; all must have the same, non-zero length.
    pub fn from_rows(vectors: &[Vec<f32>]) -> Result<Self> {
        let dim = vectors.first().map_or(0, Vec::len);
        if vectors.iter().any(|v| v.len() != dim) || (dim == 0 && !vectors.is_empty()) {
            return Err(EngineError::InvalidInput("embedding rows differ in length or are empty".into()));
        }
        Ok(Self { rows: vectors.len(), dim, data: vectors.concat() })
    }

    /// Number of rows.
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// Row `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.data[i * self.dim..(i + 1) * self.dim]
    }

    /// The rows selected by `indices`, in that order.
    pub fn select(&self, indices: &[usize]) -> Self {
        let mut data = Vec::with_capacity(indices.len() * self.dim);
        for &i in indices {
            data.extend_from_slice(self.row(i));
        }
        Self { rows: indices.len(), dim: self.dim, data }
    }

    /// Dot product of rows `i` and `j`.
    pub fn dot(&self, i: usize, j: usize) -> f32 {
        self.row(i).iter().zip(self.row(j)).map(|(a, b)| a * b).sum()
    }

    /// Rows as a [rows, dim] tensor.
    fn tensor(&self) -> Result<Tensor> {
        Ok(Tensor::from_slice(&self.data, (self.rows, self.dim), &Device::Cpu)?)
    }
}

/// For each row of `queries`, its `k` most similar rows of `corpus` as (index, cosine),
/// best first. With `same_matrix` (queries and corpus are one matrix) a row is not its own
/// neighbour.
pub fn top_k(queries: &EmbeddingMatrix, corpus: &EmbeddingMatrix, k: usize, same_matrix: bool) -> Result<Vec<Vec<(usize, f32)>>> {
    if queries.rows == 0 || corpus.rows == 0 || k == 0 {
        return Ok(vec![Vec::new(); queries.rows]);
    }
    if queries.dim != corpus.dim {
        return Err(EngineError::InvalidInput(format!("embedding dimensions differ: {} vs {}", queries.dim, corpus.dim)));
    }
    let corpus_t = corpus.tensor()?.t()?.contiguous()?;
    let mut out = Vec::with_capacity(queries.rows);

    for start in (0..queries.rows).step_by(CHUNK_ROWS) {
        let end = (start + CHUNK_ROWS).min(queries.rows);
        let rows = &queries.data[start * queries.dim..end * queries.dim];
        let chunk = Tensor::from_slice(rows, (end - start, queries.dim), &Device::Cpu)?;
        let scores: Vec<f32> = chunk.matmul(&corpus_t)?.flatten_all()?.to_vec1()?;
        for (offset, row) in scores.chunks_exact(corpus.rows).enumerate() {
            out.push(best_of_row(row, k, same_matrix.then_some(start + offset)));
        }
    }
    Ok(out)
}

/// The `k` highest scores of one row, skipping index `skip`, best first: one pass keeping
/// a sorted buffer of k, no per-row allocation beyond it.
fn best_of_row(row: &[f32], k: usize, skip: Option<usize>) -> Vec<(usize, f32)> {
    if k == 0 {
        return Vec::new();
    }
    let mut best: Vec<(usize, f32)> = Vec::with_capacity(k + 1);
    for (j, &score) in row.iter().enumerate() {
        if Some(j) == skip || (best.len() == k && score <= best[k - 1].1) {
            continue;
        }
        let at = best.partition_point(|&(_, b)| b >= score);
        best.insert(at, (j, score));
        best.truncate(k);
    }
    best
}

/// The `q` quantile (0..1) of cosines between `samples` random distinct row pairs, drawn
/// with a fixed-seed generator so the number is reproducible.
pub fn random_pair_quantile(matrix: &EmbeddingMatrix, samples: usize, q: f64) -> f32 {
    if matrix.rows < 2 || samples == 0 {
        return 0.0;
    }
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        // xorshift64*: plenty for sampling pairs.
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        (state.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11) as usize
    };
    let mut cos: Vec<f32> = Vec::with_capacity(samples);
    while cos.len() < samples {
        let (i, j) = (next() % matrix.rows, next() % matrix.rows);
        if i != j {
            cos.push(matrix.dot(i, j));
        }
    }
    cos.sort_by(f32::total_cmp);
    cos[((samples - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(v: &[f32]) -> Vec<f32> {
        let n = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        v.iter().map(|x| x / n).collect()
    }

    #[test]
    fn finds_nearest_rows_best_first_without_self() {
        let rows = vec![unit(&[1.0, 0.0]), unit(&[0.9, 0.1]), unit(&[0.0, 1.0]), unit(&[0.1, 0.9])];
        let m = EmbeddingMatrix::from_rows(&rows).unwrap();
        let nn = top_k(&m, &m, 2, true).unwrap();
        assert_eq!(nn[0][0].0, 1);
        assert!(nn[0][0].1 > nn[0][1].1);
        assert!(nn.iter().enumerate().all(|(i, n)| n.iter().all(|&(j, _)| j != i)));
        let cross = top_k(&m.select(&[2]), &m, 1, false).unwrap();
        assert_eq!(cross[0], vec![(2, 1.0)]);
    }

    #[test]
    fn agrees_with_pairwise_dot_across_chunks() {
        let rows: Vec<Vec<f32>> = (0..(CHUNK_ROWS + 7)).map(|i| unit(&[(i as f32).sin(), (i as f32).cos(), 0.3])).collect();
        let m = EmbeddingMatrix::from_rows(&rows).unwrap();
        let nn = top_k(&m, &m, 3, true).unwrap();
        let last = rows.len() - 1;
        for &(j, s) in &nn[last] {
            assert!((m.dot(last, j) - s).abs() < 1e-4);
        }
    }

    #[test]
    fn rejects_ragged_rows_and_handles_empty() {
        assert!(EmbeddingMatrix::from_rows(&[vec![1.0, 0.0], vec![1.0]]).is_err());
        let empty = EmbeddingMatrix::from_rows(&[]).unwrap();
        assert!(top_k(&empty, &empty, 3, true).unwrap().is_empty());
        assert_eq!(random_pair_quantile(&empty, 10, 0.5), 0.0);
    }

    #[test]
    fn random_quantile_is_reproducible_and_ordered() {
        let rows: Vec<Vec<f32>> = (0..50).map(|i| unit(&[(i as f32).sin(), (i as f32).cos()])).collect();
        let m = EmbeddingMatrix::from_rows(&rows).unwrap();
        let (lo, hi) = (random_pair_quantile(&m, 500, 0.1), random_pair_quantile(&m, 500, 0.9));
        assert!(lo <= hi);
        assert_eq!(hi, random_pair_quantile(&m, 500, 0.9));
    }
}
