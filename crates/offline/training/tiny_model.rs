//! A tiny BERT checkpoint written on the fly (config.json, a whitespace WordLevel
//! tokenizer.json, seeded random model.safetensors): tests and smoke runs of the whole
//! load/train/save path in milliseconds, with no model download.

use std::path::{Path, PathBuf};

use candle_nn::VarMap;
use serde_json::json;

use resonance_engine::weights::{save_delta, write_failed, FreshInit, TrainableSelection, WeightStack};
use resonance_engine::bert::{BertConfig, BertModel, BertSequenceClassifier};
use resonance_engine::error::{EngineError, Result};

/// Special tokens, ids 0..5, in BERT's roles.
const SPECIAL_TOKENS: [&str; 5] = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"];

#[derive(Debug, Clone)]
pub struct TinyBert {
    /// The vocabulary after the special tokens (lower case: the tokenizer lowercases).
    pub words: Vec<String>,
    pub hidden_size: usize,
    pub layers: usize,
    pub heads: usize,
    pub max_positions: usize,
    pub seed: u64,
    /// Standard deviation of the random matrices. Larger than BERT's 0.02 makes outputs
    /// differ visibly between inputs, which tests of input handling need.
    pub init_std: f64,
    /// None: a bare encoder (sentence-transformers layout). Some(n): BertForSequenceClassification
    /// with `bert.` prefix, pooler and an n-label classifier.
    pub classifier_labels: Option<usize>,
}

impl TinyBert {
    /// 2 layers, hidden 32, 4 heads over `words`.
    pub fn new(words: &[&str], seed: u64) -> Self {
        Self {
            words: words.iter().map(|w| w.to_lowercase()).collect(),
            hidden_size: 32,
            layers: 2,
            heads: 4,
            max_positions: 64,
            seed,
            init_std: 0.2,
            classifier_labels: None,
        }
    }

    /// Writes the sequence-classifier layout with a `labels`-output classifier.
    pub fn with_classifier(mut self, labels: usize) -> Self {
        self.classifier_labels = Some(labels);
        self
    }

    /// The model configuration this spec describes.
    pub fn config(&self) -> BertConfig {
        BertConfig {
            vocab_size: SPECIAL_TOKENS.len() + self.words.len(),
            hidden_size: self.hidden_size,
            num_hidden_layers: self.layers,
            num_attention_heads: self.heads,
            intermediate_size: 2 * self.hidden_size,
            max_position_embeddings: self.max_positions,
            type_vocab_size: 2,
            layer_norm_eps: 1e-12,
            hidden_act: "gelu".into(),
        }
    }

    /// Writes config.json, tokenizer.json and model.safetensors into `dir` (created).
    pub fn write(&self, dir: &Path) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| write_failed(dir, e))?;
        let config = self.config();
        let config_json = json!({
            "architectures": [if self.classifier_labels.is_some() { "BertForSequenceClassification" } else { "BertModel" }],
            "model_type": "bert",
            "vocab_size": config.vocab_size,
            "hidden_size": config.hidden_size,
            "num_hidden_layers": config.num_hidden_layers,
            "num_attention_heads": config.num_attention_heads,
            "intermediate_size": config.intermediate_size,
            "max_position_embeddings": config.max_position_embeddings,
            "type_vocab_size": config.type_vocab_size,
            "layer_norm_eps": config.layer_norm_eps,
            "hidden_act": config.hidden_act,
        });
        write_json(&dir.join("config.json"), &config_json)?;
        write_json(&dir.join("tokenizer.json"), &self.tokenizer_json())?;
        self.write_weights(&config, &dir.join("model.safetensors"))
    }

    /// Seeded weights of every tensor the layout needs, written to `path`.
    fn write_weights(&self, config: &BertConfig, path: &Path) -> Result<()> {
        let vars = VarMap::new();
        let vb = WeightStack::new()
            .with_fresh_init(FreshInit { seed: self.seed, std: self.init_std, prefixes: vec![String::new()] })
            .with_trainable(TrainableSelection::new([""]), vars.clone())
            .into_var_builder();
        match self.classifier_labels {
            None => drop(BertModel::load(vb, config)?),
            Some(1) => drop(BertSequenceClassifier::load(vb, config)?),
            Some(labels) => {
                // The engine only builds one-label classifiers; other label counts exist
                // so tests can check they are refused.
                BertModel::load(vb.pp("bert"), config)?;
                candle_nn::linear(config.hidden_size, config.hidden_size, vb.pp("bert").pp("pooler").pp("dense"))?;
                candle_nn::linear(config.hidden_size, labels, vb.pp("classifier"))?;
            }
        }
        save_delta(&vars, path)
    }

    /// A WordLevel tokenizer over the vocabulary: lowercase, split on whitespace and
    /// punctuation, and BERT's [CLS]/[SEP] templates with segment ids for pairs.
    fn tokenizer_json(&self) -> serde_json::Value {
        let vocab: serde_json::Map<String, serde_json::Value> = SPECIAL_TOKENS
            .iter()
            .map(|s| s.to_string())
            .chain(self.words.iter().cloned())
            .enumerate()
            .map(|(id, token)| (token, json!(id)))
            .collect();
        let added: Vec<serde_json::Value> = SPECIAL_TOKENS
            .iter()
            .enumerate()
            .map(|(id, t)| json!({"id": id, "content": t, "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}))
            .collect();
        let special = |token: &str, type_id: u32| json!({"SpecialToken": {"id": token, "type_id": type_id}});
        let sequence = |id: &str, type_id: u32| json!({"Sequence": {"id": id, "type_id": type_id}});
        json!({
            "version": "1.0",
            "truncation": null,
            "padding": null,
            "added_tokens": added,
            "normalizer": {"type": "Lowercase"},
            "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)],
                "pair": [special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0), sequence("B", 1), special("[SEP]", 1)],
                "special_tokens": {
                    "[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]},
                    "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}
                }
            },
            "decoder": null,
            "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"}
        })
    }
}

/// Pretty-printed JSON to `path`.
fn write_json(path: &Path, value: &serde_json::Value) -> Result<()> {
    let text = serde_json::to_vec_pretty(value).map_err(|e| EngineError::InvalidInput(e.to_string()))?;
    std::fs::write(path, text).map_err(|e| write_failed(path, e))
}

/// A fresh, empty directory under the system temp dir, unique to this process and call,
/// for tests and smoke runs. The caller removes it.
pub fn scratch_dir(label: &str) -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("resonance-{label}-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_engine::interrupt::Uninterrupted;
    use resonance_engine::model_files::ModelFiles;
    use resonance_engine::tokenization::TextTokenizer;

    #[test]
    fn written_checkpoint_loads_and_tokenizes_pairs() {
        let dir = scratch_dir("tiny-write");
        TinyBert::new(&["apple", "pie"], 1).write(&dir).unwrap();
        let files = ModelFiles::new(&dir).unwrap();
        assert_eq!(files.config().unwrap().hidden_size, 32);
        let tokenizer = TextTokenizer::from_file(&files.tokenizer_path(), 16).unwrap();
        let batch = tokenizer.encode_pairs(&[("Apple", "pie zebra")], &candle_core::Device::Cpu, &Uninterrupted).unwrap();
        // [CLS] apple [SEP] pie [UNK] [SEP]
        assert_eq!(batch.input_ids.to_vec2::<u32>().unwrap(), vec![vec![2, 5, 3, 6, 1, 3]]);
        assert_eq!(batch.token_type_ids.to_vec2::<u32>().unwrap(), vec![vec![0, 0, 0, 1, 1, 1]]);
        BertModel::load(files.weights().unwrap(), &files.config().unwrap()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn same_seed_writes_the_same_weights() {
        let (a, b) = (scratch_dir("tiny-a"), scratch_dir("tiny-b"));
        TinyBert::new(&["x"], 5).write(&a).unwrap();
        TinyBert::new(&["x"], 5).write(&b).unwrap();
        let wa = std::fs::read(a.join("model.safetensors")).unwrap();
        let wb = std::fs::read(b.join("model.safetensors")).unwrap();
        assert_eq!(wa, wb);
        std::fs::remove_dir_all(&a).unwrap();
        std::fs::remove_dir_all(&b).unwrap();
    }
}
