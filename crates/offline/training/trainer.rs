//! The training loop: schedule, AdamW, progress reports and resumable checkpoints.
//!
//! The loop knows nothing of the model or data: the caller hands it a function from the
//! step number to that step's loss, so batch k is the same whether the run was
//! interrupted or not (draw it from `Rng::for_step(seed, k)`). A checkpoint is a
//! directory `step-NNNNNN/` holding the trained tensors (`trainable.safetensors`, the
//! same format as a shipped delta), the optimizer moments (`optimizer.safetensors`) and
//! `state.json`; the file `latest` names the newest complete one.

use std::path::{Path, PathBuf};
use std::time::Instant;

use candle_core::Tensor;
use candle_nn::VarMap;
use serde::{Deserialize, Serialize};

use super::optimizer::{AdamW, AdamWConfig};
use super::schedule::LinearSchedule;
use resonance_engine::weights::{assign, load_delta, save_delta, write_failed};
use resonance_engine::error::{EngineError, Result};
use resonance_engine::model_files::read;

const TRAINABLE_FILE: &str = "trainable.safetensors";
const OPTIMIZER_FILE: &str = "optimizer.safetensors";
const STATE_FILE: &str = "state.json";
const LATEST_FILE: &str = "latest";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainerConfig {
    pub total_steps: usize,
    pub warmup_steps: usize,
    pub optimizer: AdamWConfig,
    /// The run's seed: recorded in checkpoints so a resume with another seed is refused.
    pub seed: u64,
    /// Write a checkpoint every this many steps (0: only when `train_until` returns).
    pub checkpoint_every: usize,
}

/// What a checkpoint's state.json holds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckpointState {
    /// Updates done: the next step to run.
    pub step: usize,
    pub config: TrainerConfig,
}

/// One line of progress.
#[derive(Debug, Clone, PartialEq)]
pub struct StepReport {
    /// 1-based number of the update just done.
    pub step: usize,
    pub total_steps: usize,
    pub loss: f32,
    pub learning_rate: f64,
    pub grad_norm: f64,
    pub examples_per_sec: f64,
}

impl std::fmt::Display for StepReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "step {}/{} loss {:.4} lr {:.2e} grad_norm {:.3} examples/s {:.1}",
            self.step, self.total_steps, self.loss, self.learning_rate, self.grad_norm, self.examples_per_sec
        )
    }
}

pub struct Trainer {
    config: TrainerConfig,
    schedule: LinearSchedule,
    vars: VarMap,
    optimizer: AdamW,
    step: usize,
    checkpoint_dir: Option<PathBuf>,
}

impl Trainer {
    /// A run from step 0 over the vars of `vars`, checkpointing into `checkpoint_dir`.
    pub fn new(vars: &VarMap, config: TrainerConfig, checkpoint_dir: Option<&Path>) -> Result<Self> {
        if config.total_steps == 0 {
            return Err(EngineError::InvalidInput("total_steps must be at least 1".into()));
        }
        let schedule = LinearSchedule {
            peak: config.optimizer.learning_rate,
            warmup_steps: config.warmup_steps,
            total_steps: config.total_steps,
        };
        Ok(Self {
            optimizer: AdamW::new(vars, config.optimizer.clone())?,
            config,
            schedule,
            vars: vars.clone(),
            step: 0,
            checkpoint_dir: checkpoint_dir.map(Path::to_path_buf),
        })
    }

    /// Continues the run whose latest checkpoint is in `checkpoint_dir`: sets the vars and
    /// the optimizer to their saved values. The configuration must be the one the run
    /// started with, or the schedule and data order would not continue it.
    pub fn resume(vars: &VarMap, config: TrainerConfig, checkpoint_dir: &Path) -> Result<Self> {
        let mut trainer = Self::new(vars, config, Some(checkpoint_dir))?;
        let dir = latest_checkpoint(checkpoint_dir)?;
        let state_path = dir.join(STATE_FILE);
        let state: CheckpointState = serde_json::from_slice(&read(&state_path)?)
            .map_err(|e| EngineError::CorruptModelFile { path: state_path.clone(), reason: e.to_string() })?;
        if state.config != trainer.config {
            return Err(EngineError::InvalidInput(format!(
                "checkpoint {} was written by another configuration: {:?}, this run has {:?}",
                dir.display(),
                state.config,
                trainer.config
            )));
        }
        assign(vars, &load_delta(&dir.join(TRAINABLE_FILE))?, &dir.join(TRAINABLE_FILE))?;
        let optimizer_path = dir.join(OPTIMIZER_FILE);
        trainer.optimizer.restore(&load_delta(&optimizer_path)?, state.step, &optimizer_path)?;
        trainer.step = state.step;
        Ok(trainer)
    }

    /// Updates done so far.
    pub fn step(&self) -> usize {
        self.step
    }

    pub fn config(&self) -> &TrainerConfig {
        &self.config
    }

    /// Runs updates until `stop` (at most `total_steps`) are done. `batch_loss(step)`
    /// returns the loss of batch `step` and how many examples it holds; `on_step` gets a
    /// report after each update. Checkpoints every `checkpoint_every` steps and at the end.
    pub fn train_until<L, P>(&mut self, stop: usize, mut batch_loss: L, mut on_step: P) -> Result<()>
    where
        L: FnMut(usize) -> Result<(Tensor, usize)>,
        P: FnMut(&StepReport),
    {
        let stop = stop.min(self.config.total_steps);
        while self.step < stop {
            let started = Instant::now();
            let learning_rate = self.schedule.learning_rate(self.step);
            let (loss, examples) = batch_loss(self.step)?;
            let loss_value = loss.to_scalar::<f32>()?;
            if !loss_value.is_finite() {
                return Err(EngineError::InvalidInput(format!("loss is {loss_value} at step {}", self.step)));
            }
            let grad_norm = self.optimizer.step(&loss.backward()?, learning_rate)?;
            self.step += 1;
            on_step(&StepReport {
                step: self.step,
                total_steps: self.config.total_steps,
                loss: loss_value,
                learning_rate,
                grad_norm,
                examples_per_sec: examples as f64 / started.elapsed().as_secs_f64().max(1e-9),
            });
            if self.config.checkpoint_every > 0 && self.step.is_multiple_of(self.config.checkpoint_every) {
                self.checkpoint()?;
            }
        }
        self.checkpoint()
    }

    /// Writes a checkpoint of the current step into the checkpoint directory, if any.
    pub fn checkpoint(&self) -> Result<()> {
        let Some(root) = &self.checkpoint_dir else { return Ok(()) };
        let name = format!("step-{:06}", self.step);
        let dir = root.join(&name);
        std::fs::create_dir_all(&dir).map_err(|e| write_failed(&dir, e))?;
        save_delta(&self.vars, &dir.join(TRAINABLE_FILE))?;
        let optimizer_path = dir.join(OPTIMIZER_FILE);
        candle_core::safetensors::save(&self.optimizer.moments(), &optimizer_path)
            .map_err(|e| write_failed(&optimizer_path, e))?;
        let state = CheckpointState { step: self.step, config: self.config.clone() };
        let state_json = serde_json::to_vec_pretty(&state).expect("plain data serialises");
        std::fs::write(dir.join(STATE_FILE), state_json).map_err(|e| write_failed(&dir, e))?;
        // `latest` moves only once the checkpoint is complete; rename is atomic, so a crash
        // leaves it naming either the old or the new checkpoint, never a half-written one.
        let pending = root.join(format!("{LATEST_FILE}.tmp"));
        std::fs::write(&pending, &name).map_err(|e| write_failed(&pending, e))?;
        std::fs::rename(&pending, root.join(LATEST_FILE)).map_err(|e| write_failed(root, e))?;
        remove_older_checkpoints(root, &name);
        Ok(())
    }
}

/// The directory `latest` points at.
pub fn latest_checkpoint(root: &Path) -> Result<PathBuf> {
    let pointer = root.join(LATEST_FILE);
    if !pointer.exists() {
        return Err(EngineError::InvalidInput(format!("no checkpoint to resume from in {}", root.display())));
    }
    let name = String::from_utf8(read(&pointer)?)
        .map_err(|e| EngineError::CorruptModelFile { path: pointer.clone(), reason: e.to_string() })?;
    let name = name.trim();
    if name.is_empty() || name.contains('/') || name.contains("..") {
        return Err(EngineError::CorruptModelFile { path: pointer, reason: format!("names no checkpoint: {name:?}") });
    }
    Ok(root.join(name))
}

/// Keeps disk use at one checkpoint. Failing to delete an old one is harmless.
fn remove_older_checkpoints(root: &Path, keep: &str) {
    let Ok(entries) = std::fs::read_dir(root) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with("step-") && name != keep {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_engine::cross_encoder::CrossEncoder;
    use crate::training::losses::binary_cross_entropy;
    use resonance_engine::rng::Rng;
    use crate::training::tiny_model::{scratch_dir, TinyBert};
    use resonance_engine::weights::{trained_tensors, TrainableScope};

    const WORDS: [&str; 6] = ["good", "bad", "alpha", "beta", "gamma", "delta"];

    fn config() -> TrainerConfig {
        let optimizer = AdamWConfig { learning_rate: 1e-2, ..Default::default() };
        TrainerConfig { total_steps: 4, warmup_steps: 1, optimizer, seed: 42, checkpoint_every: 0 }
    }

    /// A fresh trainable cross-encoder on the tiny checkpoint in `dir`.
    fn model(dir: &Path) -> (CrossEncoder, VarMap) {
        let vars = VarMap::new();
        (CrossEncoder::for_training(dir, 16, TrainableScope::TopLayers(1), 42, &vars).unwrap(), vars)
    }

    /// Batch `step`: four random pairs, relevant when the document says "good".
    fn batch_loss(model: &CrossEncoder, step: usize) -> Result<(Tensor, usize)> {
        let mut rng = Rng::for_step(42, step);
        let docs: Vec<String> =
            (0..4).map(|_| format!("{} {}", WORDS[rng.below(2)], WORDS[2 + rng.below(4)])).collect();
        let pairs: Vec<(&str, &str)> = docs.iter().map(|d| ("alpha", d.as_str())).collect();
        let labels: Vec<f32> = docs.iter().map(|d| if d.starts_with("good") { 1.0 } else { 0.0 }).collect();
        let loss = binary_cross_entropy(&model.pair_logits(&pairs)?, &Tensor::new(labels, &candle_core::Device::Cpu)?)?;
        Ok((loss, pairs.len()))
    }

    fn max_diff(a: &VarMap, b: &VarMap) -> f32 {
        let (a, b) = (trained_tensors(a), trained_tensors(b));
        assert_eq!(a.len(), b.len());
        a.iter()
            .map(|(name, t)| (t - &b[name]).unwrap().abs().unwrap().max_all().unwrap().to_scalar::<f32>().unwrap())
            .fold(0.0, f32::max)
    }

    #[test]
    fn resumed_run_ends_where_an_uninterrupted_one_does() {
        let base = scratch_dir("resume-base");
        TinyBert::new(&WORDS, 7).with_classifier(1).write(&base).unwrap();
        let (whole_ckpt, split_ckpt) = (scratch_dir("resume-whole"), scratch_dir("resume-split"));

        let (whole, whole_vars) = model(&base);
        let mut reports = Vec::new();
        let mut trainer = Trainer::new(&whole_vars, config(), Some(&whole_ckpt)).unwrap();
        trainer.train_until(4, |s| batch_loss(&whole, s), |r| reports.push(r.clone())).unwrap();
        assert_eq!(reports.iter().map(|r| r.step).collect::<Vec<_>>(), vec![1, 2, 3, 4]);

        let (first, first_vars) = model(&base);
        Trainer::new(&first_vars, config(), Some(&split_ckpt))
            .unwrap()
            .train_until(2, |s| batch_loss(&first, s), |_| {})
            .unwrap();
        let (untrained, untrained_vars) = model(&base);
        drop(untrained);
        assert!(max_diff(&first_vars, &untrained_vars) > 1e-4, "two steps changed nothing");

        let (second, second_vars) = model(&base);
        let mut resumed = Trainer::resume(&second_vars, config(), &split_ckpt).unwrap();
        assert_eq!(resumed.step(), 2);
        assert_eq!(max_diff(&second_vars, &first_vars), 0.0, "resume restores the checkpointed weights");
        resumed.train_until(4, |s| batch_loss(&second, s), |_| {}).unwrap();

        let diff = max_diff(&whole_vars, &second_vars);
        assert!(diff < 1e-6, "2 + 2 steps differ from 4 steps by {diff}");
        assert_eq!(latest_checkpoint(&split_ckpt).unwrap(), split_ckpt.join("step-000004"));
        assert!(!split_ckpt.join("step-000002").exists(), "older checkpoints are removed");
        for dir in [base, whole_ckpt, split_ckpt] {
            std::fs::remove_dir_all(dir).unwrap();
        }
    }

    #[test]
    fn resume_refuses_another_configuration_or_no_checkpoint() {
        let base = scratch_dir("refuse-base");
        TinyBert::new(&WORDS, 7).with_classifier(1).write(&base).unwrap();
        let ckpt = scratch_dir("refuse-ckpt");
        let (_, vars) = model(&base);
        assert!(matches!(Trainer::resume(&vars, config(), &ckpt), Err(EngineError::InvalidInput(_))));
        let (m, vars) = model(&base);
        Trainer::new(&vars, config(), Some(&ckpt)).unwrap().train_until(1, |s| batch_loss(&m, s), |_| {}).unwrap();
        let other_seed = TrainerConfig { seed: 1, ..config() };
        let err = Trainer::resume(&vars, other_seed, &ckpt).err().expect("seed differs");
        assert!(err.to_string().contains("another configuration"), "{err}");
        // Another trainable selection: the tensor names differ.
        let full_vars = VarMap::new();
        CrossEncoder::for_training(&base, 16, TrainableScope::Full, 42, &full_vars).unwrap();
        assert!(Trainer::resume(&full_vars, config(), &ckpt).is_err());
        std::fs::remove_dir_all(base).unwrap();
        std::fs::remove_dir_all(ckpt).unwrap();
    }

    #[test]
    fn non_finite_loss_stops_the_run() {
        let vars = VarMap::new();
        vars.data()
            .lock()
            .unwrap()
            .insert("w".into(), candle_core::Var::ones(1, candle_core::DType::F32, &candle_core::Device::Cpu).unwrap());
        let w = vars.data().lock().unwrap()["w"].as_tensor().clone();
        let mut trainer = Trainer::new(&vars, config(), None).unwrap();
        let result = trainer.train_until(1, |_| Ok(((w.sum_all()? / 0.0)?, 1)), |_| {});
        assert!(result.is_err());
        assert_eq!(trainer.step(), 0);
    }

    #[test]
    fn zero_steps_is_an_error() {
        let vars = VarMap::new();
        vars.data()
            .lock()
            .unwrap()
            .insert("w".into(), candle_core::Var::ones(1, candle_core::DType::F32, &candle_core::Device::Cpu).unwrap());
        assert!(Trainer::new(&vars, TrainerConfig { total_steps: 0, ..config() }, None).is_err());
    }
}
