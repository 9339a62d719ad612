//! Encode throughput and latency of the engine outside Postgres: the baseline that
//! scripts/bench_encode.sh sets the in-database numbers against, and our side of
//! scripts/bench_onnx.sh (against ONNX Runtime, scripts/bench_onnx.py, which generates the
//! same texts).
//!
//! Usage: encode_bench [model_dir] [--latencies FILE] [--dump FILE]
//! (threads: RAYON_NUM_THREADS, default 1, set as resonance.threads sets them in a backend)
//! Texts: the same generator as scripts/bench_encode.sql: "text <i> " + a 15-token sentence
//! repeated: 4 times is exactly 64 tokens with [CLS] and [SEP], 17 times is cut at 256.

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;

use resonance_engine::bi_encoder::BiEncoder;
use resonance_engine::interrupt::Uninterrupted;
use resonance_engine::model_files::BASE_BI_ENCODER;
use resonance_offline::cli::INSTALLED_MODELS;

/// The command line.
#[derive(Parser, Debug)]
#[command(name = "encode_bench", about = "Encode throughput and latency of the engine outside Postgres")]
struct Args {
    /// The models directory holding all-minilm-l6-v2
    #[arg(value_name = "MODEL_DIR", default_value = INSTALLED_MODELS)]
    models: PathBuf,
    /// Write the single-text latencies (ms, one a line) here, for percentiles pooled over runs
    #[arg(long, value_name = "FILE")]
    latencies: Option<PathBuf>,
    /// Only embed the agreement texts and write them here as JSON lines {"text", "embedding"}
    /// (scripts/bench_onnx.py compare reads them), instead of measuring
    #[arg(long, value_name = "FILE")]
    dump: Option<PathBuf>,
}

const SENTENCE: &str = "experienced engineer building reliable data pipelines with python and sql for analytics teams. ";
/// Repeats of SENTENCE for a 64-token text and for one cut at 256 tokens.
const REPEATS_64: usize = 4;
const REPEATS_256: usize = 17;

fn texts(count: usize, repeats: usize) -> Vec<String> {
    (0..count).map(|i| format!("text {i} {}", SENTENCE.repeat(repeats))).collect()
}

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    let idx = ((sorted_ms.len() as f64 - 1.0) * p).round() as usize;
    sorted_ms[idx]
}

/// Texts whose embeddings scripts/bench_onnx.py compares with ONNX Runtime's: the measured
/// ones, and prose of mixed lengths encoded in one batch, so that padding and the masked
/// pooling are compared too.
fn agreement_texts() -> Vec<String> {
    let mut out = texts(8, REPEATS_64);
    out.extend(texts(8, REPEATS_256));
    out.extend(
        [
            "This is an example sentence",
            "Registered nurse, cardiac ICU, night shifts",
            "Senior backend engineer: Rust, PostgreSQL, Kubernetes; 7 years building payment systems.",
            "Loan processor III. Reviews applications, verifies income and credit history, prepares files for \
             underwriting, and keeps borrowers informed from application to closing.",
            "Forklift operator",
            "Data scientist with a PhD in statistics; time series forecasting, causal inference, Python, R and SQL; \
             led a team of four and shipped demand models used by 200 stores.",
        ]
        .map(String::from),
    );
    out
}

fn main() {
    let args = Args::parse();
    let dir = args.models.join(BASE_BI_ENCODER);
    let threads: usize = std::env::var("RAYON_NUM_THREADS").ok().and_then(|n| n.parse().ok()).unwrap_or(1);
    resonance_engine::threads::set_inference_threads(threads);
    let t0 = Instant::now();
    let encoder = BiEncoder::load(&dir, 256, resonance_offline::cli::matmul_precision()).expect("load model");
    if let Some(path) = &args.dump {
        let texts = agreement_texts();
        let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
        let embeddings = encoder.encode(&refs, 32, &Uninterrupted, |_, _| Ok(())).expect("encode");
        let mut out = std::fs::File::create(path).expect("create the dump file");
        for (text, embedding) in texts.iter().zip(embeddings) {
            writeln!(out, "{}", serde_json::json!({"text": text, "embedding": embedding})).expect("write the dump");
        }
        return;
    }
    println!("outside_pg threads={threads} load_ms={:.1}", t0.elapsed().as_secs_f64() * 1e3);

    // Single-text latency, 64 tokens, 100 calls after 5 warm-up calls.
    let single = texts(105, REPEATS_64);
    let mut ms = Vec::new();
    for (i, t) in single.iter().enumerate() {
        let s = Instant::now();
        encoder.encode_batch(&[t.as_str()], &Uninterrupted).unwrap();
        if i >= 5 {
            ms.push(s.elapsed().as_secs_f64() * 1e3);
        }
    }
    if let Some(path) = &args.latencies {
        std::fs::write(path, ms.iter().map(|v| format!("{v:.4}\n")).collect::<String>()).expect("write latencies");
    }
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    for p in [50, 95, 99] {
        println!("outside_pg threads={threads} single_64tok_p{p}_ms={:.2}", percentile(&ms, p as f64 / 100.0));
    }

    // Throughput, batches of 32: 64-token and 256-token texts.
    for (label, repeats, count) in [("64tok", REPEATS_64, 256), ("256tok", REPEATS_256, 128)] {
        let batch = texts(count, repeats);
        let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
        encoder.encode(&refs[..32], 32, &Uninterrupted, |_, _| Ok(())).unwrap(); // warm-up
        let s = Instant::now();
        encoder.encode(&refs, 32, &Uninterrupted, |_, _| Ok(())).unwrap();
        let secs = s.elapsed().as_secs_f64();
        println!("outside_pg threads={threads} batch32_{label}_texts_per_s={:.1}", count as f64 / secs);
    }
}
