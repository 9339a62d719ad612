//! The bi-encoder: text -> unit-length sentence embedding (all-MiniLM-L6-v2 semantics:
//! BERT, masked mean pooling, L2 normalisation).

use std::path::Path;

use candle_core::Device;

use super::batching::{forward_in_slices, map_in_length_batches, slice_tokens};
use super::bert::BertModel;
use super::bf16_linear::MatmulPrecision;
use super::error::{EngineError, Result};
use super::interrupt::Interrupt;
use super::model_files::ModelFiles;
use super::pooling::{l2_normalize, masked_mean};
use super::tokenization::TextTokenizer;

/// Texts per batch: tokenised and padded together, then run through the model in slices
/// (`batching::SLICE_TOKENS_PER_THREAD`), which bound the attention tensors (12 heads x
/// 1,024 x 256 x 4 bytes = 12.6 MB per thread at 256 tokens, not 100 MB for 32 x 256).
/// Slices of a 32-text batch encode as fast as whole batches did (README, "Cancel and
/// statement_timeout").
pub const DEFAULT_BATCH_SIZE: usize = 32;

pub struct BiEncoder {
    model: BertModel,
    tokenizer: TextTokenizer,
    device: Device,
}

impl BiEncoder {
    /// Loads `config.json`, `tokenizer.json` and `model.safetensors` from `dir`, truncating
    /// inputs at `max_seq_length` tokens, its products in `precision` where the CPU has it.
    pub fn load(dir: &Path, max_seq_length: usize, precision: MatmulPrecision) -> Result<Self> {
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
        let model = BertModel::load_with_precision(files.weights()?, &config, precision)
            .map_err(|e| EngineError::CorruptModelFile { path: weights_path, reason: e.to_string() })?;
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

    /// One forward pass over `texts`, returning one embedding per text in order. `interrupt`
    /// is asked while the texts are tokenised and before each half layer of each slice of
    /// the pass (`batching::forward_in_slices`).
    pub fn encode_batch(&self, texts: &[&str], interrupt: &dyn Interrupt) -> Result<Vec<Vec<f32>>> {
        if texts.is_empty() {
            return Ok(Vec::new());
        }
        let batch = self.tokenizer.encode_texts(texts, &self.device, interrupt)?;
        let pooled = forward_in_slices(&batch, slice_tokens(), |slice| {
            Ok(masked_mean(&self.model.forward_interruptible(slice, interrupt)?, &slice.attention_mask)?)
        })?;
        Ok(l2_normalize(&pooled)?.to_vec2::<f32>()?)
    }

    /// Encodes any number of texts in batches of `batch_size`, calling `between_batches`
    /// (done, total) before each batch to report progress (it may also stop the work by
    /// returning an error), and asking `interrupt` within each batch as `encode_batch` does.
    /// Texts are grouped by length first so a batch pads little; results come back in
    /// input order.
    pub fn encode<F>(
        &self,
        texts: &[&str],
        batch_size: usize,
        interrupt: &dyn Interrupt,
        between_batches: F,
    ) -> Result<Vec<Vec<f32>>>
    where
        F: FnMut(usize, usize) -> Result<()>,
    {
        map_in_length_batches(texts, batch_size, between_batches, |chunk| self.encode_batch(chunk, interrupt))
    }
}
