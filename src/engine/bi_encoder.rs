//! The bi-encoder: text -> unit-length sentence embedding (all-MiniLM-L6-v2 semantics:
//! BERT, masked mean pooling, L2 normalisation).

use std::path::Path;

use candle_core::Device;

use super::batching::map_in_length_batches;
use super::bert::BertModel;
use super::error::{EngineError, Result};
use super::model_files::ModelFiles;
use super::pooling::{l2_normalize, masked_mean};
use super::tokenization::TextTokenizer;

/// Texts per forward pass. 32 keeps a 256-token batch's attention tensors near 100 MB
/// (32 x 12 heads x 256 x 256 x 4 bytes) and amortises the per-call overhead (README, "Speed facts").
pub const DEFAULT_BATCH_SIZE: usize = 32;

pub struct BiEncoder {
    model: BertModel,
    tokenizer: TextTokenizer,
    device: Device,
}

impl BiEncoder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`, truncating
    /// inputs at `max_seq_length` tokens.
    pub fn load(dir: &Path, max_seq_length: usize) -> Result<Self> {
        crate::allocator::keep_freed_memory();
        let files = ModelFiles::new(dir)?;
        let config = files.config()?;
        if max_seq_length > config.max_position_embeddings {
            return Err(EngineError::InvalidInput(format!(
                "max_seq_length {max_seq_length} exceeds the model's {} positions",
                config.max_position_embeddings
            )));
        }
        let tokenizer = TextTokenizer::from_file(&files.tokenizer_path(), max_seq_length)?;
        let weights_path = files.weights_path();
        let model = BertModel::load(files.weights()?, &config).map_err(|e| EngineError::CorruptModelFile {
            path: weights_path,
            reason: e.to_string(),
        })?;
        Ok(Self { model, tokenizer, device: Device::Cpu })
    }

    pub fn from_parts(model: BertModel, tokenizer: TextTokenizer) -> Self {
        Self { model, tokenizer, device: Device::Cpu }
    }

    pub fn dimension(&self) -> usize {
        self.model.config.hidden_size
    }

    pub fn max_seq_length(&self) -> usize {
        self.tokenizer.max_len()
    }

    /// One forward pass over `texts`, returning one embedding per text in order.
    pub fn encode_batch(&self, texts: &[&str]) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let batch = self.tokenizer.encode_texts(texts, &self.device)?;
        let hidden = self.model.forward(&batch.input_ids, &batch.token_type_ids, &batch.attention_mask)?;
        let pooled = l2_normalize(&masked_mean(&hidden, &batch.attention_mask)?)?;
        Ok(pooled.to_vec2::<f32>()?)
    }

    /// Encodes any number of texts in batches of `batch_size`, calling `between_batches`
    /// (done, total) before each batch so a caller can stop the work (query cancel,
    /// statement_timeout) or report progress. Texts are grouped by length first so a
    /// batch pads little; results come back in input order.
    pub fn encode<F>(&self, texts: &[&str], batch_size: usize, between_batches: F) -> Result<Vec<Vec<f32>>>
    where
        F: FnMut(usize, usize) -> Result<()>,
    {
        map_in_length_batches(texts, batch_size, between_batches, |chunk| self.encode_batch(chunk))
    }
}
