//! Trains the title encoder (`title_encoder`: a projection over frozen all-MiniLM-L6-v2
//! title embeddings, InfoNCE over occupation prototypes with weighed-up hard negatives, ONS
//! title pairs, rule-made ad noise) once per held-out source, and measures each against the
//! nearest-canonical-name baseline and today's inference on that source's titles, clean and
//! noised.
//!
//! Usage: train_title_encoder --data <taxonomy dir> --out <dir> [--titles <tsv dir>]
//!          [--fold bls --fold esco-group] [--steps N] [--batch N] [--ons-batch N]
//!          [--learning-rate LR] [--noise-variants K] [--checkpoint-every N] [--resume]
//!          [--embeddings <dir>] [--model <bi-encoder dir>] [--eval-dir <dir>] [--reserved <file>]
//!
//! Writes `<out>/<fold>/checkpoints/` (resumable with --resume and the same flags),
//! `<out>/<fold>/projection.safetensors` and `<out>/<fold>/held_out.json` (table, counts,
//! timings); base embeddings are kept in `<embeddings>` (default `<out>/embeddings`), keyed
//! by text, so later runs embed only new texts.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use candle_nn::VarMap;
use clap::Parser;
use serde_json::json;

use resonance_engine::bi_encoder::BiEncoder;
use resonance_engine::error::Result;
use resonance_engine::model_files::sha256_of_file;
use resonance_engine::projection::{Projection, PROJECTION_FILE};
use resonance_engine::weights::write_failed;
use resonance_offline::cli::{EvalDirFlag, ModelFlag, ReservedFlag};
use resonance_offline::occupations::labels::{read_taxonomies, LabelledOccupation, Taxonomies};
use resonance_offline::taxonomy::data_files::DataDir;
use resonance_offline::title_encoder::batches::{training_texts, BatchConfig, TitleBatches};
use resonance_offline::title_encoder::fold::{build_fold, Exclusions, Fold, HeldOutSource, Taxonomy};
use resonance_offline::title_encoder::held_out_table::{format_table, held_out_table, noised_test_title, table_json, TestIndex};
use resonance_offline::title_encoder::title_tsv::read_title_tsvs;
use resonance_offline::training::embedding_cache::EmbeddingStore;
use resonance_offline::training::optimizer::AdamWConfig;
use resonance_offline::training::projection_training::projection_vars;
use resonance_offline::training::trainer::{Trainer, TrainerConfig};

/// As `occupation_accuracy`: titles are a few tokens, and the baselines must see the
/// embeddings it measures.
const MAX_SEQ_LENGTH: usize = 64;
const EMBED_BATCH: usize = 128;
/// A few thousand steps of a few hundred titles: several passes over ~40k examples.
const DEFAULT_STEPS: usize = 3000;
/// Larger than the job/resume projection's 64: the loss scores every prototype anyway, and
/// a larger batch evens out the sources' mix.
const DEFAULT_BATCH: usize = 256;
const DEFAULT_ONS_BATCH: usize = 64;
/// As train_bi_encoder's 3e-4 scaled up for a run ten times longer over more varied data.
const DEFAULT_LEARNING_RATE: f64 = 1e-3;
/// Sharper than the retrieval projection's 0.07: a title has one right occupation among
/// thousands, and sentence-transformers' classification-like losses use 0.05.
const TEMPERATURE: f64 = 0.05;
/// A hard negative counts as this many ordinary ones in the softmax.
const HARD_WEIGHT: f32 = 3.0;
/// About a third of titles clean: test titles are clean and noised.
const CLEAN_SHARE: f64 = 0.35;
/// ONS pairs carry no occupation of ours: they shape the space, the prototypes decide.
const ONS_WEIGHT: f64 = 0.5;
/// As train_bi_encoder: decay pulls W back to zero, the identity.
const WEIGHT_DECAY: f64 = 0.01;
const SEED: u64 = 20260314;

#[derive(Parser, Debug)]
#[command(name = "train_title_encoder", about = "Trains the title encoder per held-out source and measures it")]
struct Args {
    /// The taxonomy sources (scripts/fetch_taxonomy.sh)
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// The title TSVs (crates/offline/titles/fetch_titles.sh; default ~/.cache/resonance/titles/tsv)
    #[arg(long, value_name = "DIR")]
    titles: Option<PathBuf>,
    /// Where each fold's checkpoints, projection and held_out.json go
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Base embeddings kept by text (default <out>/embeddings): share it between runs
    #[arg(long, value_name = "DIR")]
    embeddings: Option<PathBuf>,
    /// Held-out sources to run (repeat the flag; default both)
    #[arg(long = "fold", value_enum)]
    folds: Vec<HeldOutSource>,
    #[arg(long, value_name = "N", default_value_t = DEFAULT_STEPS)]
    steps: usize,
    /// (title, occupation) examples per step
    #[arg(long, value_name = "N", default_value_t = DEFAULT_BATCH)]
    batch: usize,
    /// ONS title pairs per step (0: none)
    #[arg(long, value_name = "N", default_value_t = DEFAULT_ONS_BATCH)]
    ons_batch: usize,
    #[arg(long, value_name = "LR", default_value_t = DEFAULT_LEARNING_RATE)]
    learning_rate: f64,
    /// Noised variants embedded per training title
    #[arg(long, value_name = "K", default_value_t = 2)]
    noise_variants: usize,
    #[arg(long, value_name = "N", default_value_t = 250)]
    checkpoint_every: usize,
    /// Continue each fold from its latest checkpoint (same flags as the interrupted run)
    #[arg(long)]
    resume: bool,
    #[command(flatten)]
    model: ModelFlag,
    #[command(flatten)]
    eval_dir: EvalDirFlag,
    #[command(flatten)]
    reserved: ReservedFlag,
}

fn main() -> ExitCode {
    match run(&Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("train_title_encoder: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: &Args) -> Result<()> {
    let started = Instant::now();
    let reserved = args.reserved.load(&args.eval_dir.eval_dir)?;
    let taxonomies = read_taxonomies(&DataDir::new(&args.data)?)?;
    let titles_dir = args.titles.clone().unwrap_or_else(default_titles_dir);
    let (ons, esco_reserved_by_rule) = read_title_tsvs(&titles_dir)?;
    let exclusions = Exclusions::new(|k| reserved.contains(k) || esco_reserved_by_rule.contains(k), &taxonomies);
    let sources = if args.folds.is_empty() { vec![HeldOutSource::Bls, HeldOutSource::EscoGroup] } else { args.folds.clone() };
    let folds: Vec<Fold> = sources.iter().map(|&s| build_fold(s, &taxonomies, &ons, &exclusions)).collect();
    eprintln!("excluded as reserved: {} occupations, {} title keys", exclusions.occupations.len(), exclusions.title_keys.len());

    let encoder = BiEncoder::load(&args.model.model, MAX_SEQ_LENGTH, resonance_offline::cli::matmul_precision())?;
    let mut store = EmbeddingStore::open(&args.embeddings.clone().unwrap_or_else(|| args.out.join("embeddings")))?;
    let config = batch_config(args);
    let mut texts: Vec<String> = Vec::new();
    for fold in &folds {
        texts.extend(training_texts(fold, &config));
        texts.extend(test_texts(fold, test_occupations(fold, &taxonomies)));
    }
    let embed_started = Instant::now();
    let embedded = store.embed_missing(&encoder, &texts, EMBED_BATCH)?;
    let embed_s = embed_started.elapsed().as_secs_f64();
    eprintln!("embeddings: {embedded} new texts in {embed_s:.0} s, {} stored", store.len());
    for fold in &folds {
        train_and_measure(fold, &taxonomies, &store, args, (embedded, embed_s))?;
    }
    eprintln!("done in {:.0} s wall, {:.0} s CPU", started.elapsed().as_secs_f64(), cpu_seconds());
    Ok(())
}

fn default_titles_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/resonance/titles/tsv")
}

fn batch_config(args: &Args) -> BatchConfig {
    BatchConfig {
        batch: args.batch,
        ons_batch: args.ons_batch,
        noise_variants: args.noise_variants,
        clean_share: CLEAN_SHARE,
        temperature: TEMPERATURE,
        hard_weight: HARD_WEIGHT,
        ons_weight: ONS_WEIGHT,
        seed: SEED,
    }
}

fn test_occupations<'t>(fold: &Fold, taxonomies: &'t Taxonomies) -> &'t [LabelledOccupation] {
    match fold.source.test_taxonomy() {
        Taxonomy::Onet => &taxonomies.onet,
        Taxonomy::Esco => &taxonomies.esco,
    }
}

/// What the held-out table embeds: the test index's names and labels, the test titles
/// clean and noised.
fn test_texts<'a>(fold: &'a Fold, occupations: &'a [LabelledOccupation]) -> impl Iterator<Item = String> + 'a {
    let index = occupations.iter().flat_map(|o| o.index_titles().into_iter().map(String::from));
    let probes = fold.probes.iter().flat_map(|p| [p.title.clone(), noised_test_title(&p.title)]);
    index.chain(probes)
}

/// Base embeddings out of the store; every text was embedded before training starts.
fn lookup<'s>(store: &'s EmbeddingStore) -> impl Fn(&str) -> &'s [f32] + 's {
    move |text| store.get(text).unwrap_or_else(|| panic!("{text:?} was not embedded"))
}

/// Trains one fold (resuming if asked), then writes its projection and held-out table.
fn train_and_measure(fold: &Fold, taxonomies: &Taxonomies, store: &EmbeddingStore, args: &Args, embedding: (usize, f64)) -> Result<()> {
    let dir = args.out.join(fold.source.name());
    let checkpoints = dir.join("checkpoints");
    std::fs::create_dir_all(&checkpoints).map_err(|e| write_failed(&checkpoints, e))?;
    let embed = lookup(store);
    let batches = TitleBatches::new(fold, batch_config(args), &embed)?;
    let vars = VarMap::new();
    let (weight, bias) = projection_vars(&vars, embed(&fold.prototypes[0].texts[0]).len())?;
    let trainer_config = TrainerConfig {
        total_steps: args.steps,
        warmup_steps: args.steps / 10,
        optimizer: AdamWConfig { learning_rate: args.learning_rate, weight_decay: WEIGHT_DECAY, ..AdamWConfig::default() },
        seed: SEED,
        checkpoint_every: args.checkpoint_every,
    };
    let mut trainer = if args.resume && checkpoints.join("latest").exists() {
        Trainer::resume(&vars, trainer_config.clone(), &checkpoints)?
    } else {
        Trainer::new(&vars, trainer_config.clone(), Some(&checkpoints))?
    };
    let (first_step, cpu_before, train_started) = (trainer.step(), cpu_seconds(), Instant::now());
    let mut losses = Vec::new();
    trainer.train_until(args.steps, |step| batches.step_loss(step, (&weight, &bias)), |r| {
        losses.push(r.loss);
        if r.step % 50 == 0 || r.step == r.total_steps {
            eprintln!("[{}] {r}", fold.source.name());
        }
    })?;
    let (train_s, train_cpu_s) = (train_started.elapsed().as_secs_f64(), cpu_seconds() - cpu_before);
    let projection_path = dir.join(PROJECTION_FILE);
    Projection::save(&weight, &bias, &projection_path)?;
    let projection = Projection::load(&projection_path)?;

    let test = TestIndex::build(test_occupations(fold, taxonomies), &embed, &projection)?;
    let rows = held_out_table(&test, &fold.probes, &embed, &projection)?;
    println!("{}", format_table(fold.source.name(), &rows));
    let tenth = (losses.len() / 10).max(1);
    let mean = |s: &[f32]| s.iter().sum::<f32>() / s.len().max(1) as f32;
    let record = json!({
        "held_out_source": fold.source.name(),
        "model": "normalize(e + W e + b) over all-MiniLM-L6-v2 title embeddings (engine::projection)",
        "prototypes": fold.prototypes.len(),
        "title_examples": fold.examples.len(),
        "ons_groups": fold.ons_groups.len(),
        "pairs": fold.pairs(),
        "test_titles": fold.probes.len(),
        "steps": args.steps,
        "steps_this_run": args.steps - first_step,
        "epochs": args.steps as f64 / batches.steps_per_epoch().max(1) as f64,
        "batch": batch_config(args),
        "trainer": serde_json::to_value(&trainer_config).expect("plain data serialises"),
        "loss_first_tenth_this_run": mean(&losses[..tenth.min(losses.len())]),
        "loss_last_tenth_this_run": mean(&losses[losses.len().saturating_sub(tenth)..]),
        "timings_s": {"embed_new_texts_wall": embedding.1, "new_texts": embedding.0, "train_wall": train_s, "train_cpu": train_cpu_s},
        "table": table_json(&rows),
        "projection_sha256": sha256_of_file(&projection_path)?,
    });
    let path = dir.join("held_out.json");
    std::fs::write(&path, format!("{record:#}\n")).map_err(|e| write_failed(&path, e))?;
    eprintln!("[{}] wrote {}", fold.source.name(), path.display());
    Ok(())
}

/// CPU seconds this process has used (user + system, all threads), from /proc/self/stat;
/// 0 where there is none. Candle's matmuls run on every core, so wall time understates cost.
fn cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string(Path::new("/proc/self/stat")) else { return 0.0 };
    // Fields after the command's closing parenthesis: utime and stime are the 12th and 13th.
    let fields: Vec<&str> = stat.rsplit_once(')').map_or("", |(_, rest)| rest).split_whitespace().collect();
    let ticks = |i: usize| fields.get(i).and_then(|f| f.parse::<f64>().ok()).unwrap_or(0.0);
    // Linux's USER_HZ is 100 on every architecture this runs on.
    (ticks(11) + ticks(12)) / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_offline::cli::parse_command_line;

    #[test]
    fn invocations_parse() {
        let args: Args = parse_command_line("t --data d --out o --fold bls --fold esco-group --steps 150 --resume").unwrap();
        assert_eq!(args.folds, vec![HeldOutSource::Bls, HeldOutSource::EscoGroup]);
        assert!(args.resume && args.steps == 150 && args.batch == DEFAULT_BATCH);
        assert!(parse_command_line::<Args>("t --data d --out o --fold ons").is_err());
        assert!(cpu_seconds() >= 0.0);
    }
}
