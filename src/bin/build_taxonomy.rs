//! Builds the skill knowledge graph's tables from the taxonomy data files.
//!
//! Usage: build_taxonomy --data <dir> --model <bi-encoder dir> --out <dir>
//!        [--reserved <reserved.txt> | --reserved none] [--tune-splitter]

use std::path::PathBuf;
use std::time::Instant;

use resonance::engine::error::{EngineError, Result};
use resonance::engine::taxonomy::data_files::{DataDir, ESCO_SKILLS_CSV};
use resonance::engine::taxonomy::esco::{read_ict_skills, read_texts};
use resonance::engine::taxonomy::esco_split::EscoSplitter;
use resonance::engine::taxonomy::name_segmentation::SegmentWeights;
use resonance::engine::taxonomy::split_accuracy::{label_errors, measure, tune_weights, Half, LabelledConcept};

/// Coordinate-ascent passes for --tune-splitter; the second pass changed nothing in the prototype.
const TUNING_ROUNDS: usize = 3;

fn main() {
    if let Err(e) = run() {
        eprintln!("build_taxonomy: {e}");
        std::process::exit(1);
    }
}

fn run() -> Result<()> {
    let started = Instant::now();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let data = DataDir::new(arg(&args, "--data").ok_or_else(|| usage("--data is required"))?)?;
    let texts = read_texts(&data, ESCO_SKILLS_CSV)?;
    let truth: Vec<LabelledConcept> = read_ict_skills(&data)?.iter().map(LabelledConcept::from).collect();
    let splitter = EscoSplitter::train(&texts.iter().map(|t| t.text.as_str()).collect::<Vec<_>>());
    println!("splitter trained in {:.2}s", started.elapsed().as_secs_f64());
    if args.iter().any(|a| a == "--tune-splitter") {
        let (w, acc) = tune_weights(&splitter, &texts, &truth, SegmentWeights::TUNED, TUNING_ROUNDS);
        println!("tuned weights {w:?}\ndev {acc:?}");
        let tuned = splitter.clone().with_weights(w);
        println!("test {:?}", measure(&tuned, &texts, &truth, Half::Test));
    }
    for half in [Half::Dev, Half::Test, Half::All] {
        println!("{half:?} {:?}", measure(&splitter, &texts, &truth, half));
    }
    let _ = PathBuf::new();
    let occ_texts = read_texts(&data, resonance::engine::taxonomy::data_files::ESCO_OCCUPATIONS_CSV)?;
    let occ_truth: Vec<LabelledConcept> =
        resonance::engine::taxonomy::esco::read_ict_occupations(&data)?.iter().map(LabelledConcept::from).collect();
    let occ_splitter = EscoSplitter::train(&occ_texts.iter().map(|t| t.text.as_str()).collect::<Vec<_>>());
    println!("occupations {:?}", measure(&occ_splitter, &occ_texts, &occ_truth, Half::All));
    if args.iter().any(|a| a == "--show-errors") {
        for (t, g) in label_errors(&occ_splitter, &occ_texts, &occ_truth, Half::All, 400) {
            println!("OERR {t:?} <- {g:?}");
        }
    }
    if args.iter().any(|a| a == "--show-errors") {
        for (t, g) in label_errors(&splitter, &texts, &truth, Half::Dev, 400) {
            println!("ERR {t:?} <- {g:?}");
        }
    }
    println!("total {:.2}s", started.elapsed().as_secs_f64());
    Ok(())
}

/// The value after `name` in `args`.
fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

/// A usage error.
fn usage(problem: &str) -> EngineError {
    EngineError::InvalidInput(format!(
        "{problem}\nusage: build_taxonomy --data <dir> --model <bi-encoder dir> --out <dir> [--reserved <file>|none]"
    ))
}
