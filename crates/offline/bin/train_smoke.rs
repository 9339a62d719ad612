//! Time per training step of the cross-encoder and the bi-encoder on all-MiniLM-L6-v2 for
//! each choice of trainable tensors (head only, top 2 layers, full model), and the size
//! of the delta each choice would ship. Batches are 16 examples of 128 tokens: 16 pairs
//! for the cross-encoder, 16 queries + 16 positives (in-batch InfoNCE) for the bi-encoder.
//!
//! Usage: train_smoke [model_dir] [steps] [only]   (threads from RAYON_NUM_THREADS / CANDLE_NUM_THREADS)
//! "cached_pooled" trains the bi-encoder's head on pooled states computed once.
//! Each measurement is one warm-up step and `steps` (default 3) timed steps; `only` keeps
//! the lines containing it (e.g. "cross_encoder scope=TopLayers(2)"), to time or profile one.

use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::{Device, Tensor};
use candle_nn::VarMap;
use clap::Parser;

use resonance_engine::cross_encoder::CrossEncoder;
use resonance_engine::error::Result;
use resonance_engine::interrupt::Uninterrupted;
use resonance_engine::model_files::BASE_BI_ENCODER;
use resonance_offline::cli::INSTALLED_MODELS;
use resonance_offline::training::trainable_bi_encoder::TrainableBiEncoder;
use resonance_offline::training::losses::{binary_cross_entropy, info_nce, DEFAULT_TEMPERATURE};
use resonance_offline::training::optimizer::AdamWConfig;
use resonance_offline::training::trainer::{Trainer, TrainerConfig};
use resonance_engine::weights::{trained_tensors, TrainableScope};

const BATCH: usize = 16;
const TOKENS: usize = 128;
const SENTENCE: &str =
    "experienced engineer building reliable data pipelines with python and sql for analytics teams. ";

/// Texts long enough that every one is cut at TOKENS (16 tokens per sentence repeat).
fn texts(label: &str) -> Vec<String> {
    (0..BATCH).map(|i| format!("{label} {i} {}", SENTENCE.repeat(12))).collect()
}

/// The command line.
#[derive(Parser, Debug)]
#[command(name = "train_smoke", about = "Time per training step for each choice of trainable tensors")]
struct Args {
    /// The models directory holding all-minilm-l6-v2
    #[arg(value_name = "MODEL_DIR", default_value = INSTALLED_MODELS)]
    models: PathBuf,
    /// Timed steps per measurement
    #[arg(value_name = "STEPS", default_value_t = 3)]
    steps: usize,
    /// Keep only the lines containing this
    #[arg(value_name = "ONLY", default_value = "")]
    only: String,
}

fn main() -> Result<()> {
    let Args { models, steps, only } = Args::parse();
    let dir = models.join(BASE_BI_ENCODER);
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "default".into());
    let wanted = |line: &str| line.contains(only.as_str());
    let report = |line: String, timing: Result<String>| -> Result<()> {
        println!("{line} {}", timing?);
        Ok(())
    };
    let line = format!("cross_encoder inference threads={threads} batch={BATCH}x{TOKENS}");
    if wanted(&line) {
        report(line, time_inference(&dir, steps).map(|ms| format!("forward_ms={ms:.0}")))?;
    }
    for scope in [TrainableScope::Head, TrainableScope::TopLayers(2), TrainableScope::Full] {
        let line = format!("cross_encoder scope={scope:?} threads={threads} batch={BATCH}x{TOKENS}");
        if wanted(&line) {
            report(line, time_cross_encoder(&dir, scope, steps).map(|t| t.to_string()))?;
        }
        let line = format!("bi_encoder scope={scope:?} threads={threads} batch={BATCH}+{BATCH}x{TOKENS}");
        if wanted(&line) {
            report(line, time_bi_encoder(&dir, scope, steps).map(|t| t.to_string()))?;
        }
        let line = format!("bi_encoder scope={scope:?} cached_pooled threads={threads} batch={BATCH}+{BATCH}");
        if scope == TrainableScope::Head && wanted(&line) {
            report(line, time_cached_head(&dir, steps).map(|t| t.to_string()))?;
        }
    }
    Ok(())
}

/// A schedule that covers the warm-up step and the timed ones.
fn trainer_config(steps: usize) -> TrainerConfig {
    TrainerConfig {
        total_steps: steps + 1,
        warmup_steps: 0,
        optimizer: AdamWConfig::default(),
        seed: 1,
        checkpoint_every: 0,
    }
}

/// What one configuration measured.
struct Timing {
    /// Mean milliseconds per timed step: forward, backward, AdamW update.
    step_ms: f64,
    /// Of which the forward pass (tokenising included).
    forward_ms: f64,
    /// Bytes of the trained tensors: the delta this choice ships (f32).
    delta_bytes: usize,
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "step_ms={:.0} forward_ms={:.0} delta_mb={:.1}",
            self.step_ms,
            self.forward_ms,
            self.delta_bytes as f64 / 1e6
        )
    }
}

/// Times `steps` training steps after one warm-up step.
fn time_steps<L>(vars: &VarMap, steps: usize, mut batch_loss: L) -> Result<Timing>
where
    L: FnMut() -> Result<Tensor>,
{
    let mut trainer = Trainer::new(vars, trainer_config(steps), None)?;
    trainer.train_until(1, |_| Ok((batch_loss()?, BATCH)), |_| {})?;
    let mut forward_secs = 0.0;
    let mut timed_loss = || {
        let started = Instant::now();
        let loss = batch_loss();
        forward_secs += started.elapsed().as_secs_f64();
        loss.map(|l| (l, BATCH))
    };
    let started = Instant::now();
    trainer.train_until(steps + 1, |_| timed_loss(), |r| eprintln!("  {r}"))?;
    Ok(Timing {
        step_ms: started.elapsed().as_secs_f64() * 1e3 / steps as f64,
        forward_ms: forward_secs * 1e3 / steps as f64,
        delta_bytes: trained_tensors(vars).values().map(|t| t.elem_count() * 4).sum(),
    })
}

/// Milliseconds of one inference forward pass of the cross-encoder (no gradients), the
/// reference the training steps compare with; mean of `steps` after a warm-up.
fn time_inference(dir: &Path, steps: usize) -> Result<f64> {
    let model = CrossEncoder::from_bi_encoder(dir, TOKENS, 1)?;
    let (queries, docs) = (texts("query"), texts("document"));
    let docs: Vec<&str> = docs.iter().map(String::as_str).collect();
    model.score_batch(&queries[0], &docs, &Uninterrupted)?;
    let started = Instant::now();
    for _ in 0..steps {
        model.score_batch(&queries[0], &docs, &Uninterrupted)?;
    }
    Ok(started.elapsed().as_secs_f64() * 1e3 / steps as f64)
}

/// Cross-encoder steps: BCE over 16 (query, document) pairs.
fn time_cross_encoder(dir: &Path, scope: TrainableScope, steps: usize) -> Result<Timing> {
    let vars = VarMap::new();
    let model = CrossEncoder::for_training(dir, TOKENS, scope, 1, &vars)?;
    let (queries, docs) = (texts("query"), texts("document"));
    let pairs: Vec<(&str, &str)> = queries.iter().zip(&docs).map(|(q, d)| (q.as_str(), d.as_str())).collect();
    let labels = Tensor::new((0..BATCH).map(|i| (i % 2) as f32).collect::<Vec<_>>(), &Device::Cpu)?;
    time_steps(&vars, steps, || binary_cross_entropy(&model.pair_logits(&pairs)?, &labels))
}

/// Bi-encoder steps: in-batch InfoNCE over 16 queries and their 16 positives.
fn time_bi_encoder(dir: &Path, scope: TrainableScope, steps: usize) -> Result<Timing> {
    let vars = VarMap::new();
    let model = TrainableBiEncoder::for_training(dir, TOKENS, scope, &vars)?;
    let (queries, positives) = (texts("query"), texts("positive"));
    let q: Vec<&str> = queries.iter().map(String::as_str).collect();
    let p: Vec<&str> = positives.iter().map(String::as_str).collect();
    time_steps(&vars, steps, || info_nce(&model.embed(&q)?, &model.embed(&p)?, None, DEFAULT_TEMPERATURE, true))
}

/// The head scope trained on pooled states computed once: what a head-only run does when
/// its texts repeat across steps.
fn time_cached_head(dir: &Path, steps: usize) -> Result<Timing> {
    let vars = VarMap::new();
    let model = TrainableBiEncoder::for_training(dir, TOKENS, TrainableScope::Head, &vars)?;
    let (queries, positives) = (texts("query"), texts("positive"));
    let q: Vec<&str> = queries.iter().map(String::as_str).collect();
    let p: Vec<&str> = positives.iter().map(String::as_str).collect();
    let (q, p) = (model.pooled(&q)?.detach(), model.pooled(&p)?.detach());
    time_steps(&vars, steps, || info_nce(&model.project(&q)?, &model.project(&p)?, None, DEFAULT_TEMPERATURE, true))
}
