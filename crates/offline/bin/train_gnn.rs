//! Trains the skill GAT on a skill graph exported from the database, reports link-prediction
//! AUC before and after enrichment, and writes the enriched embeddings for `\copy`.
//!
//! Usage:
//!   train_gnn --nodes nodes.tsv --edges edges.tsv --out DIR
//!             [--epochs N] [--seed S] [--heads H] [--head-dim F | --hidden H*F] [--steps-per-epoch N] [--lr RATE]
//!             [--dropout P] [--anchor W] [--patience N] [--time-budget SECONDS] [--version V]
//!
//! Input (psql `\copy ... TO` text format):
//!   nodes.tsv  id<TAB>name<TAB>[v1,...,v384]   SELECT id, name, embedding FROM resonance.kg_skills WHERE embedding IS NOT NULL
//!   edges.tsv  source_id<TAB>target_id<TAB>relation<TAB>weight   from resonance.kg_skill_relations
//! Output in DIR: gnn_embeddings.tsv (id<TAB>[...]), skill_gat.safetensors (weights),
//! metrics.json (one line: name, version, verdict, metrics, config; read by
//! sql/load_gnn_embeddings.sql). Threads: RAYON_NUM_THREADS.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use clap::Parser;

use resonance_offline::gnn::input::format_embeddings_tsv;
use resonance_offline::gnn::train::mean_cosine_to_input;
use resonance_offline::gnn::{enrich, parse_edges, parse_nodes, train_link_prediction, SkillLinks, TrainConfig};

/// The model's name in `resonance.ml_models`.
const MODEL_NAME: &str = "skill-gat";
/// Its `model_type` there (`resonance_models_active()` reports it as `skill_gnn`).
const MODEL_TYPE: &str = "skill_gnn";
/// File names inside the output directory.
const EMBEDDINGS_FILE: &str = "gnn_embeddings.tsv";
const WEIGHTS_FILE: &str = "skill_gat.safetensors";
const METRICS_FILE: &str = "metrics.json";

/// The command line. The training options are unset unless given: `training_config` applies
/// the ones given over the defaults for the embeddings' dimension.
#[derive(Parser, Debug)]
#[command(name = "train_gnn", about = "Trains the skill GAT by link prediction and writes the enriched embeddings")]
struct Args {
    /// nodes.tsv: id<TAB>name<TAB>[v1,...]
    #[arg(long, value_name = "FILE")]
    nodes: PathBuf,
    /// edges.tsv: source_id<TAB>target_id<TAB>relation<TAB>weight
    #[arg(long, value_name = "FILE")]
    edges: PathBuf,
    /// The output directory
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The model version recorded in metrics.json (default: the time and seed)
    #[arg(long, value_name = "V")]
    version: Option<String>,
    #[arg(long, value_name = "N")]
    epochs: Option<usize>,
    #[arg(long, value_name = "S")]
    seed: Option<u64>,
    /// Attention heads of layer 1
    #[arg(long, value_name = "H")]
    heads: Option<usize>,
    /// Features per head of layer 1
    #[arg(long, value_name = "F", conflicts_with = "hidden")]
    head_dim: Option<usize>,
    /// Layer 1's total width, split evenly over the heads
    #[arg(long, value_name = "H*F")]
    hidden: Option<usize>,
    #[arg(long, value_name = "N")]
    steps_per_epoch: Option<usize>,
    /// Learning rate
    #[arg(long, value_name = "RATE")]
    lr: Option<f64>,
    #[arg(long, value_name = "P")]
    dropout: Option<f64>,
    /// Weight of the anchor loss holding the output near the input embeddings
    #[arg(long, value_name = "W")]
    anchor: Option<f64>,
    /// Epochs without a better validation AUC before stopping
    #[arg(long, value_name = "N")]
    patience: Option<usize>,
    /// Stop training after this many seconds
    #[arg(long, value_name = "SECONDS")]
    time_budget: Option<f64>,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("train_gnn: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Loads, trains, evaluates, writes.
fn run() -> Result<(), String> {
    resonance_engine::allocator::keep_freed_memory();
    let args = Args::parse();
    let started = Instant::now();
    let nodes = parse_nodes(&read(&args.nodes)?).map_err(|e| format!("{}: {e}", args.nodes.display()))?;
    let parsed = parse_edges(&read(&args.edges)?, &nodes).map_err(|e| format!("{}: {e}", args.edges.display()))?;
    let links = SkillLinks::new(nodes.len(), &parsed.edges).map_err(|e| e.to_string())?;
    println!(
        "loaded skills={} dim={} edge_rows={} pairs={} skipped_unknown_skill={} skipped_self={} seconds={:.1}",
        nodes.len(),
        nodes.dim(),
        parsed.edges.len(),
        links.pairs().len(),
        parsed.unknown_endpoint,
        parsed.self_edges,
        started.elapsed().as_secs_f64()
    );
    let config = training_config(nodes.dim(), &args)?;
    let trained = train_link_prediction(&nodes, &links, &config, |log| {
        eprintln!(
            "epoch {:>3} steps={} loss={:.4} validation_auc={:.4} seconds={:.1}",
            log.epoch, log.steps, log.mean_loss, log.validation_auc, log.seconds
        )
    })
    .map_err(|e| e.to_string())?;
    let enriched = enrich(&trained.model, &nodes, &links).map_err(|e| e.to_string())?;
    let report = &trained.report;
    let verdict = report.verdict();
    let version = args.version.clone().unwrap_or_else(|| default_version(config.seed));

    fs::create_dir_all(&args.out).map_err(|e| format!("cannot create {}: {e}", args.out.display()))?;
    let tsv = format_embeddings_tsv(&nodes, &enriched).map_err(|e| e.to_string())?;
    write(&args.out.join(EMBEDDINGS_FILE), &tsv)?;
    let weights = args.out.join(WEIGHTS_FILE);
    trained.model.save(&weights).map_err(|e| e.to_string())?;
    // The safetensors writer creates the file owner-only; the server's user may need to read it.
    fs::set_permissions(&weights, fs::Permissions::from_mode(0o644)).map_err(|e| format!("cannot chmod {}: {e}", weights.display()))?;
    let mut metrics = serde_json::to_value(report).map_err(|e| e.to_string())?;
    metrics["gain"] = verdict.gain.into();
    metrics["required_gain"] = verdict.required_gain.into();
    metrics["helps"] = verdict.helps.into();
    metrics["mean_cosine_to_input"] = mean_cosine_to_input(&nodes, &enriched).into();
    metrics["edge_rows"] = parsed.edges.len().into();
    metrics["edge_rows_skipped_unknown_skill"] = parsed.unknown_endpoint.into();
    let document = serde_json::json!({
        "name": MODEL_NAME,
        "version": version,
        "model_type": MODEL_TYPE,
        "artifact": WEIGHTS_FILE,
        "helps": verdict.helps,
        "metrics": metrics,
        "config": config,
    });
    // One line, so the SQL loader can read it with a single-row \copy.
    write(&args.out.join(METRICS_FILE), &format!("{document}\n"))?;

    println!(
        "auc_input={:.4} auc_gnn={:.4} gain={:+.4} required_gain={:.4} auc_common_neighbours={:.4} validation_auc_input={:.4} validation_auc_best={:.4} best_epoch={}",
        report.test_auc_input,
        report.test_auc_gnn,
        verdict.gain,
        verdict.required_gain,
        report.test_auc_common_neighbours,
        report.validation_auc_input,
        report.validation_auc_best,
        report.best_epoch
    );
    println!(
        "training_seconds={:.1} epochs={} steps={} seconds_per_step={:.3} parameters={} train_messages={} mean_cosine_to_input={:.4} total_seconds={:.1}",
        report.training_seconds,
        report.epochs_run,
        report.steps,
        report.seconds_per_step,
        report.parameters,
        report.train_messages,
        metrics["mean_cosine_to_input"].as_f64().unwrap_or(f64::NAN),
        started.elapsed().as_secs_f64()
    );
    println!(
        "verdict: {} ({MODEL_NAME} {version} written to {})",
        if verdict.helps {
            "KEEP: the GNN predicts held-out skill links better than the input embeddings"
        } else {
            "DISCARD: the GNN does not beat the input embeddings by more than noise; load it inactive or not at all"
        },
        args.out.display()
    );
    Ok(())
}

/// The defaults for `dim`-long embeddings with the command line's options applied.
fn training_config(dim: usize, args: &Args) -> Result<TrainConfig, String> {
    let mut config = TrainConfig::for_dim(dim);
    set(&mut config.epochs, args.epochs);
    set(&mut config.seed, args.seed);
    set(&mut config.gat.heads, args.heads);
    set(&mut config.gat.head_dim, args.head_dim);
    set(&mut config.steps_per_epoch, args.steps_per_epoch);
    set(&mut config.learning_rate, args.lr);
    set(&mut config.gat.dropout, args.dropout);
    set(&mut config.anchor_weight, args.anchor);
    set(&mut config.patience, args.patience);
    config.time_budget_seconds = args.time_budget.or(config.time_budget_seconds);
    // --hidden is layer 1's total width: split evenly over the heads.
    if let Some(hidden) = args.hidden {
        if config.gat.heads == 0 || hidden % config.gat.heads != 0 {
            return Err(format!("--hidden {hidden} is not a multiple of the {} heads", config.gat.heads));
        }
        config.gat.head_dim = hidden / config.gat.heads;
    }
    Ok(config)
}

/// Sets `field` to `value` when the command line gave one.
fn set<T: Copy>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

/// A version naming when and with which seed the run was made: `YYYYMMDDTHHMMSSZ-s<seed>`.
fn default_version(seed: u64) -> String {
    let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (year, month, day) = civil_date((seconds / 86_400) as i64);
    let time = seconds % 86_400;
    format!("{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z-s{seed}", time / 3600, time / 60 % 60, time % 60)
}

/// The proleptic Gregorian (year, month, day) of a count of days since 1970-01-01
/// (H. Hinnant's days-to-civil algorithm).
fn civil_date(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 } as u32;
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// The contents of `path`.
fn read(path: &Path) -> Result<String, String> {
    fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// Writes `text` to `path`.
fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_offline::cli::parse_command_line;

    #[test]
    fn scripts_train_gnn_invocation_parses() {
        let line = "train_gnn --nodes r/nodes.tsv --edges r/edges.tsv --out r --time-budget 180 --version v1";
        let args: Args = parse_command_line(line).unwrap();
        assert_eq!((args.time_budget, args.version.as_deref()), (Some(180.0), Some("v1")));
        assert!(parse_command_line::<Args>("train_gnn --nodes n --edges e").is_err(), "--out is required");
        let wide: Args = parse_command_line("t --nodes n --edges e --out o --hidden 256").unwrap();
        let config = training_config(384, &wide).unwrap();
        assert_eq!(config.gat.head_dim * config.gat.heads, 256);
    }
}
