//! Trains the fine-tuned bi-encoder (a projection over the frozen base model's embeddings,
//! `engine::projection`) with InfoNCE on the pairs `train_cross_encoder prepare` built from
//! the TRAIN half of the non-reserved occupations, then measures it on the dev benchmark
//! against the base model: on resumes of EVAL-half occupations (never seen in training) and,
//! labelled optimistic, on all.
//!
//! Usage (scripts/train_bi_encoder.sh runs it after preparing the pairs):
//!   train_bi_encoder --run <dir> --out <dir> [--steps <n>] [--batch <n>] [--learning-rate <lr>]
//!                    [--hard-negatives <k>] [--model <bi-encoder dir>] [--eval-dir <dir>]
//!
//! Reads `<run>/pairs.jsonl`; caches base embeddings in `<run>/bi_*.safetensors`; writes
//! `<out>/projection.safetensors` and `<out>/metrics.json`.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use candle_core::{Device, Tensor};
use clap::Parser;
use candle_nn::VarMap;
use serde_json::{json, Value};

use resonance_offline::cli::{progress, EvalDirFlag, ModelFlag};
use resonance_engine::bi_encoder::BiEncoder;
use resonance_engine::error::Result;
use resonance_engine::model_files::sha256_of_file;
use resonance_offline::evaluation::benchmark::{Benchmark, Track};
use resonance_engine::evaluation::metrics::evaluate;
use resonance_engine::evaluation::run::Run;
use resonance_engine::projection::{Projection, PROJECTION_FILE};
use resonance_offline::retrieval::dense::cosine_scores;
use resonance_offline::training::embedding_cache::cached_embeddings;
use resonance_offline::training::losses::DEFAULT_TEMPERATURE;
use resonance_offline::training::optimizer::AdamWConfig;
use resonance_offline::training::pairs::{half_of, read_pair_file, PairHalf, PairRecord, SPLIT_RULE};
use resonance_offline::training::projection_training::{batch_loss, projection_vars, BatchOrder, ProjectionExample};
use resonance_offline::training::trainer::{Trainer, TrainerConfig};
use resonance_engine::weights::write_failed;

/// Tokens per text, the extension's `resonance.max_seq_length` default: the projection
/// learns on embeddings made the way the extension makes them.
const MAX_SEQ_LENGTH: usize = 256;
/// Steps of a run: with ~900 examples in batches of 64, about 40 epochs; a step takes
/// milliseconds, the run seconds.
const DEFAULT_STEPS: usize = 300;
const DEFAULT_BATCH: usize = 64;
/// Peak learning rate for a zero-initialised 384 x 384 residual map (AdamW's steps are
/// about lr per weight, so 1e-3 moves W by ~0.6 at most over a run).
const DEFAULT_LEARNING_RATE: f64 = 3e-4;
/// Hard negatives per example: the miner writes two (one BM25, one embedding neighbour).
const DEFAULT_HARD_NEGATIVES: usize = 2;
/// AdamW's decay pulls W back towards zero (the identity), keeping the map a correction.
const WEIGHT_DECAY: f64 = 0.01;
const SEED: u64 = 20261122;

/// The command line.
#[derive(Parser, Debug)]
#[command(name = "train_bi_encoder", about = "Trains the bi-encoder's projection on prepared pairs and measures it")]
struct Args {
    /// The run directory holding pairs.jsonl
    #[arg(long, value_name = "DIR")]
    run: PathBuf,
    /// Where projection.safetensors and metrics.json go
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[arg(long, value_name = "N", default_value_t = DEFAULT_STEPS)]
    steps: usize,
    /// Examples per step
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BATCH)]
    batch: usize,
    #[arg(long, value_name = "LR", default_value_t = DEFAULT_LEARNING_RATE)]
    learning_rate: f64,
    /// Hard negatives per example
    #[arg(long, value_name = "K", default_value_t = DEFAULT_HARD_NEGATIVES)]
    hard_negatives: usize,
    #[command(flatten)]
    model: ModelFlag,
    #[command(flatten)]
    eval_dir: EvalDirFlag,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("train_bi_encoder: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Distinct texts (rows of the embedding matrix) and the examples over them: each positive
/// pair with the hard negatives of the same resume (mined ones, or rejections when the file
/// comes from resonance.training_pairs).
fn examples_of(pairs: &[PairRecord]) -> (Vec<String>, Vec<ProjectionExample>) {
    let mut rows: HashMap<String, usize> = HashMap::new();
    let mut texts = Vec::new();
    let mut row = |text: &str| -> usize {
        *rows.entry(text.to_string()).or_insert_with(|| {
            texts.push(text.to_string());
            texts.len() - 1
        })
    };
    let mut negatives: HashMap<usize, Vec<usize>> = HashMap::new();
    let mut positives = Vec::new();
    for p in pairs {
        let (resume, job) = (row(&p.resume), row(&p.job));
        match p.kind.as_str() {
            "positive" => positives.push((resume, job)),
            // In-batch pairs need no rows of their own: the batch supplies its negatives.
            "in_batch" => {}
            _ => negatives.entry(resume).or_default().push(job),
        }
    }
    // A resume with no mined or rejected posting (users' interactions often have none) gets
    // the next example's positive posting of another resume as its hard negative.
    let examples = (0..positives.len())
        .filter_map(|i| {
            let (query, positive) = positives[i];
            let mut hard = negatives.get(&query).cloned().unwrap_or_default();
            if hard.is_empty() {
                let other = (1..positives.len()).map(|d| positives[(i + d) % positives.len()]).find(|p| p.0 != query);
                hard.extend(other.map(|p| p.1).filter(|&job| job != positive));
            }
            (!hard.is_empty()).then_some(ProjectionExample { query, positive, negatives: hard })
        })
        .collect();
    (texts, examples)
}

fn run(args: &Args) -> Result<()> {
    let (run_dir, out) = (&args.run, &args.out);
    std::fs::create_dir_all(out).map_err(|e| write_failed(out, e))?;
    let (steps, batch, learning_rate, hard_negatives) = (args.steps, args.batch, args.learning_rate, args.hard_negatives);
    let (model, eval_dir) = (&args.model.model, &args.eval_dir.eval_dir);
    let pairs = read_pair_file(&run_dir.join("pairs.jsonl"))?;
    let (texts, examples) = examples_of(&pairs);
    let encoder = BiEncoder::load(model, MAX_SEQ_LENGTH, resonance_offline::cli::matmul_precision())?;

    let started = Instant::now();
    let rows = cached_embeddings(&encoder, &texts, &run_dir.join("bi_pair_texts.safetensors"), progress("texts"))?;
    let embed_s = started.elapsed().as_secs_f64();
    let embeddings = Tensor::new(rows, &Device::Cpu)?;

    let started = Instant::now();
    let vars = VarMap::new();
    let (weight, bias) = projection_vars(&vars, embeddings.dim(1)?)?;
    let config = TrainerConfig {
        total_steps: steps,
        warmup_steps: steps / 10,
        optimizer: AdamWConfig { learning_rate, weight_decay: WEIGHT_DECAY, ..AdamWConfig::default() },
        seed: SEED,
        checkpoint_every: 0,
    };
    let order = BatchOrder::new(examples.len(), batch, SEED)?;
    let mut trainer = Trainer::new(&vars, config.clone(), None)?;
    let mut losses = Vec::new();
    trainer.train_until(
        steps,
        |step| {
            let chosen: Vec<&ProjectionExample> = order.batch(step).into_iter().map(|i| &examples[i]).collect();
            Ok((batch_loss(&embeddings, &chosen, hard_negatives, (&weight, &bias), DEFAULT_TEMPERATURE)?, chosen.len()))
        },
        |r| {
            losses.push(r.loss);
            if r.step % 50 == 0 || r.step == r.total_steps {
                eprintln!("{r}");
            }
        },
    )?;
    let train_s = started.elapsed().as_secs_f64();
    let projection_path = out.join(PROJECTION_FILE);
    Projection::save(&weight, &bias, &projection_path)?;
    let projection = Projection::load(&projection_path)?;

    let mut tracks = serde_json::Map::new();
    println!("track\tsubset\tsystem\tnDCG@10\tMRR\tresumes");
    for track in [Track::Onet, Track::EscoIct] {
        // Users training on their own interactions have no dev benchmark: nothing to report.
        if !eval_dir.join(track.dir_name()).is_dir() {
            eprintln!("no {} track under {}: not evaluated", track, eval_dir.display());
            continue;
        }
        let benchmark = Benchmark::load(eval_dir, track)?;
        tracks.insert(track.dir_name().into(), evaluate_track(&benchmark, &encoder, &projection, run_dir)?);
    }
    let tenth = (losses.len() / 10).max(1);
    let record = json!({
        "model": "projection over all-MiniLM-L6-v2 embeddings: normalize(e + W e + b)",
        "base_model": model.display().to_string(),
        "pairs_file": run_dir.join("pairs.jsonl").display().to_string(),
        "texts": texts.len(),
        "examples": examples.len(),
        "loss": format!("InfoNCE, temperature {DEFAULT_TEMPERATURE}, in-batch + {hard_negatives} hard negatives"),
        "batch": batch,
        "trainer": serde_json::to_value(&config).expect("plain data serialises"),
        "loss_first_tenth": losses[..tenth].iter().sum::<f32>() / tenth as f32,
        "loss_last_tenth": losses[losses.len() - tenth..].iter().sum::<f32>() / tenth as f32,
        "timings_s": {"embed_texts": embed_s, "train": train_s},
        "split_rule": SPLIT_RULE,
        "dev": tracks,
        // What its resonance.ml_models row records as config.sha256: the extension refuses a
        // projection file whose sha256 is another (postgres/model_cache.rs).
        "projection_sha256": sha256_of_file(&projection_path)?,
    });
    let metrics_path = out.join("metrics.json");
    std::fs::write(&metrics_path, format!("{record:#}\n")).map_err(|e| write_failed(&metrics_path, e))?;
    println!("{record:#}");
    Ok(())
}

/// nDCG@10 and MRR of the base and the projected bi-encoder ranking every job, on the
/// EVAL-half resumes and on all (optimistic).
fn evaluate_track(benchmark: &Benchmark, encoder: &BiEncoder, projection: &Projection, run_dir: &Path) -> Result<Value> {
    let name = benchmark.track.dir_name();
    let job_texts: Vec<String> = benchmark.jobs.iter().map(|j| j.text()).collect();
    let resume_texts: Vec<String> = benchmark.resumes.iter().map(|r| r.text.clone()).collect();
    let jobs = cached_embeddings(encoder, &job_texts, &run_dir.join(format!("bi_jobs_{name}.safetensors")), progress("dev postings"))?;
    let resumes =
        cached_embeddings(encoder, &resume_texts, &run_dir.join(format!("bi_resumes_{name}.safetensors")), progress("dev resumes"))?;
    let (projected_jobs, projected_resumes) = (projection.apply(&jobs)?, projection.apply(&resumes)?);
    let mut subsets = serde_json::Map::new();
    for (subset, half) in [("eval_half", Some(PairHalf::Eval)), ("all_optimistic", None)] {
        let ids: Vec<&str> = benchmark
            .resumes
            .iter()
            .map(|r| r.id.as_str())
            .filter(|id| half.is_none_or(|h| benchmark.occupations.resume(id).is_some_and(|o| half_of(o) == h)))
            .collect();
        let qrels = benchmark.qrels.subset(&ids);
        let mut systems = serde_json::Map::new();
        for (system, (r, j)) in [("base", (&resumes, &jobs)), ("fine_tuned", (&projected_resumes, &projected_jobs))] {
            let mut run = Run::default();
            for (resume, embedding) in benchmark.resumes.iter().zip(r).filter(|(x, _)| ids.contains(&x.id.as_str())) {
                let scores = cosine_scores(embedding, j);
                run.insert_scores(&resume.id, benchmark.jobs.iter().map(|x| x.id.clone()).zip(scores).collect());
            }
            let report = evaluate(&run, &qrels)?;
            println!(
                "{name}\t{subset}\t{system}\t{:.4} ± {:.4}\t{:.4} ± {:.4}\t{}",
                report.mean.ndcg_at_10, report.ci95.ndcg_at_10, report.mean.mrr, report.ci95.mrr, report.queries
            );
            systems.insert(
                system.into(),
                json!({"nDCG@10": report.mean.ndcg_at_10, "MRR": report.mean.mrr, "resumes": report.queries}),
            );
        }
        subsets.insert(subset.into(), Value::Object(systems));
    }
    Ok(Value::Object(subsets))
}

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_offline::cli::parse_command_line;

    #[test]
    fn scripts_train_bi_encoder_invocation_parses() {
        let line = "train_bi_encoder --run r --out r/bi-projection --steps 300 --learning-rate 3e-4 --eval-dir e --model m";
        let args: Args = parse_command_line(line).unwrap();
        assert_eq!((args.steps, args.batch, args.hard_negatives), (300, DEFAULT_BATCH, DEFAULT_HARD_NEGATIVES));
        assert_eq!(args.eval_dir.eval_dir, PathBuf::from("e"));
    }
}
