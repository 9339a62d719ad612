//! The bi-encoder in training form: the same BERT, mean pooling and L2 normalisation as
//! `engine::bi_encoder::BiEncoder`, but returning embeddings as tensors that gradients
//! flow through, with an optional projection head.
//!
//! The head is residual, x + W x + b, with W and b starting at zero, so training starts
//! exactly at the base model's embeddings and the head only learns a correction. It
//! exists only with [`TrainableScope::Head`]; with the other scopes the model is plain
//! BERT and a trained delta loads into `BiEncoder::from_parts` unchanged.

use std::path::Path;

use candle_core::{Device, Module, Tensor};
use candle_nn::{Init, Linear, VarBuilder, VarMap};

use resonance_engine::weights::{load_delta, FreshInit, TrainableScope, WeightStack, BERT_INIT_STD};
use resonance_engine::bert::{BertConfig, BertModel};
use resonance_engine::bi_encoder::BiEncoder;
use resonance_engine::error::{EngineError, Result};
use resonance_engine::interrupt::Uninterrupted;
use resonance_engine::model_files::ModelFiles;
use resonance_engine::pooling::{l2_normalize, masked_mean};
use resonance_engine::tokenization::TextTokenizer;

/// Name prefix of the projection head's tensors.
pub const HEAD_PREFIX: &str = "head.";

/// x + dense(x), dense zero-initialised.
struct ResidualHead {
    dense: Linear,
}

impl ResidualHead {
    /// A size x size head, zero unless `vb` holds trained values.
    fn load(vb: VarBuilder, size: usize) -> candle_core::Result<Self> {
        let weight = vb.get_with_hints((size, size), "dense.weight", Init::Const(0.0))?;
        let bias = vb.get_with_hints(size, "dense.bias", Init::Const(0.0))?;
        Ok(Self { dense: Linear::new(weight, Some(bias)) })
    }

    fn forward(&self, x: &Tensor) -> candle_core::Result<Tensor> {
        x + self.dense.forward(x)?
    }
}

pub struct TrainableBiEncoder {
    bert: BertModel,
    head: Option<ResidualHead>,
    tokenizer: TextTokenizer,
}

impl TrainableBiEncoder {
    /// The bi-encoder checkpoint in `dir` (sentence-transformers layout) with the `scope`
    /// tensors registered as `Var`s in `vars`.
    pub fn for_training(dir: &Path, max_seq_length: usize, scope: TrainableScope, vars: &VarMap) -> Result<Self> {
        let files = ModelFiles::new(dir)?;
        let config: BertConfig = files.config()?;
        let selection = scope.selection("", config.num_hidden_layers, &[HEAD_PREFIX])?;
        // The head's init is all constants (zeros), so its seed draws nothing.
        let head_init = FreshInit { seed: 0, std: BERT_INIT_STD, prefixes: vec![HEAD_PREFIX.to_string()] };
        let vb = WeightStack::new()
            .with_base(files.weight_tensors()?, "")
            .with_fresh_init(head_init)
            .with_trainable(selection, vars.clone())
            .into_var_builder();
        let corrupt =
            |e: candle_core::Error| EngineError::CorruptModelFile { path: files.weights_path(), reason: e.to_string() };
        let bert = BertModel::load(vb.clone(), &config).map_err(corrupt)?;
        let head = match scope {
            TrainableScope::Head => Some(ResidualHead::load(vb.pp("head"), config.hidden_size).map_err(corrupt)?),
            _ => None,
        };
        let tokenizer = TextTokenizer::from_file(&files.tokenizer_path(), max_seq_length)?;
        Ok(Self { bert, head, tokenizer })
    }

    /// Unit-length embeddings of `texts`, [texts, hidden], in one forward pass.
    pub fn embed(&self, texts: &[&str]) -> Result<Tensor> {
        self.project(&self.pooled(texts)?)
    }

    /// Mean-pooled encoder states of `texts` before the head, [texts, hidden]. With the
    /// head scope nothing below the head trains, so a caller can compute these once per
    /// text (detached) and train the head on them with [`Self::project`] alone.
    pub fn pooled(&self, texts: &[&str]) -> Result<Tensor> {
        if texts.is_empty() {
            return Err(EngineError::InvalidInput("no texts to embed".into()));
        }
        let batch = self.tokenizer.encode_texts(texts, &Device::Cpu, &Uninterrupted)?;
        let hidden = self.bert.forward(&batch.input_ids, &batch.token_type_ids, &batch.attention_mask)?;
        Ok(masked_mean(&hidden, &batch.attention_mask)?)
    }

    /// The head (if any) and L2 normalisation over pooled states.
    pub fn project(&self, pooled: &Tensor) -> Result<Tensor> {
        let projected = match &self.head {
            Some(head) => head.forward(pooled)?,
            None => pooled.clone(),
        };
        Ok(l2_normalize(&projected)?)
    }
}

/// The inference `BiEncoder` of the checkpoint in `dir` with the trained layers of `delta`
/// (from `weights::save_delta`) over it. A delta with a projection head is refused: the
/// inference bi-encoder has no head.
pub fn bi_encoder_with_delta(dir: &Path, delta: &Path, max_seq_length: usize) -> Result<BiEncoder> {
    let overlay = load_delta(delta)?;
    if overlay.keys().any(|name| name.starts_with(HEAD_PREFIX)) {
        return Err(EngineError::CorruptModelFile {
            path: delta.to_path_buf(),
            reason: "the delta holds a projection head, which the inference bi-encoder does not apply".into(),
        });
    }
    let files = ModelFiles::new(dir)?;
    let config = files.config()?;
    let vb = WeightStack::new().with_base(files.weight_tensors()?, "").with_overlay(overlay).into_var_builder();
    let bert = BertModel::load(vb, &config)
        .map_err(|e| EngineError::CorruptModelFile { path: delta.to_path_buf(), reason: e.to_string() })?;
    Ok(BiEncoder::from_parts(bert, TextTokenizer::from_file(&files.tokenizer_path(), max_seq_length)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::training::losses::{info_nce, DEFAULT_TEMPERATURE};
    use crate::training::optimizer::AdamWConfig;
    use resonance_engine::rng::Rng;
    use resonance_engine::bf16_linear::MatmulPrecision;
    use crate::training::tiny_model::{scratch_dir, TinyBert};
    use crate::training::trainer::{Trainer, TrainerConfig};

    const WORDS: [&str; 10] = ["nurse", "chef", "pilot", "baker", "judge", "alpha", "beta", "gamma", "delta", "omega"];

    fn names(vars: &VarMap) -> Vec<String> {
        let mut n: Vec<String> = vars.data().lock().unwrap().keys().cloned().collect();
        n.sort();
        n
    }

    #[test]
    fn head_starts_as_the_identity_and_only_the_scope_trains() {
        let dir = scratch_dir("bi-head");
        TinyBert::new(&WORDS, 4).write(&dir).unwrap();
        let vars = VarMap::new();
        let trainable = TrainableBiEncoder::for_training(&dir, 16, TrainableScope::Head, &vars).unwrap();
        assert_eq!(names(&vars), vec!["head.dense.bias", "head.dense.weight"]);
        let texts = ["nurse alpha", "chef beta gamma"];
        let reference = BiEncoder::load(&dir, 16, MatmulPrecision::F32).unwrap().encode_batch(&texts, &Uninterrupted).unwrap();
        let got = trainable.embed(&texts).unwrap().to_vec2::<f32>().unwrap();
        for (a, b) in reference.iter().flatten().zip(got.iter().flatten()) {
            assert!((a - b).abs() < 1e-5);
        }
        let layer_vars = VarMap::new();
        TrainableBiEncoder::for_training(&dir, 16, TrainableScope::TopLayers(1), &layer_vars).unwrap();
        assert!(names(&layer_vars).iter().all(|n| n.starts_with("encoder.layer.1.")));
        assert!(trainable.embed(&[]).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// Batch of (occupation word, text about it) pairs: a query should find its own text
    /// among the others'.
    fn pairs(rng: &mut Rng) -> (Vec<String>, Vec<String>) {
        let mut occupations: Vec<&str> = WORDS[..5].to_vec();
        rng.shuffle(&mut occupations);
        let filler = |rng: &mut Rng| WORDS[5 + rng.below(5)];
        let queries = occupations.iter().map(|o| format!("{o} {}", filler(rng))).collect();
        let positives = occupations.iter().map(|o| format!("{} {o} {}", filler(rng), filler(rng))).collect();
        (queries, positives)
    }

    fn loss(model: &TrainableBiEncoder, queries: &[String], positives: &[String]) -> Result<Tensor> {
        let q: Vec<&str> = queries.iter().map(String::as_str).collect();
        let p: Vec<&str> = positives.iter().map(String::as_str).collect();
        info_nce(&model.embed(&q)?, &model.embed(&p)?, None, DEFAULT_TEMPERATURE, true)
    }

    #[test]
    fn smoke_training_lowers_info_nce() {
        let dir = scratch_dir("bi-smoke");
        TinyBert::new(&WORDS, 4).write(&dir).unwrap();
        let vars = VarMap::new();
        let model = TrainableBiEncoder::for_training(&dir, 16, TrainableScope::Full, &vars).unwrap();
        let (eval_q, eval_p) = pairs(&mut Rng::new(1234));
        let before = loss(&model, &eval_q, &eval_p).unwrap().to_scalar::<f32>().unwrap();
        let config = TrainerConfig {
            total_steps: 30,
            warmup_steps: 3,
            optimizer: AdamWConfig { learning_rate: 3e-3, ..Default::default() },
            seed: 9,
            checkpoint_every: 0,
        };
        let mut trainer = Trainer::new(&vars, config, None).unwrap();
        trainer
            .train_until(
                30,
                |step| {
                    let (q, p) = pairs(&mut Rng::for_step(9, step));
                    Ok((loss(&model, &q, &p)?, q.len()))
                },
                |_| {},
            )
            .unwrap();
        let after = loss(&model, &eval_q, &eval_p).unwrap().to_scalar::<f32>().unwrap();
        assert!(after < 0.5 * before, "held-out InfoNCE {before} -> {after}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn trained_layers_reload_into_the_inference_bi_encoder() {
        use resonance_engine::weights::save_delta;
        let dir = scratch_dir("bi-delta");
        TinyBert::new(&WORDS, 4).write(&dir).unwrap();
        let vars = VarMap::new();
        let model = TrainableBiEncoder::for_training(&dir, 16, TrainableScope::TopLayers(1), &vars).unwrap();
        let config = TrainerConfig {
            total_steps: 3,
            warmup_steps: 0,
            optimizer: AdamWConfig { learning_rate: 1e-2, ..Default::default() },
            seed: 2,
            checkpoint_every: 0,
        };
        Trainer::new(&vars, config, None)
            .unwrap()
            .train_until(
                3,
                |step| {
                    let (q, p) = pairs(&mut Rng::for_step(2, step));
                    Ok((loss(&model, &q, &p)?, q.len()))
                },
                |_| {},
            )
            .unwrap();
        let delta = dir.join("delta.safetensors");
        save_delta(&vars, &delta).unwrap();
        let texts = ["nurse alpha", "baker omega delta"];
        let reloaded = bi_encoder_with_delta(&dir, &delta, 16).unwrap().encode_batch(&texts, &Uninterrupted).unwrap();
        let trained = model.embed(&texts).unwrap().to_vec2::<f32>().unwrap();
        let base = BiEncoder::load(&dir, 16, MatmulPrecision::F32).unwrap().encode_batch(&texts, &Uninterrupted).unwrap();
        let diff = |a: &[Vec<f32>], b: &[Vec<f32>]| {
            a.iter().flatten().zip(b.iter().flatten()).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
        };
        assert!(diff(&reloaded, &trained) < 1e-5, "delta reload differs from the trained model");
        assert!(diff(&reloaded, &base) > 1e-4, "training changed nothing");

        let head_vars = VarMap::new();
        TrainableBiEncoder::for_training(&dir, 16, TrainableScope::Head, &head_vars).unwrap();
        save_delta(&head_vars, &delta).unwrap();
        let err = bi_encoder_with_delta(&dir, &delta, 16).err().expect("head refused").to_string();
        assert!(err.contains("projection head"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
