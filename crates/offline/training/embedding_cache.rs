//! Bi-encoder embeddings of a fixed list of texts kept in a safetensors file, so programs
//! that evaluate or train over the same texts embed them once.

use std::collections::HashMap;
use std::path::Path;

use candle_core::{Device, Tensor};

use resonance_engine::weights::{load_delta, write_failed};
use resonance_engine::bi_encoder::{BiEncoder, DEFAULT_BATCH_SIZE};
use resonance_engine::error::Result;
use resonance_engine::interrupt::Uninterrupted;

/// Embeddings of `texts`, read from `cache` when it holds as many rows, else computed
/// (calling `progress` between batches) and written there.
pub fn cached_embeddings(
    encoder: &BiEncoder,
    texts: &[String],
    cache: &Path,
    progress: impl FnMut(usize, usize) -> Result<()>,
) -> Result<Vec<Vec<f32>>> {
    if let Ok(stored) = load_delta(cache) {
        if let Some(t) = stored.get("embeddings").filter(|t| t.dims().first() == Some(&texts.len())) {
            return Ok(t.to_vec2::<f32>()?);
        }
    }
    let strs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let rows = encoder.encode(&strs, DEFAULT_BATCH_SIZE, &Uninterrupted, progress)?;
    let tensor = Tensor::new(rows.clone(), &Device::Cpu)?;
    candle_core::safetensors::save(&HashMap::from([("embeddings".to_string(), tensor)]), cache)
        .map_err(|e| write_failed(cache, e))?;
    Ok(rows)
}
