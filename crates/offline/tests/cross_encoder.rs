//! The cross-encoder: loading checkpoint layouts, scoring, pair handling, and training it
//! on a tiny generated BERT; plus the real all-MiniLM-L6-v2 as its base (installed by
//! models/fetch.sh; set RESONANCE_MODEL_DIR to test another installation).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use candle_core::{Device, Tensor};
use candle_nn::VarMap;

use resonance_engine::bf16_linear::MatmulPrecision;
use resonance_engine::cross_encoder::CrossEncoder;
use resonance_engine::error::EngineError;
use resonance_engine::interrupt::Uninterrupted;
use resonance_engine::model_files::BASE_BI_ENCODER;
use resonance_engine::tokenization::TextTokenizer;
use resonance_offline::training::losses::binary_cross_entropy;
use resonance_offline::training::optimizer::AdamWConfig;
use resonance_engine::rng::Rng;
use resonance_offline::training::tiny_model::{scratch_dir, TinyBert};
use resonance_offline::training::trainer::{Trainer, TrainerConfig};
use resonance_engine::weights::{load_delta, save_delta, TrainableScope};

const WORDS: [&str; 10] = ["good", "bad", "alpha", "beta", "gamma", "delta", "nurse", "chef", "python", "sql"];

/// A generated checkpoint directory, removed when dropped.
struct Checkpoint(PathBuf);

impl Checkpoint {
    fn write(label: &str, spec: TinyBert) -> Self {
        let dir = scratch_dir(label);
        spec.write(&dir).unwrap();
        Self(dir)
    }

    fn classifier(label: &str) -> Self {
        Self::write(label, TinyBert::new(&WORDS, 1).with_classifier(1))
    }

    /// Rewrites model.safetensors without the tensors named in `drop`.
    fn without(self, drop: &[&str]) -> Self {
        let path = self.0.join("model.safetensors");
        let mut tensors = candle_core::safetensors::load(&path, &Device::Cpu).unwrap();
        for name in drop {
            assert!(tensors.remove(*name).is_some(), "{name} was not there to drop");
        }
        candle_core::safetensors::save(&tensors, &path).unwrap();
        self
    }
}

impl Drop for Checkpoint {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn load_error(dir: &Path) -> String {
    CrossEncoder::load(dir, 16, MatmulPrecision::F32).err().expect("load must fail").to_string()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

// ---- loading ----

#[test]
fn loads_a_sequence_classification_checkpoint_with_bert_prefix() {
    let ckpt = Checkpoint::classifier("ce-load");
    let model = CrossEncoder::load(&ckpt.0, 16, MatmulPrecision::F32).unwrap();
    let scores = model.score_batch("python", &["python sql", "chef", "nurse good"], &Uninterrupted).unwrap();
    assert_eq!(scores.len(), 3);
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{scores:?}");
    assert!(max_abs_diff(&scores, &[scores[0]; 3]) > 1e-5, "a random model still tells texts apart");
}

#[test]
fn missing_classifier_weights_are_a_clear_error() {
    let ckpt = Checkpoint::classifier("ce-no-classifier").without(&["classifier.weight", "classifier.bias"]);
    let err = load_error(&ckpt.0);
    assert!(err.contains("classifier.weight is missing") && err.contains("model.safetensors"), "{err}");
}

#[test]
fn missing_classifier_bias_or_pooler_is_a_clear_error() {
    let ckpt = Checkpoint::classifier("ce-no-bias").without(&["classifier.bias"]);
    assert!(load_error(&ckpt.0).contains("classifier.bias is missing"));
    let ckpt = Checkpoint::classifier("ce-no-pooler").without(&["bert.pooler.dense.weight"]);
    assert!(load_error(&ckpt.0).contains("bert.pooler.dense.weight is missing"));
}

#[test]
fn multi_label_classifier_is_refused() {
    let ckpt = Checkpoint::write("ce-two-labels", TinyBert::new(&WORDS, 1).with_classifier(2));
    let err = load_error(&ckpt.0);
    assert!(err.contains("2 labels") && err.contains("num_labels 1"), "{err}");
}

#[test]
fn bare_encoder_is_refused_by_load_and_accepted_by_from_bi_encoder() {
    let ckpt = Checkpoint::write("ce-bare", TinyBert::new(&WORDS, 1));
    let err = load_error(&ckpt.0);
    assert!(err.contains("bare encoder") && err.contains("not a cross-encoder"), "{err}");
    let model = CrossEncoder::from_bi_encoder(&ckpt.0, 16, 3).unwrap();
    assert_eq!(model.score_batch("alpha", &["beta"], &Uninterrupted).unwrap().len(), 1);
}

#[test]
fn missing_files_and_bad_lengths_are_errors() {
    assert!(matches!(
        CrossEncoder::load(Path::new("/nonexistent/model"), 16, MatmulPrecision::F32),
        Err(EngineError::MissingModelFile { .. })
    ));
    let ckpt = Checkpoint::classifier("ce-no-tokenizer");
    assert!(matches!(CrossEncoder::load(&ckpt.0, 1000, MatmulPrecision::F32), Err(EngineError::InvalidInput(_))), "beyond 64 positions");
    std::fs::remove_file(ckpt.0.join("tokenizer.json")).unwrap();
    assert!(matches!(CrossEncoder::load(&ckpt.0, 16, MatmulPrecision::F32), Err(EngineError::MissingModelFile { .. })));
    let not_bert = Checkpoint::classifier("ce-not-bert").without(&["bert.embeddings.word_embeddings.weight"]);
    assert!(load_error(&not_bert.0).contains("not a BERT checkpoint"));
}

#[test]
fn head_from_bi_encoder_is_seeded() {
    let ckpt = Checkpoint::write("ce-seeded", TinyBert::new(&WORDS, 1));
    let docs = ["beta gamma", "nurse"];
    let a = CrossEncoder::from_bi_encoder(&ckpt.0, 16, 7).unwrap().score_batch("alpha", &docs, &Uninterrupted).unwrap();
    let b = CrossEncoder::from_bi_encoder(&ckpt.0, 16, 7).unwrap().score_batch("alpha", &docs, &Uninterrupted).unwrap();
    let c = CrossEncoder::from_bi_encoder(&ckpt.0, 16, 8).unwrap().score_batch("alpha", &docs, &Uninterrupted).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

// ---- scoring ----

#[test]
fn score_pairs_is_invariant_to_batching_and_order() {
    let ckpt = Checkpoint::classifier("ce-order");
    let model = CrossEncoder::load(&ckpt.0, 16, MatmulPrecision::F32).unwrap();
    let docs = ["python sql good", "chef", "nurse beta gamma delta alpha", "sql", "bad bad bad", "", "gamma python"];
    let alone: Vec<f32> = docs.iter().map(|d| model.score_batch("python", &[d], &Uninterrupted).unwrap()[0]).collect();
    for batch_size in [1, 3, 100] {
        let batched = model.score_pairs("python", &docs, batch_size, &Uninterrupted, |_, _| Ok(())).unwrap();
        assert!(max_abs_diff(&alone, &batched) < 1e-5, "batch size {batch_size}: {batched:?} vs {alone:?}");
    }
    let mut order: Vec<usize> = (0..docs.len()).collect();
    Rng::new(3).shuffle(&mut order);
    let shuffled: Vec<&str> = order.iter().map(|&i| docs[i]).collect();
    let scores = model.score_pairs("python", &shuffled, 2, &Uninterrupted, |_, _| Ok(())).unwrap();
    let expected: Vec<f32> = order.iter().map(|&i| alone[i]).collect();
    assert!(max_abs_diff(&scores, &expected) < 1e-5);
}

#[test]
fn score_pairs_reports_progress_and_stops_when_told() {
    let ckpt = Checkpoint::classifier("ce-cancel");
    let model = CrossEncoder::load(&ckpt.0, 16, MatmulPrecision::F32).unwrap();
    let docs = ["a", "b", "c", "d", "e"];
    let mut calls = Vec::new();
    model
        .score_pairs("q", &docs, 2, &Uninterrupted, |done, total| {
            calls.push((done, total));
            Ok(())
        })
        .unwrap();
    assert_eq!(calls, vec![(0, 5), (2, 5), (4, 5)]);
    let result = model.score_pairs("q", &docs, 2, &Uninterrupted, |done, _| if done > 0 { Err(EngineError::Canceled) } else { Ok(()) });
    assert!(matches!(result, Err(EngineError::Canceled)));
    assert!(model.score_pairs("q", &[], 2, &Uninterrupted, |_, _| Ok(())).unwrap().is_empty());
}

#[test]
fn score_pairs_scores_a_repeated_document_once() {
    let ckpt = Checkpoint::classifier("ce-repeat");
    let model = CrossEncoder::load(&ckpt.0, 16, MatmulPrecision::F32).unwrap();
    let docs = ["sql", "chef", "sql", "sql", "chef"];
    let mut total_seen = 0;
    let scores = model
        .score_pairs("python", &docs, 2, &Uninterrupted, |_, total| {
            total_seen = total;
            Ok(())
        })
        .unwrap();
    assert_eq!(total_seen, 2, "two distinct documents, two passes' worth of work");
    assert_eq!(scores.len(), docs.len());
    assert_eq!((scores[0], scores[2], scores[3]), (scores[0], scores[0], scores[0]));
    assert_eq!(scores[1], scores[4]);
    assert!((scores[0] - model.score_batch("python", &["sql"], &Uninterrupted).unwrap()[0]).abs() < 1e-5);
}

#[test]
fn pair_order_matters() {
    let ckpt = Checkpoint::classifier("ce-swap");
    let model = CrossEncoder::load(&ckpt.0, 16, MatmulPrecision::F32).unwrap();
    let forward = model.score_batch("nurse chef", &["python sql"], &Uninterrupted).unwrap()[0];
    let swapped = model.score_batch("python sql", &["nurse chef"], &Uninterrupted).unwrap()[0];
    assert!((forward - swapped).abs() > 1e-5, "{forward} vs {swapped}");
}

#[test]
fn pairs_carry_segment_ids_and_truncation_keeps_both_sides() {
    let ckpt = Checkpoint::classifier("ce-segments");
    let tokenizer = TextTokenizer::from_file(&ckpt.0.join("tokenizer.json"), 10).unwrap();
    let query = "alpha ".repeat(20);
    let doc = "beta ".repeat(30);
    let batch = tokenizer.encode_pairs(&[(query.as_str(), doc.as_str()), ("chef", "nurse")], &Device::Cpu, &Uninterrupted).unwrap();
    let types = batch.token_type_ids.to_vec2::<u32>().unwrap();
    let ids = batch.input_ids.to_vec2::<u32>().unwrap();
    assert_eq!(ids[0].len(), 10, "truncated to max_len with the special tokens");
    // [CLS] 3 x alpha [SEP] 4 x beta [SEP]: both sides keep tokens, the longer one keeps more.
    assert_eq!(types[0], vec![0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert_eq!(ids[0], vec![2, 7, 7, 7, 3, 8, 8, 8, 8, 3]);
    assert_eq!(types[1][..5], [0, 0, 0, 1, 1], "short pair: [CLS] chef [SEP] nurse [SEP]");
}

// ---- training ----

/// The tiny task: a document is relevant when it contains "good".
fn labelled_batch(rng: &mut Rng, size: usize) -> (Vec<String>, Vec<f32>) {
    let docs: Vec<String> = (0..size)
        .map(|_| {
            let filler: Vec<&str> = (0..3).map(|_| WORDS[2 + rng.below(WORDS.len() - 2)]).collect();
            format!("{} {}", WORDS[rng.below(2)], filler.join(" "))
        })
        .collect();
    let labels = docs.iter().map(|d| if d.starts_with("good") { 1.0 } else { 0.0 }).collect();
    (docs, labels)
}

fn loss_on(model: &CrossEncoder, docs: &[String], labels: &[f32]) -> Tensor {
    let pairs: Vec<(&str, &str)> = docs.iter().map(|d| ("python", d.as_str())).collect();
    let targets = Tensor::new(labels, &Device::Cpu).unwrap();
    binary_cross_entropy(&model.pair_logits(&pairs).unwrap(), &targets).unwrap()
}

fn train_tiny(base: &Path, scope: TrainableScope, steps: usize, vars: &VarMap) -> CrossEncoder {
    let model = CrossEncoder::for_training(base, 16, scope, 5, vars).unwrap();
    let config = TrainerConfig {
        total_steps: steps,
        warmup_steps: 2,
        optimizer: AdamWConfig { learning_rate: 3e-3, ..Default::default() },
        seed: 5,
        checkpoint_every: 0,
    };
    let mut trainer = Trainer::new(vars, config, None).unwrap();
    trainer
        .train_until(
            steps,
            |step| {
                let (docs, labels) = labelled_batch(&mut Rng::for_step(5, step), 16);
                Ok((loss_on(&model, &docs, &labels), docs.len()))
            },
            |_| {},
        )
        .unwrap();
    model
}

#[test]
fn smoke_training_learns_the_tiny_task() {
    let base = Checkpoint::write("ce-smoke", TinyBert::new(&WORDS, 2));
    let (eval_docs, eval_labels) = labelled_batch(&mut Rng::new(999), 64);
    let untrained = CrossEncoder::from_bi_encoder(&base.0, 16, 5).unwrap();
    let before = loss_on(&untrained, &eval_docs, &eval_labels).to_scalar::<f32>().unwrap();
    let vars = VarMap::new();
    let trained = train_tiny(&base.0, TrainableScope::Full, 40, &vars);
    let after = loss_on(&trained, &eval_docs, &eval_labels).to_scalar::<f32>().unwrap();
    assert!(after < 0.5 * before, "held-out loss {before} -> {after}");
    let docs: Vec<&str> = eval_docs.iter().map(String::as_str).collect();
    let scores = trained.score_pairs("python", &docs, 16, &Uninterrupted, |_, _| Ok(())).unwrap();
    let correct = scores.iter().zip(&eval_labels).filter(|(s, l)| (**s > 0.5) == (**l > 0.5)).count();
    assert!(correct >= 58, "{correct}/64 held-out pairs right");
}

#[test]
fn delta_holds_only_trained_tensors_and_reloads_over_the_base() {
    let base = Checkpoint::write("ce-delta", TinyBert::new(&WORDS, 2));
    let vars = VarMap::new();
    let trained = train_tiny(&base.0, TrainableScope::TopLayers(1), 6, &vars);
    let delta = base.0.join("delta.safetensors");
    save_delta(&vars, &delta).unwrap();
    let mut names: Vec<String> = load_delta(&delta).unwrap().into_keys().collect();
    names.sort();
    assert!(names.iter().all(|n| n.starts_with("bert.encoder.layer.1.")
        || n.starts_with("bert.pooler.")
        || n.starts_with("classifier.")));
    assert!(
        names.contains(&"classifier.weight".to_string())
            && names.contains(&"bert.encoder.layer.1.output.dense.weight".to_string())
    );

    let reloaded = CrossEncoder::from_bi_encoder_with_delta(&base.0, &delta, 16, MatmulPrecision::F32).unwrap();
    let docs = ["good alpha beta", "bad gamma", "good"];
    let want = trained.score_batch("python", &docs, &Uninterrupted).unwrap();
    let got = reloaded.score_batch("python", &docs, &Uninterrupted).unwrap();
    assert!(max_abs_diff(&want, &got) < 1e-6, "{want:?} vs {got:?}");
    assert!(
        max_abs_diff(
            &got,
            &CrossEncoder::from_bi_encoder(&base.0, 16, 5).unwrap().score_batch("python", &docs, &Uninterrupted).unwrap()
        ) > 1e-4
    );

    // A delta without the head would silently reuse the base's pooler: refused.
    let mut headless: HashMap<String, Tensor> = load_delta(&delta).unwrap();
    headless.retain(|name, _| !name.starts_with("classifier."));
    candle_core::safetensors::save(&headless, &delta).unwrap();
    let err = CrossEncoder::from_bi_encoder_with_delta(&base.0, &delta, 16, MatmulPrecision::F32).err().unwrap().to_string();
    assert!(err.contains("delta lacks the trained head"), "{err}");
    assert!(matches!(
        CrossEncoder::from_bi_encoder_with_delta(&base.0, &base.0.join("nope.safetensors"), 16, MatmulPrecision::F32),
        Err(EngineError::MissingModelFile { .. })
    ));
}

#[test]
fn head_scope_trains_only_pooler_and_classifier() {
    let base = Checkpoint::write("ce-head", TinyBert::new(&WORDS, 2));
    let vars = VarMap::new();
    CrossEncoder::for_training(&base.0, 16, TrainableScope::Head, 5, &vars).unwrap();
    let mut names: Vec<String> = vars.data().lock().unwrap().keys().cloned().collect();
    names.sort();
    assert_eq!(
        names,
        vec!["bert.pooler.dense.bias", "bert.pooler.dense.weight", "classifier.bias", "classifier.weight"]
    );
}

// ---- the real base model ----

fn minilm_dir() -> PathBuf {
    let root =
        std::env::var("RESONANCE_MODEL_DIR").unwrap_or_else(|_| "/usr/share/postgresql/15/resonance/models".into());
    PathBuf::from(root).join(BASE_BI_ENCODER)
}

#[test]
fn minilm_is_a_base_not_a_cross_encoder() {
    let err = CrossEncoder::load(&minilm_dir(), 256, MatmulPrecision::F32).err().expect("MiniLM has no classifier").to_string();
    assert!(err.contains("bare encoder"), "{err}");
    let model = CrossEncoder::from_bi_encoder(&minilm_dir(), 256, 1).unwrap();
    let docs = ["Senior Python developer, Django and PostgreSQL", "Pastry chef"];
    let scores = model.score_pairs("Backend engineer with Python", &docs, 32, &Uninterrupted, |_, _| Ok(())).unwrap();
    assert_eq!(scores.len(), 2);
    assert!(scores.iter().all(|s| (0.0..=1.0).contains(s)), "{scores:?}");
    let again = CrossEncoder::from_bi_encoder(&minilm_dir(), 256, 1)
        .unwrap()
        .score_batch("Backend engineer with Python", &docs, &Uninterrupted)
        .unwrap();
    assert!(max_abs_diff(&scores, &again) < 1e-6, "same seed, same head");
}

#[test]
fn minilm_pair_truncation_keeps_both_sides() {
    let tokenizer = TextTokenizer::from_file(&minilm_dir().join("tokenizer.json"), 32).unwrap();
    let resume = "experienced nurse ".repeat(50);
    let job = "intensive care unit ".repeat(50);
    let batch = tokenizer.encode_pairs(&[(resume.as_str(), job.as_str())], &Device::Cpu, &Uninterrupted).unwrap();
    let types = &batch.token_type_ids.to_vec2::<u32>().unwrap()[0];
    assert_eq!(types.len(), 32);
    let second = types.iter().filter(|&&t| t == 1).count();
    // 29 text tokens split 14 / 15 (LongestFirst), plus [CLS] [SEP] on side 0 and [SEP] on side 1.
    assert_eq!((32 - second, second), (16, 16));
}

#[test]
fn the_cost_of_a_process_s_first_pass_is_not_remembered() {
    use resonance_engine::cross_encoder::BatchedReranker;
    use resonance_engine::matching::PairScorer;
    let ckpt = Checkpoint::classifier("ce-cold-pass");
    let model = CrossEncoder::load(&ckpt.0, 16, MatmulPrecision::F32).unwrap();
    let reranker = BatchedReranker { model: std::rc::Rc::new(model), batch_size: 8 };
    reranker.score("python", &["sql"], &Uninterrupted).unwrap();
    reranker.observe_ms_per_pair(100.0);
    assert_eq!(reranker.recent_ms_per_pair(), None, "the first pass pays cold pages: its cost is not kept");
    reranker.score("python", &["chef"], &Uninterrupted).unwrap();
    reranker.observe_ms_per_pair(40.0);
    assert_eq!(reranker.recent_ms_per_pair(), Some(40.0), "later passes are remembered");
}
