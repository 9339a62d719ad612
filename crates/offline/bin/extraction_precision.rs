//! Skill extraction's precision on the hand-labelled sample (crates/offline/evaluation/
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

use clap::Parser;

use resonance_engine::error::{EngineError, Result};
use resonance_engine::skills::{AmbiguityRules, SkillIndex};
use resonance_offline::cli::read;
use resonance_offline::evaluation::extraction_precision::{find_spans, label_line, measure, parse_labels, parse_texts, LABEL_COLUMNS};
use resonance_offline::taxonomy::tsv::read_skill_records;

#[derive(Parser, Debug)]
#[command(name = "extraction_precision", about = "Skill extraction's precision on the hand-labelled sample")]
struct Args {
    /// The directory holding kg_skills.tsv (build_taxonomy's output)
    #[arg(long, value_name = "DIR")]
    tables: PathBuf,
    /// The sample texts
    #[arg(long, value_name = "FILE", default_value = "tests/data/extraction_texts.jsonl")]
    texts: PathBuf,
    /// The labels of the spans
    #[arg(long, value_name = "FILE", default_value = "tests/data/extraction_sample.tsv")]
    labels: PathBuf,
    /// Write the found spans that have no label here, as label lines with `?`
    #[arg(long, value_name = "FILE")]
    unlabelled: Option<PathBuf>,
    /// on: list the spans labelled wrong
    #[arg(long, value_name = "on|off", default_value = "off", value_parser = ["on", "off"])]
    show_wrong: String,
}

fn main() {
    match run(Args::parse()) {
        Ok(true) => {}
        Ok(false) => std::process::exit(2),
        Err(e) => {
            eprintln!("extraction_precision: {e}");
            std::process::exit(1);
        }
    }
}

/// Prints the measurement; false when some span is unlabelled.
fn run(args: Args) -> Result<bool> {
    let (tables, texts_path, labels_path) = (args.tables, args.texts, args.labels);
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
    if args.show_wrong == "on" {
        for (span, reason) in &p.wrong {
            println!("wrong\t{}", label_line(span, "no", reason));
        }
    }
    if let Some(path) = &args.unlabelled {
        let lines: Vec<String> = p.unlabelled.iter().map(|s| label_line(s, "?", "")).collect();
        let body = format!("# {LABEL_COLUMNS}\n{}\n", lines.join("\n"));
        std::fs::write(path, body).map_err(|e| EngineError::InvalidInput(format!("cannot write {}: {e}", path.display())))?;
        println!("unlabelled spans written to {}", path.display());
    }
    Ok(p.unlabelled.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_offline::cli::parse_command_line;

    #[test]
    fn the_readme_s_invocation_parses() {
        let args: Args = parse_command_line("extraction_precision --tables /tmp/t").unwrap();
        assert_eq!((args.texts, args.show_wrong.as_str()), (PathBuf::from("tests/data/extraction_texts.jsonl"), "off"));
        assert!(parse_command_line::<Args>("e --tables t --show-wrong yes").is_err());
        assert!(parse_command_line::<Args>("e").is_err(), "--tables is required");
    }
}
