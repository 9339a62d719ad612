//! Skill extraction's precision on the hand-labelled sample (src/offline/evaluation/
//! extraction_precision.rs): extracts skills from the sample texts with the taxonomy in
//! `--tables` (build_taxonomy's output) and the default ambiguity rules, as the extension
//! does, and prints the spans found, how many are labelled correct, and the precision.
//!
//! Usage: extraction_precision --tables <dir with kg_skills.tsv>
//!          [--texts tests/data/extraction_texts.jsonl] [--labels tests/data/extraction_sample.tsv]
//!          [--unlabelled <file>] [--show-wrong on]
//! --unlabelled writes the found spans that have no label, as label lines with `?` to fill in.
//! --show-wrong lists the spans labelled wrong, with the label's reason.
//! Exits 2 when some found span has no label: the number would not be comparable.

use std::path::PathBuf;

use resonance_engine::error::{EngineError, Result};
use resonance_engine::skills::{AmbiguityRules, SkillIndex};
use resonance_offline::cli::{read, Flags};
use resonance_offline::evaluation::extraction_precision::{find_spans, label_line, measure, parse_labels, parse_texts, LABEL_COLUMNS};
use resonance_offline::taxonomy::tsv::read_skill_records;

fn main() {
    match run() {
        Ok(true) => {}
        Ok(false) => std::process::exit(2),
        Err(e) => {
            eprintln!("extraction_precision: {e}");
            std::process::exit(1);
        }
    }
}

/// Prints the measurement; false when some span is unlabelled.
fn run() -> Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let flags = Flags::parse(&args)?;
    let tables = flags.path("tables")?;
    let texts_path = flags.0.get("texts").map_or_else(|| PathBuf::from("tests/data/extraction_texts.jsonl"), PathBuf::from);
    let labels_path = flags.0.get("labels").map_or_else(|| PathBuf::from("tests/data/extraction_sample.tsv"), PathBuf::from);
    let texts = parse_texts(&read(&texts_path)?, &texts_path.display().to_string())?;
    let labels = parse_labels(&read(&labels_path)?, &labels_path.display().to_string())?;
    let records = read_skill_records(&tables.join("kg_skills.tsv"))?;
    let index = SkillIndex::build(&records, &[], &[], &AmbiguityRules::default())?;
    let found = find_spans(&index, &texts)?;
    let p = measure(&found, &labels);
    println!("taxonomy: {} skills from {}", records.len(), tables.display());
    println!("texts: {}, spans found: {}", texts.len(), p.found());
    println!("labelled correct: {}, labelled wrong: {}, unlabelled: {}", p.correct.len(), p.wrong.len(), p.unlabelled.len());
    match p.value() {
        Some(v) => println!("precision: {:.3} ({} / {})", v, p.correct.len(), p.correct.len() + p.wrong.len()),
        None => println!("precision: no labelled span found"),
    }
    if flags.0.get("show-wrong").is_some_and(|v| v == "on") {
        for (span, reason) in &p.wrong {
            println!("wrong\t{}", label_line(span, "no", reason));
        }
    }
    if let Some(path) = flags.0.get("unlabelled") {
        let lines: Vec<String> = p.unlabelled.iter().map(|s| label_line(s, "?", "")).collect();
        let body = format!("# {LABEL_COLUMNS}\n{}\n", lines.join("\n"));
        std::fs::write(path, body).map_err(|e| EngineError::InvalidInput(format!("cannot write {path}: {e}")))?;
        println!("unlabelled spans written to {path}");
    }
    Ok(p.unlabelled.is_empty())
}
