//! The fine-tuned bi-encoder: a residual linear projection over the base model's unit
//! embeddings, p(e) = normalize(e + W e + b), trained contrastively (`training::projection`).
//!
//! Why over the stored embeddings rather than inside the encoder: jobs keep their base
//! embeddings and the HNSW index over them, so activating, switching or rolling back a
//! fine-tuned model needs no re-embedding and no index rebuild. Stage 1 retrieves with the
//! base embeddings; the bi-encoder score of each candidate is the cosine of the projected
//! pair. W and b start at zero, so an untrained projection is the identity.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};

use crate::error::{EngineError, Result};
use crate::pooling::l2_normalize;

/// File name of a projection inside its model directory.
pub const PROJECTION_FILE: &str = "projection.safetensors";
pub const WEIGHT: &str = "projection.weight";
pub const BIAS: &str = "projection.bias";

/// p(rows) for rows [n, dim], W [dim, dim], b [dim]: the one definition training and
/// inference share.
pub fn project(rows: &Tensor, weight: &Tensor, bias: &Tensor) -> Result<Tensor> {
    let moved = rows.matmul(&weight.t()?)?.broadcast_add(bias)?;
    Ok(l2_normalize(&(rows + moved)?)?)
}

pub struct Projection {
    weight: Tensor,
    bias: Tensor,
}

impl Projection {
    /// The projection in `path` (safetensors with `projection.weight` [dim, dim] and
    /// `projection.bias` [dim]).
    pub fn load(path: &Path) -> Result<Self> {
        if !path.exists() {
            return Err(EngineError::MissingModelFile { path: path.to_path_buf() });
        }
        let corrupt = |reason: String| EngineError::CorruptModelFile { path: path.to_path_buf(), reason };
        let mut tensors: HashMap<String, Tensor> =
            candle_core::safetensors::load(path, &Device::Cpu).map_err(|e| corrupt(e.to_string()))?;
        let mut take = |name: &str| tensors.remove(name).ok_or_else(|| corrupt(format!("no tensor {name}")));
        let (weight, bias) = (take(WEIGHT)?, take(BIAS)?);
        let (weight, bias) = (weight.to_dtype(candle_core::DType::F32)?, bias.to_dtype(candle_core::DType::F32)?);
        match (weight.dims(), bias.dims()) {
            ([rows, cols], [len]) if rows == cols && cols == len => Ok(Self { weight, bias }),
            (w, b) => Err(corrupt(format!("expected weight [d, d] and bias [d], got {w:?} and {b:?}"))),
        }
    }

    /// The embedding size it expects.
    pub fn dim(&self) -> usize {
        self.bias.dims()[0]
    }

    /// p of each row; rows must have `dim()` values.
    pub fn apply(&self, rows: &[Vec<f32>]) -> Result<Vec<Vec<f32>>> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        if let Some(bad) = rows.iter().find(|r| r.len() != self.dim()) {
            return Err(EngineError::InvalidInput(format!(
                "projection expects embeddings of {} values, got {}",
                self.dim(),
                bad.len()
            )));
        }
        let input = Tensor::new(rows.to_vec(), &Device::Cpu)?;
        Ok(project(&input, &self.weight, &self.bias)?.to_vec2::<f32>()?)
    }

    /// Writes `weight` and `bias` to `path` in the layout `load` reads.
    pub fn save(weight: &Tensor, bias: &Tensor, path: &Path) -> Result<()> {
        let tensors = HashMap::from([(WEIGHT.to_string(), weight.clone()), (BIAS.to_string(), bias.clone())]);
        candle_core::safetensors::save(&tensors, path)
            .map_err(|e| EngineError::InvalidInput(format!("cannot write {}: {e}", path.display())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> std::path::PathBuf {
        let dir = std::env::temp_dir().join(format!("resonance-projection-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        dir.join(PROJECTION_FILE)
    }

    #[test]
    fn zero_projection_is_the_identity_on_unit_rows() {
        let path = scratch("zero");
        Projection::save(&Tensor::zeros((2, 2), candle_core::DType::F32, &Device::Cpu).unwrap(),
            &Tensor::zeros(2, candle_core::DType::F32, &Device::Cpu).unwrap(), &path).unwrap();
        let p = Projection::load(&path).unwrap();
        let out = p.apply(&[vec![0.6, 0.8]]).unwrap();
        assert!((out[0][0] - 0.6).abs() < 1e-6 && (out[0][1] - 0.8).abs() < 1e-6, "{out:?}");
    }

    #[test]
    fn applies_the_residual_map_and_normalises() {
        let path = scratch("map");
        let w = Tensor::new(&[[1.0f32, 0.0], [0.0, 0.0]], &Device::Cpu).unwrap();
        let b = Tensor::new(&[0.0f32, 1.0], &Device::Cpu).unwrap();
        Projection::save(&w, &b, &path).unwrap();
        // e = (1, 0): e + W e + b = (2, 1) -> (2, 1) / sqrt(5).
        let out = Projection::load(&path).unwrap().apply(&[vec![1.0, 0.0]]).unwrap();
        let s = 5f32.sqrt();
        assert!((out[0][0] - 2.0 / s).abs() < 1e-6 && (out[0][1] - 1.0 / s).abs() < 1e-6, "{out:?}");
    }

    #[test]
    fn bad_files_and_sizes_are_clear_errors() {
        let missing = Projection::load(Path::new("/nonexistent/projection.safetensors"));
        assert!(matches!(missing, Err(EngineError::MissingModelFile { .. })));
        let path = scratch("bad");
        std::fs::write(&path, b"not safetensors").unwrap();
        assert!(matches!(Projection::load(&path), Err(EngineError::CorruptModelFile { .. })));
        let path = scratch("shape");
        Projection::save(&Tensor::zeros((2, 3), candle_core::DType::F32, &Device::Cpu).unwrap(),
            &Tensor::zeros(2, candle_core::DType::F32, &Device::Cpu).unwrap(), &path).unwrap();
        assert!(matches!(Projection::load(&path), Err(EngineError::CorruptModelFile { .. })));
        let path = scratch("dim");
        Projection::save(&Tensor::zeros((2, 2), candle_core::DType::F32, &Device::Cpu).unwrap(),
            &Tensor::zeros(2, candle_core::DType::F32, &Device::Cpu).unwrap(), &path).unwrap();
        let err = Projection::load(&path).unwrap().apply(&[vec![1.0, 0.0, 0.0]]).unwrap_err();
        assert!(err.to_string().contains("2 values"), "{err}");
    }
}
