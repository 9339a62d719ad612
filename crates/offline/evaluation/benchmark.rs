//! The benchmark's tracks (`<eval_dir>/<track>/jobs.jsonl, resumes.jsonl, qrels.tsv`).
//!
//! Each row's `occupation` is the ground truth. The loader moves it into
//! [`OccupationLabels`], apart from the [`Job`] and [`Resume`] a system ranks, so a system
//! given only `jobs` and `resumes` cannot see it.

use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::str::FromStr;

use serde::Deserialize;

use resonance_engine::evaluation::files::read_text;
use resonance_engine::evaluation::qrels::Qrels;
use resonance_engine::error::{EngineError, Result};

/// One of the benchmark's two tracks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Track {
    /// O*NET: 1824 postings, 300 resumes.
    Onet,
    /// ESCO ICT: 91 postings, 134 resumes.
    EscoIct,
}

impl Track {
    /// The track's directory name under the eval dir.
    pub fn dir_name(self) -> &'static str {
        match self {
            Track::Onet => "onet",
            Track::EscoIct => "esco_ict",
        }
    }
}

impl fmt::Display for Track {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.dir_name())
    }
}

impl FromStr for Track {
    type Err = EngineError;

    fn from_str(s: &str) -> Result<Self> {
        match s {
            "onet" => Ok(Track::Onet),
            "esco_ict" => Ok(Track::EscoIct),
            other => Err(EngineError::InvalidInput(format!("unknown track {other:?}: expected onet or esco_ict"))),
        }
    }
}

/// A job posting as a system sees it (no occupation).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Job {
    pub id: String,
    pub title: String,
    pub description: String,
    pub country: Option<String>,
    pub city: Option<String>,
    pub remote: Option<bool>,
    pub experience_level: Option<String>,
}

/// What joins a job's title and description in [`Job::text`]: the extension's
/// `resonance.job_document` joins them with a space too, so an offline score measures the
/// embedding the database stores. A space, not ". ": measured with `evaluate --system
/// bi_encoder`, "title. description" scores nDCG@10 0.4979 (onet) / 0.5314 (esco_ict), a
/// space 0.5003 / 0.5442, the dev README's v1 figures.
pub const TITLE_SEPARATOR: &str = " ";

impl Job {
    /// The text a system matches against: title and description joined by
    /// [`TITLE_SEPARATOR`], as `resonance.job_document` builds it.
    pub fn text(&self) -> String {
        self.text_joined_by(TITLE_SEPARATOR)
    }

    /// Title and description, each trimmed, joined by `separator`; an empty part is left out
    /// with its separator, like SQL `concat_ws` over `nullif(btrim(..), '')` (which trims spaces only).
    pub fn text_joined_by(&self, separator: &str) -> String {
        let parts: Vec<&str> =
            [self.title.trim(), self.description.trim()].into_iter().filter(|p| !p.is_empty()).collect();
        parts.join(separator)
    }
}

/// A resume as a system sees it (no occupation).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Resume {
    pub id: String,
    pub text: String,
    pub location: Option<String>,
    pub experience_level: Option<String>,
}

/// A JSONL row before its ground-truth occupation is split off.
#[derive(Deserialize)]
struct Labelled<T> {
    #[serde(flatten)]
    item: T,
    occupation: String,
}

/// The ground truth: occupation (O*NET-SOC code or ESCO URI) of every job and resume.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OccupationLabels {
    jobs: HashMap<String, String>,
    resumes: HashMap<String, String>,
}

impl OccupationLabels {
    /// Occupation of a job, by job id.
    pub fn job(&self, job_id: &str) -> Option<&str> {
        self.jobs.get(job_id).map(String::as_str)
    }

    /// Occupation of a resume, by resume id.
    pub fn resume(&self, resume_id: &str) -> Option<&str> {
        self.resumes.get(resume_id).map(String::as_str)
    }
}

/// One loaded track: what a system sees, the judgements, and the ground truth kept apart.
#[derive(Debug, Clone)]
pub struct Benchmark {
    pub track: Track,
    pub jobs: Vec<Job>,
    pub resumes: Vec<Resume>,
    pub qrels: Qrels,
    pub occupations: OccupationLabels,
}

impl Benchmark {
    /// Loads `track` from `eval_dir` (the directory holding `onet/` and `esco_ict/`).
    pub fn load(eval_dir: &Path, track: Track) -> Result<Self> {
        let dir = eval_dir.join(track.dir_name());
        let (jobs, job_labels) = read_labelled::<Job>(&dir.join("jobs.jsonl"), |j| &j.id)?;
        let (resumes, resume_labels) = read_labelled::<Resume>(&dir.join("resumes.jsonl"), |r| &r.id)?;
        let qrels_path = dir.join("qrels.tsv");
        let qrels = Qrels::load(&qrels_path)?;
        check_qrels_ids(&qrels, &resume_labels, &job_labels, &qrels_path)?;
        Ok(Self {
            track,
            jobs,
            resumes,
            qrels,
            occupations: OccupationLabels { jobs: job_labels, resumes: resume_labels },
        })
    }
}

/// Reads a JSONL file of labelled rows: the rows, and id -> occupation. Empty files,
/// malformed rows and repeated ids are errors naming the file and line.
fn read_labelled<T: for<'de> Deserialize<'de>>(
    path: &Path,
    id_of: fn(&T) -> &String,
) -> Result<(Vec<T>, HashMap<String, String>)> {
    let text = read_text(path)?;
    let mut items = Vec::new();
    let mut labels = HashMap::new();
    for (index, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let row: Labelled<T> = serde_json::from_str(line)
            .map_err(|e| EngineError::InvalidInput(format!("{} line {}: {e}", path.display(), index + 1)))?;
        let id = id_of(&row.item).clone();
        if labels.insert(id.clone(), row.occupation).is_some() {
            return Err(EngineError::InvalidInput(format!(
                "{} line {}: id {id} appears twice",
                path.display(),
                index + 1
            )));
        }
        items.push(row.item);
    }
    if items.is_empty() {
        return Err(EngineError::InvalidInput(format!("{} has no rows", path.display())));
    }
    Ok((items, labels))
}

/// Errors if the judgements name a resume or job the track does not have.
fn check_qrels_ids(
    qrels: &Qrels,
    resumes: &HashMap<String, String>,
    jobs: &HashMap<String, String>,
    path: &Path,
) -> Result<()> {
    if qrels.is_empty() {
        return Err(EngineError::InvalidInput(format!("{} has no judgements", path.display())));
    }
    if let Some(q) = qrels.resume_ids().find(|q| !resumes.contains_key(*q)) {
        return Err(EngineError::InvalidInput(format!("{} judges unknown resume {q}", path.display())));
    }
    if let Some((_, d, _)) = qrels.iter().find(|(_, d, _)| !jobs.contains_key(*d)) {
        return Err(EngineError::InvalidInput(format!("{} judges unknown job {d}", path.display())));
    }
    Ok(())
}
