//! Scores a ranking system on the development benchmark (`../shared/eval/`, README there).
//!
//! Usage:
//!   evaluate --eval-dir <dir> --track onet|esco_ict --system bm25|bm25_weighted|bi_encoder
//!            [--model <bi-encoder dir>] [--max-seq-length <tokens>] [--job-separator <text>]
//!            [--run <out.tsv>] [--json <out.json>]
//!
//! Every job of the track is ranked for every resume; the program prints nDCG@10, nDCG@25,
//! MRR and Recall@25 (with 95 % interval half-widths) and the timings, then one JSON line
//! with the same numbers (the shape stored in `ml_training_runs.metrics`). `--run` writes
//! the full ranking in the benchmark's run format, which `metrics.py` scores identically.
//! Systems:
//!   bm25           Okapi BM25 (k1 1.2, b 0.75) of the resume text against "title. description",
//!                  as the README's reference (`Bm25Params::REFERENCE`).
//!   bm25_weighted  the same with query-term counts and stopwords dropped (`WEIGHTED_QUERY`).
//!   bi_encoder     cosine of bi-encoder embeddings of the resume text and "title. description"
//!                  (what resonance.job_document embeds). The README's v1 reference joined title
//!                  and description with whitespace: `--job-separator ' '` reproduces it.
//!   bi_encoder_occupation  bi_encoder + OCCUPATION_FIT_WEIGHT x the expected fit of the resume
//!                  to the job's inferred occupations (crates/engine/occupations): each job title's
//!                  distribution over the track's taxonomy (O*NET for onet, ESCO for esco_ict;
//!                  index half of the labels, fused with label embeddings), and as fit the
//!                  cosine of the resume with each occupation's profile text (activities or
//!                  skills). Needs --data <taxonomy dir> (scripts/fetch_taxonomy.sh).
//!                  --occupation-from posting also infers from the whole posting's embedding
//!                  (`OccupationIndex::infer_posting`); the default is the title alone. A simple
//!                  stand-in for the skill graph's occupation fit, to see whether inference moves
//!                  nDCG on realistic titles (realistic_tracks).
//! The eval dir defaults to $RESONANCE_EVAL_DIR, else ../shared/eval.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, ValueEnum};
use serde_json::json;

use resonance_engine::bi_encoder::{BiEncoder, DEFAULT_BATCH_SIZE};
use resonance_engine::error::{EngineError, Result};
use resonance_engine::interrupt::Uninterrupted;
use resonance_engine::evaluation::metrics::{evaluate, MetricReport, METRIC_NAMES};
use resonance_engine::evaluation::run::Run;
use resonance_offline::cli::{progress, EvalDirFlag, ModelFlag};
use resonance_offline::evaluation::benchmark::{Benchmark, Track, TITLE_SEPARATOR};
use resonance_engine::occupations::expected_fit::expected_fit;
use resonance_engine::occupations::inference::{Inferred, InferenceParams, OccupationIndex};
use resonance_offline::occupations::labels::{read_taxonomies, LabelledOccupation};
use resonance_offline::occupations::nearest_label::LabelEmbeddings;
use resonance_offline::retrieval::bm25::{Bm25Index, Bm25Params};
use resonance_offline::retrieval::dense::{cosine, cosine_scores};
use resonance_offline::taxonomy::data_files::DataDir;

/// Default truncation of the bi-encoder's inputs: sentence-transformers' max_seq_length for
/// all-MiniLM-L6-v2, the extension's default `resonance.max_seq_length`.
const MAX_SEQ_LENGTH: usize = 256;

/// The ranking systems this program can score, by their names on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
#[value(rename_all = "snake_case")]
enum SystemName {
    Bm25,
    Bm25Weighted,
    BiEncoder,
    BiEncoderOccupation,
}

/// The ranking systems this program can score.
#[derive(Debug, Clone, Copy, PartialEq)]
enum System {
    Bm25(Bm25Params),
    BiEncoder,
    BiEncoderOccupation,
}

impl System {
    /// The system's name on the command line and in the JSON record.
    fn name(self) -> &'static str {
        match self {
            System::Bm25(p) if p == Bm25Params::REFERENCE => "bm25",
            System::Bm25(_) => "bm25_weighted",
            System::BiEncoder => "bi_encoder",
            System::BiEncoderOccupation => "bi_encoder_occupation",
        }
    }
}

impl From<SystemName> for System {
    fn from(name: SystemName) -> Self {
        match name {
            SystemName::Bm25 => System::Bm25(Bm25Params::REFERENCE),
            SystemName::Bm25Weighted => System::Bm25(Bm25Params::WEIGHTED_QUERY),
            SystemName::BiEncoder => System::BiEncoder,
            SystemName::BiEncoderOccupation => System::BiEncoderOccupation,
        }
    }
}

/// What bi_encoder_occupation infers a job's occupation from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum OccupationFrom {
    /// The title alone.
    Title,
    /// The title and the embedding of the whole posting (`OccupationIndex::infer_posting`).
    Posting,
}

/// The command line.
#[derive(Parser, Debug)]
#[command(name = "evaluate", about = "Scores a ranking system on the development benchmark")]
struct Options {
    #[command(flatten)]
    eval_dir: EvalDirFlag,
    /// onet or esco_ict
    #[arg(long, value_parser = parse_track)]
    track: Track,
    #[arg(long = "system", value_name = "SYSTEM", value_enum)]
    system_name: SystemName,
    #[command(flatten)]
    model: ModelFlag,
    /// Tokens per text
    #[arg(long, default_value_t = MAX_SEQ_LENGTH)]
    max_seq_length: usize,
    /// What joins a posting's title and description
    #[arg(long, default_value = TITLE_SEPARATOR, allow_hyphen_values = true)]
    job_separator: String,
    /// Write the full ranking here (the benchmark's run format)
    #[arg(long, value_name = "FILE")]
    run: Option<PathBuf>,
    /// Write the JSON record here
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// The taxonomy sources (bi_encoder_occupation)
    #[arg(long, value_name = "DIR")]
    data: Option<PathBuf>,
    #[arg(long, value_enum, default_value = "title")]
    occupation_from: OccupationFrom,
}

impl Options {
    fn system(&self) -> System {
        self.system_name.into()
    }
}

fn parse_track(name: &str) -> std::result::Result<Track, String> {
    name.parse().map_err(|e: EngineError| e.to_string())
}

/// Wall-clock seconds of each phase.
#[derive(Default)]
struct Timings {
    load: f64,
    prepare: f64,
    rank: f64,
}

fn main() -> ExitCode {
    match run(&Options::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("evaluate: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Loads the track, ranks, scores, prints and writes the outputs.
fn run(options: &Options) -> Result<()> {
    let mut timings = Timings::default();
    let started = Instant::now();
    let benchmark = Benchmark::load(&options.eval_dir.eval_dir, options.track)?;
    timings.load = started.elapsed().as_secs_f64();
    eprintln!(
        "{}: {} jobs, {} resumes, {} judged",
        options.track,
        benchmark.jobs.len(),
        benchmark.resumes.len(),
        benchmark.qrels.len()
    );
    let scores = match options.system() {
        System::Bm25(params) => bm25_scores(&benchmark, options, params, &mut timings)?,
        System::BiEncoder => bi_encoder_scores(&benchmark, options, &mut timings)?,
        System::BiEncoderOccupation => occupation_scores(&benchmark, options, &mut timings)?,
    };
    let started = Instant::now();
    let mut run = Run::default();
    for (resume, row) in benchmark.resumes.iter().zip(scores) {
        run.insert_scores(&resume.id, benchmark.jobs.iter().map(|j| j.id.clone()).zip(row).collect());
    }
    let report = evaluate(&run, &benchmark.qrels)?;
    timings.rank += started.elapsed().as_secs_f64();
    print_report(&report, &timings);
    let uses_model = !matches!(options.system(), System::Bm25(_));
    let record = json!({
        "benchmark": "dev",
        "track": options.track.dir_name(),
        "system": options.system().name(),
        "model": uses_model.then(|| options.model.model.display().to_string()),
        "max_seq_length": uses_model.then_some(options.max_seq_length),
        "job_text": format!("title{}description", options.job_separator),
        "occupation_from": (options.system() == System::BiEncoderOccupation).then(|| format!("{:?}", options.occupation_from)),
        "metrics": report.to_json(),
        "timings_s": {"load": timings.load, "prepare": timings.prepare, "rank_and_score": timings.rank},
    });
    println!("{record}");
    if let Some(path) = &options.run {
        run.write(path, None)?;
    }
    if let Some(path) = &options.json {
        std::fs::write(path, format!("{record:#}\n"))
            .map_err(|e| EngineError::InvalidInput(format!("cannot write {}: {e}", path.display())))?;
    }
    Ok(())
}

/// BM25 scores of every job for every resume (rows: resumes, columns: jobs).
fn bm25_scores(
    benchmark: &Benchmark,
    options: &Options,
    params: Bm25Params,
    timings: &mut Timings,
) -> Result<Vec<Vec<f32>>> {
    let started = Instant::now();
    let job_texts: Vec<String> = benchmark.jobs.iter().map(|j| j.text_joined_by(&options.job_separator)).collect();
    let index = Bm25Index::build(&job_texts, params)?;
    timings.prepare = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let scores = benchmark.resumes.iter().map(|r| index.score_all(&r.text)).collect();
    timings.rank = started.elapsed().as_secs_f64();
    Ok(scores)
}

/// Bi-encoder cosine of every job with every resume (rows: resumes, columns: jobs).
fn bi_encoder_scores(benchmark: &Benchmark, options: &Options, timings: &mut Timings) -> Result<Vec<Vec<f32>>> {
    let started = Instant::now();
    let encoder = BiEncoder::load(&options.model.model, options.max_seq_length, resonance_offline::cli::matmul_precision())?;
    let (jobs, resumes) = encode_benchmark(&encoder, benchmark, options)?;
    timings.prepare = started.elapsed().as_secs_f64();
    eprintln!(
        "encoded {} texts in {:.1} s ({:.1} texts/s, model load included)",
        jobs.len() + resumes.len(),
        timings.prepare,
        (jobs.len() + resumes.len()) as f64 / timings.prepare
    );
    let started = Instant::now();
    let scores = resumes.iter().map(|r| cosine_scores(r, &jobs)).collect();
    timings.rank = started.elapsed().as_secs_f64();
    Ok(scores)
}

/// One embedding per text, in order.
type Embeddings = Vec<Vec<f32>>;

/// Embeddings of every job document and every resume.
fn encode_benchmark(encoder: &BiEncoder, benchmark: &Benchmark, options: &Options) -> Result<(Embeddings, Embeddings)> {
    let job_texts: Vec<String> = benchmark.jobs.iter().map(|j| j.text_joined_by(&options.job_separator)).collect();
    let resume_texts: Vec<&str> = benchmark.resumes.iter().map(|r| r.text.as_str()).collect();
    let jobs = encoder.encode(&job_texts.iter().map(String::as_str).collect::<Vec<_>>(), DEFAULT_BATCH_SIZE, &Uninterrupted, progress("jobs"))?;
    let resumes = encoder.encode(&resume_texts, DEFAULT_BATCH_SIZE, &Uninterrupted, progress("resumes"))?;
    Ok((jobs, resumes))
}

/// Weight of the expected occupation fit added to the bi-encoder cosine in
/// bi_encoder_occupation. 1.0 (equal footing) chosen by hand before any measurement; not tuned.
const OCCUPATION_FIT_WEIGHT: f32 = 1.0;

/// Inferred occupations kept per job title (the rest of the mass is small; see
/// InferenceParams::temperature).
const OCCUPATIONS_PER_JOB: usize = 5;

/// bi_encoder plus the expected fit of the resume to each job's inferred occupations.
fn occupation_scores(benchmark: &Benchmark, options: &Options, timings: &mut Timings) -> Result<Vec<Vec<f32>>> {
    let started = Instant::now();
    let data = DataDir::new(options.data.clone().ok_or_else(|| EngineError::InvalidInput("bi_encoder_occupation needs --data <taxonomy dir>".into()))?)?;
    let taxonomies = read_taxonomies(&data)?;
    let occupations = match options.track {
        Track::Onet => &taxonomies.onet,
        Track::EscoIct => &taxonomies.esco,
    };
    let encoder = BiEncoder::load(&options.model.model, options.max_seq_length, resonance_offline::cli::matmul_precision())?;
    let (jobs, resumes) = encode_benchmark(&encoder, benchmark, options)?;
    let entries: Vec<_> = occupations.iter().map(LabelledOccupation::index_entry).collect();
    let index = OccupationIndex::build(&entries, InferenceParams::default());
    let labels: Vec<&str> = index.labels().iter().map(String::as_str).collect();
    let label_vectors = LabelEmbeddings::new(encoder.encode(&labels, DEFAULT_BATCH_SIZE, &Uninterrupted, progress("labels"))?);
    let titles: Vec<&str> = benchmark.jobs.iter().map(|j| j.title.as_str()).collect();
    let title_vectors = encoder.encode(&titles, DEFAULT_BATCH_SIZE, &Uninterrupted, progress("titles"))?;
    let inferred: Vec<Vec<Inferred>> = titles
        .iter()
        .zip(&title_vectors)
        .zip(&jobs)
        .map(|((t, v), doc)| match options.occupation_from {
            OccupationFrom::Title => index.infer(t, Some(&label_vectors.nearest(v)), OCCUPATIONS_PER_JOB),
            OccupationFrom::Posting => {
                index.infer_posting(t, Some(&label_vectors.nearest(v)), &label_vectors.nearest(doc), OCCUPATIONS_PER_JOB)
            }
        })
        .collect();
    let profiles = profile_embeddings(&encoder, &index, &inferred, &taxonomies.profiles)?;
    timings.prepare = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let scores = resumes
        .iter()
        .map(|r| {
            let fit = |o: usize| profiles.get(&o).map(|p| cosine(r, p).max(0.0));
            cosine_scores(r, &jobs).into_iter().zip(&inferred).map(|(c, d)| c + OCCUPATION_FIT_WEIGHT * expected_fit(d, fit)).collect()
        })
        .collect();
    timings.rank = started.elapsed().as_secs_f64();
    Ok(scores)
}

/// Embeddings of the profile texts of every occupation some job was inferred to be.
fn profile_embeddings(
    encoder: &BiEncoder,
    index: &OccupationIndex,
    inferred: &[Vec<Inferred>],
    texts: &HashMap<String, String>,
) -> Result<HashMap<usize, Vec<f32>>> {
    let needed: BTreeSet<usize> = inferred.iter().flatten().map(|i| i.occupation).filter(|&o| texts.contains_key(index.key(o))).collect();
    let profile_texts: Vec<&str> = needed.iter().map(|&o| texts[index.key(o)].as_str()).collect();
    let vectors = encoder.encode(&profile_texts, DEFAULT_BATCH_SIZE, &Uninterrupted, progress("profiles"))?;
    Ok(needed.into_iter().zip(vectors).collect())
}

/// Prints the metrics and timings, one per line.
fn print_report(report: &MetricReport, timings: &Timings) {
    for ((name, mean), ci) in METRIC_NAMES.iter().zip(report.mean.values()).zip(report.ci95.values()) {
        println!("{name}\t{mean:.4}\t± {ci:.4}");
    }
    println!("queries\t{}\t(missing from run: {})", report.queries, report.queries_missing_from_run);
    println!(
        "time_load_s\t{:.3}\ntime_prepare_s\t{:.3}\ntime_rank_and_score_s\t{:.3}",
        timings.load, timings.prepare, timings.rank
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_offline::cli::parse_command_line;

    #[test]
    fn the_readme_s_invocations_parse() {
        let o: Options = parse_command_line("evaluate --eval-dir e --track onet --system bm25").unwrap();
        assert_eq!((o.system(), o.track, o.max_seq_length), (System::Bm25(Bm25Params::REFERENCE), Track::Onet, MAX_SEQ_LENGTH));
        let o: Options =
            parse_command_line("evaluate --eval-dir e --track esco_ict --system bi_encoder_occupation --data d --model m").unwrap();
        assert_eq!((o.system().name(), o.occupation_from, o.job_separator.as_str()), ("bi_encoder_occupation", OccupationFrom::Title, TITLE_SEPARATOR));
        assert!(parse_command_line::<Options>("evaluate --track onet").is_err(), "--system is required");
        assert!(parse_command_line::<Options>("evaluate --track mars --system bm25").is_err());
        assert!(parse_command_line::<Options>("evaluate --track onet --system bm26").is_err());
    }
}
