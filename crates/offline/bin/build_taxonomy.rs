//! Builds the skill knowledge graph's tables (kg_skills, kg_titles, kg_skill_relations,
//! kg_title_skills, kg_title_labels) as TSV files for sql/load_taxonomy.sql, from the data files that
//! scripts/fetch_taxonomy.sh extracts.
//!
//! Usage: build_taxonomy --data <dir> --model <bi-encoder dir> --out <dir>
//!          [--reserved <reserved.txt> | --reserved none] [--embedding-cache <file>] [--tune-splitter]
//! --reserved defaults to ../shared/eval/reserved.txt (the held-out occupations, kept out
//! of every statistic the relations are derived from). --tune-splitter reruns the
//! coordinate ascent behind `SegmentWeights::TUNED` and prints the result.
//! --embedding-cache keeps the name embeddings in a file (and the labels' in <file>.labels.bin)
//! and reuses them while the list of names is unchanged (for rebuilding after changing a
//! threshold). kg_skills.tsv and kg_title_labels.tsv carry each name's embedding, so
//! scripts/load_taxonomy.sh does not compute them again.
//! Threads: RAYON_NUM_THREADS / CANDLE_NUM_THREADS, as for the extension.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use clap::Parser;

use resonance_engine::hash::Fnv1a;

use resonance_engine::bi_encoder::BiEncoder;
use resonance_engine::error::{EngineError, Result};
use resonance_engine::interrupt::Uninterrupted;
use resonance_offline::cli::progress;
use resonance_offline::taxonomy::build::{build, Config, Sources};
use resonance_offline::taxonomy::data_files::DataDir;
use resonance_offline::taxonomy::esco_split::EscoSplitter;
use resonance_offline::taxonomy::name_segmentation::SegmentWeights;
use resonance_offline::sources::reserved::ReservedOccupations;
use resonance_offline::taxonomy::split_accuracy::{measure, tune_weights, SplitterHalf, LabelledConcept};
use resonance_offline::occupations::labels::{read_taxonomies, title_labels};
use resonance_offline::taxonomy::tsv::{write_relations, write_skills, write_title_labels, write_title_skills, write_titles};

/// Where the reserved list lives relative to the repository (the evaluation layout: README, "Evaluation").
const DEFAULT_RESERVED: &str = "../shared/eval/reserved.txt";

/// Texts per forward pass. Skill names are a few tokens, so a batch of 128 costs about what
/// a batch of 8 full sentences does; measured 1.3x faster than 32 here.
const EMBED_BATCH: usize = 128;

/// The bi-encoder's truncation; no skill name comes near it.
const MAX_SEQ_LENGTH: usize = 256;

/// Coordinate-ascent passes for --tune-splitter.
const TUNING_ROUNDS: usize = 3;

/// The command line.
#[derive(Parser, Debug)]
#[command(name = "build_taxonomy", about = "Builds the kg_* tables as TSV files from the taxonomy's data files")]
struct Args {
    /// The data directory scripts/fetch_taxonomy.sh fills
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// The bi-encoder that embeds the names
    #[arg(long, value_name = "DIR", required_unless_present = "tune_splitter")]
    model: Option<PathBuf>,
    /// Where the TSV files go
    #[arg(long, value_name = "DIR", required_unless_present = "tune_splitter")]
    out: Option<PathBuf>,
    /// The reserved occupations, or `none`
    #[arg(long, value_name = "FILE|none", default_value = DEFAULT_RESERVED)]
    reserved: String,
    /// A file keeping the name embeddings between runs over the same names
    #[arg(long, value_name = "FILE")]
    embedding_cache: Option<PathBuf>,
    /// Rerun the splitter's weight tuning and print the result
    #[arg(long)]
    tune_splitter: bool,
}

fn main() {
    if let Err(e) = run() {
        eprintln!("build_taxonomy: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let started = Instant::now();
    let args = Args::parse();
    let data = DataDir::new(&args.data)?;
    let sources = Sources::read(&data)?;
    println!("read sources in {:.1} s", started.elapsed().as_secs_f64());
    if args.tune_splitter {
        return tune_splitter(&sources);
    }
    // clap requires both unless --tune-splitter is given.
    let (Some(model), Some(out)) = (&args.model, &args.out) else {
        return Err(EngineError::InvalidInput("--model and --out are required".into()));
    };
    std::fs::create_dir_all(out).map_err(|e| EngineError::InvalidInput(format!("cannot create {}: {e}", out.display())))?;
    let reserved = match args.reserved.as_str() {
        "none" => ReservedOccupations::from_keys(Vec::<String>::new()),
        path => ReservedOccupations::load(Path::new(path))?,
    };
    println!("reserved occupations kept out of relation statistics: {}", reserved.len());

    // Both cores for the matmuls and fused kernels, candle's element-wise ops on this thread
    // (threads::set_inference_threads says why); before the model's first op starts a pool.
    resonance_engine::threads::set_inference_threads(std::thread::available_parallelism().map_or(1, |n| n.get()));
    let encoder = BiEncoder::load(model, MAX_SEQ_LENGTH, resonance_offline::cli::matmul_precision())?;
    let cache = args.embedding_cache.as_deref();
    // Every name embedded for the relations, kept so the tables carry them and the load
    // does not embed them again.
    let mut names: HashMap<String, Vec<f32>> = HashMap::new();
    let mut embed = |texts: &[&str]| -> Result<Vec<Vec<f32>>> {
        let vectors = embed_cached(&encoder, texts, cache)?;
        names.extend(texts.iter().map(|t| t.to_string()).zip(vectors.iter().cloned()));
        Ok(vectors)
    };
    let (taxonomy, report) = build(&sources, &reserved, &Config::default(), &mut embed)?;
    write_skills(&out.join("kg_skills.tsv"), &taxonomy.skills, &|name| names.get(name).map(Vec::as_slice))?;
    write_titles(&out.join("kg_titles.tsv"), &taxonomy.titles)?;
    write_relations(&out.join("kg_skill_relations.tsv"), &taxonomy.relations)?;
    write_title_skills(&out.join("kg_title_skills.tsv"), &taxonomy.title_skills)?;
    let labels = title_labels(&read_taxonomies(&data)?, &taxonomy.titles);
    let mut texts: Vec<&str> = labels.iter().map(|l| l.label.as_str()).collect();
    texts.sort_unstable();
    texts.dedup();
    let label_cache = cache.map(|c| c.with_extension("labels.bin"));
    let vectors = embed_cached(&encoder, &texts, label_cache.as_deref())?;
    let label_vectors: HashMap<&str, &[f32]> = texts.iter().copied().zip(vectors.iter().map(Vec::as_slice)).collect();
    let written = write_title_labels(&out.join("kg_title_labels.tsv"), &labels, &|label| label_vectors.get(label).copied())?;
    println!("kg_title_labels: {written} labels");
    print!("{report}");
    println!("wrote {} in {:.1} s total", out.display(), started.elapsed().as_secs_f64());
    Ok(())
}

/// The embeddings of `texts`, from the cache file when it holds exactly these texts, else
/// computed (and written to the cache file when one is given).
fn embed_cached(encoder: &BiEncoder, texts: &[&str], cache: Option<&Path>) -> Result<Vec<Vec<f32>>> {
    if let Some(vectors) = cache.and_then(|c| read_cache(c, texts)) {
        println!("embeddings of {} names read from the cache", texts.len());
        return Ok(vectors);
    }
    let t = Instant::now();
    let vectors = encoder.encode(texts, EMBED_BATCH, &Uninterrupted, progress("embedding names"))?;
    let secs = t.elapsed().as_secs_f64();
    println!("embedded {} names in {secs:.1} s ({:.0} names/s)", texts.len(), texts.len() as f64 / secs);
    if let Some(c) = cache {
        write_cache(c, texts, &vectors)?;
    }
    Ok(vectors)
}

/// FNV-1a over the texts (newline-separated): identifies the list a cache was made for.
fn texts_hash(texts: &[&str]) -> u64 {
    let mut h = Fnv1a::default();
    for t in texts {
        h.write(t.as_bytes());
        h.write(b"\n");
    }
    h.finish()
}

/// Cached embeddings for exactly these texts, if the cache file holds them.
/// Layout: hash, count, dimension (u64 little-endian), then the f32 values.
fn read_cache(path: &Path, texts: &[&str]) -> Option<Vec<Vec<f32>>> {
    let bytes = std::fs::read(path).ok()?;
    let word = |i: usize| bytes.get(i * 8..i * 8 + 8).map(|b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])));
    let (hash, count, dim) = (word(0)?, word(1)? as usize, word(2)? as usize);
    if hash != texts_hash(texts) || count != texts.len() || bytes.len() != 24 + count * dim * 4 {
        return None;
    }
    let values: Vec<f32> = bytes[24..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    Some(values.chunks(dim.max(1)).map(<[f32]>::to_vec).collect())
}

/// Writes the embeddings of `texts` to the cache file.
fn write_cache(path: &Path, texts: &[&str], vectors: &[Vec<f32>]) -> Result<()> {
    let dim = vectors.first().map_or(0, Vec::len);
    let mut bytes = Vec::with_capacity(24 + vectors.len() * dim * 4);
    for word in [texts_hash(texts), vectors.len() as u64, dim as u64] {
        bytes.extend_from_slice(&word.to_le_bytes());
    }
    for v in vectors.iter().flatten() {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, bytes).map_err(|e| EngineError::InvalidInput(format!("cannot write {}: {e}", path.display())))
}

/// Reruns the weight tuning on the dev half and reports both halves.
fn tune_splitter(sources: &Sources) -> Result<()> {
    let texts: Vec<&str> = sources.esco_skills.iter().map(|t| t.text.as_str()).collect();
    let splitter = EscoSplitter::train(&texts);
    let truth: Vec<LabelledConcept> = sources.ict_skills.iter().map(LabelledConcept::from).collect();
    let (weights, dev) = tune_weights(&splitter, &sources.esco_skills, &truth, SegmentWeights::TUNED, TUNING_ROUNDS);
    let test = measure(&splitter.clone().with_weights(weights), &sources.esco_skills, &truth, SplitterHalf::Test);
    println!("tuned {weights:?}\ndev  {dev:?}\ntest {test:?}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_offline::cli::parse_command_line;

    #[test]
    fn scripts_demo_invocation_parses() {
        let args: Args = parse_command_line("build_taxonomy --data d --reserved none --model m --out o").unwrap();
        assert_eq!((args.reserved.as_str(), args.tune_splitter), ("none", false));
        assert!(parse_command_line::<Args>("b --data d --out o").is_err(), "--model is required");
        let tune: Args = parse_command_line("b --data d --tune-splitter").unwrap();
        assert!(tune.tune_splitter && tune.reserved == DEFAULT_RESERVED);
    }
}
