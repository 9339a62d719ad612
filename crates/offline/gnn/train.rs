//! Self-supervised training by link prediction, and the evaluation that decides whether the
//! GNN is worth keeping.
//!
//! Each step takes a minibatch of training pairs as positives, removes them from the message
//! graph for that step (so the model learns to predict links it cannot see, as it must for
//! the held-out ones), draws as many negatives, and minimises binary cross-entropy on the
//! cosine logits of the output embeddings. Every epoch ends with the validation AUC; the best
//! epoch's weights are kept, and the test pairs are scored once, at the end.

use std::time::Instant;

use candle_core::{Device, Tensor};

use crate::evaluation::auc::{auc_standard_error, roc_auc};
use super::input::SkillNodes;
use super::links::{MessageGraph, NodePair, SkillLinks};
use super::model::{pair_cosines, GatConfig, SkillGat};
use resonance_engine::rng::Rng as SeededRng;
use super::split::{split_links, LinkSplit, NegativeSampler, SplitFractions};
use resonance_engine::error::{EngineError, Result};
use crate::training::optimizer::{AdamW, AdamWConfig};

/// Everything a training run depends on.
#[derive(Debug, Clone, serde::Serialize)]
pub struct TrainConfig {
    pub gat: GatConfig,
    /// Upper bound on passes over the training pairs.
    pub epochs: usize,
    /// Steps per epoch: each step takes 1/steps_per_epoch of the training pairs as its
    /// positives (as many negatives are drawn) and hides them from message passing, so the
    /// cost of an epoch is this many full-graph passes whatever the graph's size.
    pub steps_per_epoch: usize,
    pub learning_rate: f64,
    pub weight_decay: f64,
    /// Weight of the anchor loss, mean(1 - cos(output, input)) over all skills, which holds the
    /// enriched embeddings near the bi-encoder's (0 = link prediction alone).
    pub anchor_weight: f64,
    /// Epochs without a better validation AUC before stopping.
    pub patience: usize,
    pub seed: u64,
    pub fractions: SplitFractions,
    /// Stop after this many seconds of training even if epochs remain (the machine is
    /// shared); a run cut short this way is no longer reproducible from the seed alone.
    pub time_budget_seconds: Option<f64>,
}

impl TrainConfig {
    /// Defaults for `input_dim`-long embeddings.
    pub fn for_dim(input_dim: usize) -> Self {
        Self {
            gat: GatConfig::for_dim(input_dim),
            // 20: on the dev graph (2,751 skills, 40,581 pairs) the validation AUC gains under
            // 0.0005 per epoch after epoch 12, and 20 epochs take 2-3 minutes on the shared CPU.
            epochs: 20,
            // 8: a step hides 12.5 % of the training pairs from message passing, close to the
            // 15 % held out for validation and test, so training sees the sparsity it is
            // tested under. On the dev graph (34.5k training pairs, 4.3k per step) 17 steps of
            // 2,048 reached a lower validation AUC in the same 50 s (0.984 against 0.987).
            steps_per_epoch: 8,
            // 5e-3: with Adam's usual 1e-3 the dev graph's validation AUC after 20 epochs was
            // 0.978 instead of 0.984.
            learning_rate: 5e-3,
            // AdamW's customary 0.01.
            weight_decay: 0.01,
            // 1.0: in 15-epoch runs on the dev graph it kept the mean cosine to the input at 0.91
            // (0.55 without) for a test AUC of 0.982 instead of 0.990.
            anchor_weight: 1.0,
            patience: 4,
            seed: 42,
            fractions: SplitFractions::default(),
            time_budget_seconds: None,
        }
    }
}

/// What one epoch did, for progress output.
#[derive(Debug, Clone)]
pub struct EpochLog {
    pub epoch: usize,
    pub steps: usize,
    pub mean_loss: f64,
    pub validation_auc: f64,
    pub seconds: f64,
}

/// Why training stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StopReason {
    Epochs,
    Patience,
    TimeBudget,
}

/// The outcome of a run: AUCs before and after, with their standard errors, and the cost.
#[derive(Debug, Clone, serde::Serialize)]
pub struct LinkPredictionReport {
    pub nodes: usize,
    pub pairs: usize,
    pub train_pairs: usize,
    pub validation_pairs: usize,
    pub test_pairs: usize,
    /// Messages in the training graph, self-loops included.
    pub train_messages: usize,
    pub validation_auc_input: f64,
    pub validation_auc_best: f64,
    pub best_epoch: usize,
    pub test_auc_input: f64,
    pub test_auc_gnn: f64,
    pub test_auc_input_se: f64,
    pub test_auc_gnn_se: f64,
    /// AUC of common-neighbour counts in the same message graph: a graph-only reference.
    pub test_auc_common_neighbours: f64,
    pub epochs_run: usize,
    pub steps: usize,
    pub training_seconds: f64,
    pub seconds_per_step: f64,
    pub parameters: usize,
    pub stop_reason: StopReason,
}

/// Whether the GNN earned its place: its test AUC gain must exceed twice the standard error
/// of the difference, computed as if the two AUCs were independent (Hanley-McNeil; they are
/// positively correlated, so this errs toward "no").
#[derive(Debug, Clone, Copy, serde::Serialize)]
pub struct GnnVerdict {
    pub gain: f64,
    pub required_gain: f64,
    pub helps: bool,
}

impl LinkPredictionReport {
    /// The keep-or-drop decision.
    pub fn verdict(&self) -> GnnVerdict {
        let gain = self.test_auc_gnn - self.test_auc_input;
        let required_gain = 2.0 * (self.test_auc_input_se.powi(2) + self.test_auc_gnn_se.powi(2)).sqrt();
        GnnVerdict { gain, required_gain, helps: gain > required_gain }
    }
}

/// A trained model, the split it was trained and tested on, and the report.
#[derive(Debug)]
pub struct TrainedGat {
    pub model: SkillGat,
    pub split: LinkSplit,
    pub report: LinkPredictionReport,
}

/// Random streams of a run, one per purpose.
const SPLIT_STREAM: u64 = 1;
const INIT_STREAM: u64 = 2;
const STEP_STREAM: u64 = 3;

/// Trains on `links` over `nodes` and evaluates, calling `on_epoch` after each epoch.
pub fn train_link_prediction(
    nodes: &SkillNodes,
    links: &SkillLinks,
    config: &TrainConfig,
    mut on_epoch: impl FnMut(&EpochLog),
) -> Result<TrainedGat> {
    check_config(nodes, links, config)?;
    let device = Device::Cpu;
    let x = input_tensor(nodes, &device)?;
    let split = split_links(links, config.fractions, &mut SeededRng::stream(config.seed, SPLIT_STREAM))?;
    let model = SkillGat::new(config.gat, &mut SeededRng::stream(config.seed, INIT_STREAM))?;
    let sampler = NegativeSampler::new(links, &split);
    let mut rng = SeededRng::stream(config.seed, STEP_STREAM);
    let train_flags = flags(links.pairs().len(), &split.train);
    let train_graph = links.message_graph(&train_flags, &device)?;
    let validation_positives = pairs_of(links, &split.validation);
    let validation_auc_input = cosine_auc(&x, &validation_positives, &split.validation_negatives)?;
    let parameters = model.parameter_count();
    let mut optimiser = AdamW::over(model.owned_named_vars(), optimiser_config(config))?;

    let started = Instant::now();
    let mut best = (validation_auc_input, 0usize, model.snapshot()?);
    let (mut epochs_run, mut steps, mut stop_reason) = (0usize, 0usize, StopReason::Epochs);
    'epochs: for epoch in 1..=config.epochs {
        let epoch_started = Instant::now();
        let mut order = split.train.clone();
        rng.shuffle(&mut order);
        let (mut loss_sum, mut epoch_steps) = (0.0f64, 0usize);
        let batch_pairs = order.len().div_ceil(config.steps_per_epoch);
        for batch in order.chunks(batch_pairs) {
            loss_sum += train_step(
                &model,
                &mut optimiser,
                &x,
                links,
                &train_flags,
                batch,
                &sampler,
                config.anchor_weight,
                &mut rng,
            )?;
            epoch_steps += 1;
            if config.time_budget_seconds.is_some_and(|budget| started.elapsed().as_secs_f64() > budget) {
                stop_reason = StopReason::TimeBudget;
                break;
            }
        }
        steps += epoch_steps;
        epochs_run = epoch;
        let validation_auc =
            embedding_auc(&model, &x, &train_graph, &validation_positives, &split.validation_negatives)?;
        on_epoch(&EpochLog {
            epoch,
            steps: epoch_steps,
            mean_loss: loss_sum / epoch_steps.max(1) as f64,
            validation_auc,
            seconds: epoch_started.elapsed().as_secs_f64(),
        });
        if validation_auc > best.0 {
            best = (validation_auc, epoch, model.snapshot()?);
        } else if epoch - best.1 >= config.patience {
            stop_reason = StopReason::Patience;
            break 'epochs;
        }
        if stop_reason == StopReason::TimeBudget {
            break;
        }
    }
    let training_seconds = started.elapsed().as_secs_f64();
    model.restore(&best.2)?;

    let test_flags = test_graph_flags(links, &split);
    let test_graph = links.message_graph(&test_flags, &device)?;
    let test_positives = pairs_of(links, &split.test);
    let test_auc_input = cosine_auc(&x, &test_positives, &split.test_negatives)?;
    let test_auc_gnn = embedding_auc(&model, &x, &test_graph, &test_positives, &split.test_negatives)?;
    let test_auc_common_neighbours = roc_auc(
        &links.common_neighbour_counts(&test_flags, &test_positives),
        &links.common_neighbour_counts(&test_flags, &split.test_negatives),
    )?;
    let (n_pos, n_neg) = (test_positives.len(), split.test_negatives.len());
    let report = LinkPredictionReport {
        nodes: nodes.len(),
        pairs: links.pairs().len(),
        train_pairs: split.train.len(),
        validation_pairs: split.validation.len(),
        test_pairs: split.test.len(),
        train_messages: train_graph.message_count(),
        validation_auc_input,
        validation_auc_best: best.0,
        best_epoch: best.1,
        test_auc_input,
        test_auc_gnn,
        test_auc_input_se: auc_standard_error(test_auc_input, n_pos, n_neg),
        test_auc_gnn_se: auc_standard_error(test_auc_gnn, n_pos, n_neg),
        test_auc_common_neighbours,
        epochs_run,
        steps,
        training_seconds,
        seconds_per_step: training_seconds / steps.max(1) as f64,
        parameters,
        stop_reason,
    };
    Ok(TrainedGat { model, split, report })
}

/// The optimiser's settings: a constant learning rate, no gradient clipping and decay on
/// every tensor, the settings the defaults above were tuned with (Adam's betas and eps).
fn optimiser_config(config: &TrainConfig) -> AdamWConfig {
    AdamWConfig {
        learning_rate: config.learning_rate,
        weight_decay: config.weight_decay,
        max_grad_norm: None,
        decay_vectors: true,
        ..AdamWConfig::default()
    }
}

/// Refuses configurations and graphs training cannot run on.
fn check_config(nodes: &SkillNodes, links: &SkillLinks, config: &TrainConfig) -> Result<()> {
    if nodes.len() != links.node_count() {
        return Err(EngineError::InvalidInput(format!(
            "{} skills but the links are over {}",
            nodes.len(),
            links.node_count()
        )));
    }
    if nodes.dim() != config.gat.input_dim {
        return Err(EngineError::InvalidInput(format!(
            "embeddings have {} dimensions, the model expects {}",
            nodes.dim(),
            config.gat.input_dim
        )));
    }
    if config.epochs == 0 || config.steps_per_epoch == 0 || config.learning_rate.is_nan() || config.learning_rate <= 0.0
    {
        return Err(EngineError::InvalidInput("epochs, steps per epoch and learning rate must be positive".into()));
    }
    Ok(())
}

/// One optimisation step on the positives `batch` (pair indices); returns the loss.
#[allow(clippy::too_many_arguments)]
fn train_step(
    model: &SkillGat,
    optimiser: &mut AdamW,
    x: &Tensor,
    links: &SkillLinks,
    train_flags: &[bool],
    batch: &[usize],
    sampler: &NegativeSampler,
    anchor_weight: f64,
    rng: &mut SeededRng,
) -> Result<f64> {
    let mut step_flags = train_flags.to_vec();
    for &pair in batch {
        step_flags[pair] = false;
    }
    let graph = links.message_graph(&step_flags, x.device())?;
    let mut scored = pairs_of(links, batch);
    scored.extend(sampler.sample(batch.len(), rng)?);
    let labels: Vec<f32> = (0..scored.len()).map(|i| if i < batch.len() { 1.0 } else { 0.0 }).collect();
    let embeddings = model.forward(x, &graph, Some(rng))?;
    let logits = model.link_logits(&embeddings, &scored)?;
    let mut loss = binary_cross_entropy_with_logits(&logits, &Tensor::from_vec(labels, scored.len(), x.device())?)?;
    if anchor_weight > 0.0 {
        let drift = (1.0 - embeddings.mul(x)?.sum(1)?.mean_all()?)?;
        loss = (loss + (drift * anchor_weight)?)?;
    }
    optimiser.step(&loss.backward()?, optimiser.config().learning_rate)?;
    Ok(f64::from(loss.to_scalar::<f32>()?))
}

/// Mean binary cross-entropy of `logits` against 0/1 `labels`, in the overflow-free form
/// max(z, 0) - z * y + ln(1 + exp(-|z|)) (candle-nn's version takes the log of a sigmoid).
pub fn binary_cross_entropy_with_logits(logits: &Tensor, labels: &Tensor) -> Result<Tensor> {
    let softplus_tail = (logits.abs()?.neg()?.exp()? + 1.0)?.log()?;
    Ok((logits.relu()? - logits.mul(labels)?)?.add(&softplus_tail)?.mean_all()?)
}

/// The enriched embeddings of every skill, with messages over every pair.
pub fn enrich(model: &SkillGat, nodes: &SkillNodes, links: &SkillLinks) -> Result<Vec<Vec<f32>>> {
    let device = Device::Cpu;
    let graph = links.full_message_graph(&device)?;
    Ok(model.forward(&input_tensor(nodes, &device)?, &graph, None)?.to_vec2::<f32>()?)
}

/// Mean cosine between each skill's enriched and input embedding: how far enrichment moved
/// the skills from the bi-encoder's space (1 = not at all).
pub fn mean_cosine_to_input(nodes: &SkillNodes, enriched: &[Vec<f32>]) -> f64 {
    let total: f64 = enriched
        .iter()
        .enumerate()
        .map(|(row, e)| e.iter().zip(nodes.embedding(row)).map(|(a, b)| f64::from(a * b)).sum::<f64>())
        .sum();
    total / enriched.len().max(1) as f64
}

/// The input embeddings as an (N, dim) tensor.
fn input_tensor(nodes: &SkillNodes, device: &Device) -> Result<Tensor> {
    Ok(Tensor::from_slice(nodes.embeddings(), (nodes.len(), nodes.dim()), device)?)
}

/// The pairs that send messages while the test AUC is measured: training and validation
/// pairs, never a test pair (its relation rows would hand the model the answer).
pub fn test_graph_flags(links: &SkillLinks, split: &LinkSplit) -> Vec<bool> {
    flags(links.pairs().len(), &[split.train.as_slice(), &split.validation].concat())
}

/// One flag per pair, set for `indices`.
fn flags(pair_count: usize, indices: &[usize]) -> Vec<bool> {
    let mut out = vec![false; pair_count];
    for &i in indices {
        out[i] = true;
    }
    out
}

/// The node pairs of pair indices `indices`.
fn pairs_of(links: &SkillLinks, indices: &[usize]) -> Vec<NodePair> {
    indices.iter().map(|&i| links.pairs()[i]).collect()
}

/// AUC of the cosine of unit embeddings `embeddings` on positives against negatives.
fn cosine_auc(embeddings: &Tensor, positives: &[NodePair], negatives: &[NodePair]) -> Result<f64> {
    let positive_scores = pair_cosines(embeddings, positives)?.to_vec1::<f32>()?;
    let negative_scores = pair_cosines(embeddings, negatives)?.to_vec1::<f32>()?;
    roc_auc(&positive_scores, &negative_scores)
}

/// AUC of the model's output embeddings over `graph`.
fn embedding_auc(
    model: &SkillGat,
    x: &Tensor,
    graph: &MessageGraph,
    positives: &[NodePair],
    negatives: &[NodePair],
) -> Result<f64> {
    cosine_auc(&model.forward(x, graph, None)?, positives, negatives)
}
