//! WordPiece tokenisation into model-ready batches.
//!
//! The upstream all-MiniLM-L6-v2 `tokenizer.json` pads and truncates every text to a fixed
//! 128 tokens. sentence-transformers ignores that and truncates at `max_seq_length` (256)
//! with padding to the longest text of the batch; we do the same, so a short text costs
//! a short forward pass and a long one is not cut at 128.

use std::collections::HashMap;
use std::ops::Range;
use std::path::Path;

use candle_core::{Device, Tensor};
use tokenizers::{PaddingParams, PaddingStrategy, Tokenizer, TruncationParams, TruncationStrategy};

use super::error::{EngineError, Result};
use super::interrupt::Interrupt;

/// Bytes of a long text tokenised at first, per token of `max_len`: 16, so 4 kB at 256
/// tokens. Resumes and postings take about 5 bytes per WordPiece token (all-MiniLM-L6-v2's
/// tokenizer: 4.7 over the 48 sample texts, 5.6 over the 2,258 dev-benchmark texts, 6.9 at
/// most for any one of them), so the first window nearly always holds enough tokens, and
/// tokenising it takes about 0.6 ms; text of mostly whitespace or markup doubles it until
/// it does.
const PREFIX_BYTES_PER_TOKEN: usize = 16;

/// The widest window, per token of `max_len`: 256, so 64 kB at 256 tokens. A text needing
/// more than 256 bytes per token is not prose (a blob, or pages of whitespace); reading it
/// no further bounds what one text costs (five tries, 124 kB tokenised in all at most).
const MAX_PREFIX_BYTES_PER_TOKEN: usize = 256;

/// Texts (or pairs) tokenised per call between two interrupt checks: 8 texts of 4 kB (the
/// first prefix window at 256 tokens) take 5-9 ms, less than one step of the forward pass
/// (`batching::SLICE_TOKENS_PER_THREAD`).
const TOKENIZE_GROUP: usize = 8;

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

impl TokenBatch {
    /// The rows `rows` of the batch, without the padding columns none of them needs
    /// (padding is on the right, so a row's real tokens are its first `length`).
    pub fn rows(&self, rows: Range<usize>) -> Result<TokenBatch> {
        let lengths = self.lengths[rows.clone()].to_vec();
        let width = lengths.iter().copied().max().unwrap_or(0);
        let part = |t: &Tensor| t.narrow(0, rows.start, rows.len())?.narrow(1, 0, width);
        Ok(TokenBatch {
            input_ids: part(&self.input_ids)?,
            token_type_ids: part(&self.token_type_ids)?,
            attention_mask: part(&self.attention_mask)?,
            lengths,
        })
    }
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

    /// Tokenises single texts (`[CLS] text [SEP]`) into one padded batch. Only the part of a
    /// long text that truncation keeps is tokenised ([`TextTokenizer::needed_prefix`]).
    pub fn encode_texts(&self, texts: &[&str], device: &Device, interrupt: &dyn Interrupt) -> Result<TokenBatch> {
        let needed = texts.iter().map(|t| self.needed_prefix(t, interrupt)).collect::<Result<Vec<_>>>()?;
        self.encode_in_groups(needed, device, interrupt)
    }

    /// Tokenises (first, second) pairs (`[CLS] a [SEP] b [SEP]`, segment ids 0 then 1),
    /// truncating the longer side first so both keep some tokens. Each side is cut to what
    /// truncation can keep of it first; a text repeated across pairs (the query of a
    /// reranking) is cut once.
    ///
    /// One difference from tokenising whole texts: when both sides are longer than a prefix
    /// window, the odd token of an odd split goes to the side whose prefix is longer, where
    /// the whole texts would give it to the longer text.
    pub fn encode_pairs(&self, pairs: &[(&str, &str)], device: &Device, interrupt: &dyn Interrupt) -> Result<TokenBatch> {
        let mut cut: HashMap<&str, &str> = HashMap::new();
        let mut needed = |text| -> Result<&str> {
            if let Some(prefix) = cut.get(text) {
                return Ok(*prefix);
            }
            let prefix = self.needed_prefix(text, interrupt)?;
            cut.insert(text, prefix);
            Ok(prefix)
        };
        let inputs = pairs
            .iter()
            .map(|&(a, b)| Ok((needed(a)?, needed(b)?)))
            .collect::<Result<Vec<(&str, &str)>>>()?;
        self.encode_in_groups(inputs, device, interrupt)
    }

    /// Tokenises `inputs` (texts or pairs) `TOKENIZE_GROUP` at a time, asking `interrupt`
    /// before each group, and pads them all to the longest into one batch.
    fn encode_in_groups<'s, I>(&self, inputs: Vec<I>, device: &Device, interrupt: &dyn Interrupt) -> Result<TokenBatch>
    where
        I: Into<tokenizers::EncodeInput<'s>> + Clone + Send,
    {
        let mut encodings = Vec::with_capacity(inputs.len());
        for group in inputs.chunks(TOKENIZE_GROUP) {
            interrupt.check()?;
            let encoded =
                self.inner.encode_batch(group.to_vec(), true).map_err(|e| EngineError::Tokenizer(e.to_string()))?;
            encodings.extend(encoded);
        }
        if let Some(padding) = self.inner.get_padding() {
            tokenizers::pad_encodings(&mut encodings, padding).map_err(|e| EngineError::Tokenizer(e.to_string()))?;
        }
        to_batch(&encodings, device)
    }

    /// Number of tokens (with special tokens, after truncation) each text would get.
    pub fn token_counts(&self, texts: &[&str]) -> Result<Vec<usize>> {
        let batch = self.encode_texts(texts, &Device::Cpu, &crate::interrupt::Uninterrupted)?;
        Ok(batch.lengths)
    }

    /// The part of `text` that truncation at `max_len` tokens keeps tokens from: the whole
    /// text when it is short, else a prefix ending at a word boundary that holds at least
    /// `max_len` tokens. Truncating the prefix's tokens then keeps exactly the tokens that
    /// truncating the whole text's would, without tokenising megabytes (tokenising 10 MB
    /// took seconds and could not be interrupted). The window starts at
    /// `PREFIX_BYTES_PER_TOKEN` bytes per token and doubles while the prefix holds too few
    /// tokens, up to `MAX_PREFIX_BYTES_PER_TOKEN`; `interrupt` is asked before each try.
    /// A text whose widest window still holds fewer tokens (mostly whitespace, or one
    /// unbroken string) is read from that window only.
    ///
    /// Exact for BERT's WordPiece tokenizers: their normaliser works character by character
    /// and no token spans whitespace or punctuation, so a prefix cut there tokenises to a
    /// prefix of the whole text's tokens; the only cut inside a word is in a word of over
    /// 100 characters, which WordPiece reads as one [UNK] whatever its length.
    pub fn needed_prefix<'t>(&self, text: &'t str, interrupt: &dyn Interrupt) -> Result<&'t str> {
        let mut window = self.max_len.saturating_mul(PREFIX_BYTES_PER_TOKEN);
        let widest = self.max_len.saturating_mul(MAX_PREFIX_BYTES_PER_TOKEN);
        loop {
            let prefix = word_prefix(text, window);
            if prefix.len() == text.len() || window >= widest {
                return Ok(prefix);
            }
            interrupt.check()?;
            // Without special tokens and truncated at max_len, the prefix reaches max_len
            // tokens only if it holds at least that many: more than truncation keeps of a
            // single text (max_len - 2) or of either side of a pair (max_len - 3).
            let encoding = self.inner.encode(prefix, false).map_err(|e| EngineError::Tokenizer(e.to_string()))?;
            if encoding.len() >= self.max_len {
                return Ok(prefix);
            }
            window = window.saturating_mul(2).min(widest);
        }
    }
}

/// Characters of the longest word WordPiece splits into pieces (BERT's
/// `max_input_chars_per_word`); a longer word becomes one [UNK].
const WORDPIECE_MAX_WORD_CHARS: usize = 100;

/// The longest prefix of `text` of at most `max_bytes` bytes that ends at a word boundary:
/// before whitespace or ASCII punctuation, where BERT's pre-tokenizer splits. When the last
/// word that would be cut is longer than WordPiece's longest word, the prefix ends inside
/// it instead (the whole word and its cut part are both one [UNK]), so a text with no
/// boundary is still cut near `max_bytes`.
fn word_prefix(text: &str, max_bytes: usize) -> &str {
    if text.len() <= max_bytes {
        return text;
    }
    let mut end = max_bytes;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let splits = |c: char| c.is_whitespace() || c.is_ascii_punctuation();
    let cut = if text[end..].starts_with(splits) {
        end
    } else {
        match text[..end].rfind(splits) {
            // The boundary character, then the word that would be cut.
            Some(i) if text[i..end].chars().take(WORDPIECE_MAX_WORD_CHARS + 2).count() <= WORDPIECE_MAX_WORD_CHARS + 1 => i,
            _ => end,
        }
    };
    &text[..cut]
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
    fn a_word_prefix_ends_before_whitespace_or_punctuation() {
        assert_eq!(word_prefix("short text", 100), "short text");
        assert_eq!(word_prefix("alpha beta gamma", 12), "alpha beta");
        assert_eq!(word_prefix("alpha beta gamma", 10), "alpha beta", "the next character is a space");
        assert_eq!(word_prefix("alpha,beta", 8), "alpha", "before the comma");
        // Never inside a multi-byte character: "é" is bytes 1..3.
        assert_eq!(word_prefix("aé b", 2), "a");
    }

    #[test]
    fn a_word_longer_than_wordpiece_reads_is_cut_inside() {
        let run = "x".repeat(500);
        let text = format!("start {run} end");
        // The word that would be cut is over 100 characters: cut at the byte limit.
        assert_eq!(word_prefix(&text, 300).len(), 300);
        // A text with no boundary at all is still cut at the limit, not read whole.
        assert_eq!(word_prefix(&run, 256).len(), 256);
        // A word of up to 100 characters is never cut.
        let text = format!("start {} end", "y".repeat(100));
        assert_eq!(word_prefix(&text, 60), "start");
    }

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
