//! Encode throughput and latency of the engine outside Postgres: the baseline that
//! scripts/bench_encode.sh sets the in-database numbers against.
//!
//! Usage: encode_bench [model_dir] (threads from RAYON_NUM_THREADS / CANDLE_NUM_THREADS)
//! Texts: the same generator as scripts/bench_encode.sql: "<i> " + a 16-token sentence repeated.

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
}

const SENTENCE: &str = "experienced engineer building reliable data pipelines with python and sql for analytics teams. ";

fn texts(count: usize, repeats: usize) -> Vec<String> {
    (0..count).map(|i| format!("{i} {}", SENTENCE.repeat(repeats))).collect()
}

fn percentile(sorted_ms: &[f64], p: f64) -> f64 {
    let idx = ((sorted_ms.len() as f64 - 1.0) * p).round() as usize;
    sorted_ms[idx]
}

fn main() {
    let dir = Args::parse().models.join(BASE_BI_ENCODER);
    let threads = std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "default".into());
    let t0 = Instant::now();
    let encoder = BiEncoder::load(&dir, 256).expect("load model");
    println!("outside_pg threads={threads} load_ms={:.1}", t0.elapsed().as_secs_f64() * 1e3);

    // Single-text latency, ~64 tokens (4 sentence repeats), 100 calls after 5 warm-up calls.
    let single = texts(105, 4);
    let mut ms = Vec::new();
    for (i, t) in single.iter().enumerate() {
        let s = Instant::now();
        encoder.encode_batch(&[t.as_str()], &Uninterrupted).unwrap();
        if i >= 5 {
            ms.push(s.elapsed().as_secs_f64() * 1e3);
        }
    }
    ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!("outside_pg threads={threads} single_64tok_p50_ms={:.2}", percentile(&ms, 0.5));
    println!("outside_pg threads={threads} single_64tok_p99_ms={:.2}", percentile(&ms, 0.99));

    // Throughput, batches of 32: ~64 tokens (4 repeats) and 256 tokens (16 repeats, truncated).
    for (label, repeats, count) in [("64tok", 4, 256), ("256tok", 16, 128)] {
        let batch = texts(count, repeats);
        let refs: Vec<&str> = batch.iter().map(String::as_str).collect();
        encoder.encode(&refs[..32], 32, &Uninterrupted, |_, _| Ok(())).unwrap(); // warm-up
        let s = Instant::now();
        encoder.encode(&refs, 32, &Uninterrupted, |_, _| Ok(())).unwrap();
        let secs = s.elapsed().as_secs_f64();
        println!("outside_pg threads={threads} batch32_{label}_texts_per_s={:.1}", count as f64 / secs);
    }
}
