//! WordPiece tokenisation into model-ready batches.
//!
//! The upstream all-MiniLM-L6-v2 `tokenizer.json` pads and truncates every text to a fixed
//! 128 tokens. sentence-transformers ignores that and truncates at `max_seq_length` (256)
//! with padding to the longest text of the batch; we do the same, so a short text costs
//! a short forward pass and a long one is not cut at 128.

use std::path::Path;

use candle_core::{Device, Tensor};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams, TruncationStrategy};

use super::error::{EngineError, Result};

/// Whether `text` holds anything to encode: a letter or a digit in any script. Text of
/// only spaces, punctuation, zero-width or control characters (U+200B, U+0001) carries no
/// meaning, yet the model would still embed it and rank it against everything; callers
/// treat such text as empty.
pub fn has_content(text: &str) -> bool {
    text.chars().any(char::is_alphanumeric)
}

/// A batch of token ids ready for [`crate::bert::BertModel::forward`].
pub struct TokenBatch {
    pub input_ids: Tensor,
    pub token_type_ids: Tensor,
    pub attention_mask: Tensor,
    /// Real (unpadded) token count of each text, for cost accounting and tests.
    pub lengths: Vec<usize>,
}

/// A tokenizer configured for dynamic padding and truncation at `max_len` tokens.
pub struct TextTokenizer {
    inner: Tokenizer,
    max_len: usize,
}

impl TextTokenizer {
    pub fn from_file(path: &Path, max_len: usize) -> Result<Self> {
        if !path.exists() {
            return Err(EngineError::MissingModelFile { path: path.to_path_buf() });
        }
        let inner = Tokenizer::from_file(path)
            .map_err(|e| EngineError::CorruptModelFile { path: path.to_path_buf(), reason: e.to_string() })?;
        Self::from_tokenizer(inner, max_len)
    }

    pub fn from_tokenizer(mut inner: Tokenizer, max_len: usize) -> Result<Self> {
        if max_len < 2 {
            return Err(EngineError::InvalidInput(format!("max_seq_length must be at least 2, got {max_len}")));
        }
        let pad_id = inner.get_padding().map(|p| p.pad_id).unwrap_or(0);
        let pad_token = inner.get_padding().map(|p| p.pad_token.clone()).unwrap_or_else(|| "[PAD]".into());
        inner.with_padding(Some(PaddingParams {
            strategy: PaddingStrategy::BatchLongest,
            pad_id,
            pad_token,
            ..Default::default()
        }));
        inner
            .with_truncation(Some(TruncationParams {
                max_length: max_len,
                strategy: TruncationStrategy::LongestFirst,
                ..Default::default()
            }))
            .map_err(|e| EngineError::Tokenizer(e.to_string()))?;
        Ok(Self { inner, max_len })
    }

    pub fn max_len(&self) -> usize {
        self.max_len
    }

    /// Tokenises single texts (`[CLS] text [SEP]`) into one padded batch.
    pub fn encode_texts(&self, texts: &[&str], device: &Device) -> Result<TokenBatch> {
        let encodings = self
            .inner
            .encode_batch(texts.to_vec(), true)
            .map_err(|e| EngineError::Tokenizer(e.to_string()))?;
        to_batch(&encodings, device)
    }

    /// Tokenises (first, second) pairs (`[CLS] a [SEP] b [SEP]`, segment ids 0 then 1),
    /// truncating the longer side first so both keep some tokens.
    pub fn encode_pairs(&self, pairs: &[(&str, &str)], device: &Device) -> Result<TokenBatch> {
        let inputs: Vec<tokenizers::EncodeInput> = pairs.iter().map(|&(a, b)| (a, b).into()).collect();
        let encodings =
            self.inner.encode_batch(inputs, true).map_err(|e| EngineError::Tokenizer(e.to_string()))?;
        to_batch(&encodings, device)
    }

    /// Number of tokens (with special tokens, after truncation) each text would get.
    pub fn token_counts(&self, texts: &[&str]) -> Result<Vec<usize>> {
        texts
            .iter()
            .map(|t| {
                self.inner
                    .encode(*t, true)
                    .map(|e| e.get_attention_mask().iter().filter(|&&m| m == 1).count())
                    .map_err(|e| EngineError::Tokenizer(e.to_string()))
            })
            .collect()
    }
}

fn to_batch(encodings: &[tokenizers::Encoding], device: &Device) -> Result<TokenBatch> {
    let batch = encodings.len();
    let seq = encodings.first().map(|e| e.len()).unwrap_or(0);
    let mut ids = Vec::with_capacity(batch * seq);
    let mut types = Vec::with_capacity(batch * seq);
    let mut mask = Vec::with_capacity(batch * seq);
    let mut lengths = Vec::with_capacity(batch);
    for e in encodings {
        ids.extend_from_slice(e.get_ids());
        types.extend_from_slice(e.get_type_ids());
        mask.extend(e.get_attention_mask().iter().map(|&m| m as f32));
        lengths.push(e.get_attention_mask().iter().filter(|&&m| m == 1).count());
    }
    Ok(TokenBatch {
        input_ids: Tensor::from_vec(ids, (batch, seq), device)?,
        token_type_ids: Tensor::from_vec(types, (batch, seq), device)?,
        attention_mask: Tensor::from_vec(mask, (batch, seq), device)?,
        lengths,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_without_letters_or_digits_has_no_content() {
        for blank in ["", "   ", "\u{200b}", "\u{200b}\u{feff}\u{2060}", "\x01\x02", "\t\n", "-- !? ..."] {
            assert!(!has_content(blank), "{blank:?}");
        }
        for text in ["C", "7", "Python", "Ärztin", "工程师", "\u{200b}SQL"] {
            assert!(has_content(text), "{text:?}");
        }
    }
}
