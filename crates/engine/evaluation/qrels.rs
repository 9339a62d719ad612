//! Relevance judgements (`qrels.tsv`: resume_id, job_id, grade), read as metrics.py reads
//! them: grades <= 0 are dropped, a line whose grade is not an integer is a header and is
//! skipped, and a later line for the same pair overrides an earlier one.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::files::{read_text, tsv_records};
use crate::error::{EngineError, Result};

/// Grade of a posting of the resume's own occupation; MRR and Recall count only these.
pub const SAME_OCCUPATION_GRADE: u32 = 2;

/// Graded relevance of jobs to each judged resume (grade > 0; absent means 0).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Qrels {
    judged: BTreeMap<String, HashMap<String, u32>>,
}

impl Qrels {
    /// Reads a qrels file.
    pub fn load(path: &Path) -> Result<Self> {
        Self::parse(&read_text(path)?, &path.display().to_string())
    }

    /// Parses qrels text; `origin` names the source in error messages.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let mut qrels = Self::default();
        for record in tsv_records(text, origin)? {
            let Ok(grade) = record.fields[2].trim().parse::<i64>() else {
                continue; // a header line, as metrics.py treats it
            };
            if grade > 0 {
                let grade = u32::try_from(grade).ok().filter(|g| *g < 64).ok_or_else(|| {
                    EngineError::InvalidInput(format!(
                        "{origin} line {}: grade {grade} is out of range",
                        record.line_number
                    ))
                })?;
                qrels.insert(record.fields[0], record.fields[1], grade);
            }
        }
        Ok(qrels)
    }

    /// Records `grade` for (`resume_id`, `job_id`); a grade of 0 records nothing.
    pub fn insert(&mut self, resume_id: &str, job_id: &str, grade: u32) {
        if grade > 0 {
            self.judged.entry(resume_id.to_owned()).or_default().insert(job_id.to_owned(), grade);
        }
    }

    /// The judgements of the resumes in `ids` only.
    pub fn subset(&self, ids: &[&str]) -> Qrels {
        let mut out = Qrels::default();
        for (resume, job, grade) in self.iter().filter(|(r, _, _)| ids.contains(r)) {
            out.insert(resume, job, grade);
        }
        out
    }

    /// Judged resume ids, in byte order (the order metrics.py averages in).
    pub fn resume_ids(&self) -> impl Iterator<Item = &str> {
        self.judged.keys().map(String::as_str)
    }

    /// Each judged resume id (in byte order) with its judged jobs and grades.
    pub fn by_resume(&self) -> impl Iterator<Item = (&str, &HashMap<String, u32>)> {
        self.judged.iter().map(|(q, grades)| (q.as_str(), grades))
    }

    /// The judged jobs of one resume with their grades.
    pub fn grades(&self, resume_id: &str) -> Option<&HashMap<String, u32>> {
        self.judged.get(resume_id)
    }

    /// Grade of one pair (0 when not judged).
    pub fn grade(&self, resume_id: &str, job_id: &str) -> u32 {
        self.grades(resume_id).and_then(|g| g.get(job_id)).copied().unwrap_or(0)
    }

    /// Every judged (resume, job, grade) triple.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str, u32)> {
        self.judged.iter().flat_map(|(q, jobs)| jobs.iter().map(move |(d, g)| (q.as_str(), d.as_str(), *g)))
    }

    /// Number of judged resumes.
    pub fn len(&self) -> usize {
        self.judged.len()
    }

    pub fn is_empty(&self) -> bool {
        self.judged.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qrels_subset_keeps_only_the_named_resumes() {
        let mut qrels = Qrels::default();
        qrels.insert("r1", "j1", 2);
        qrels.insert("r2", "j1", 1);
        let subset = qrels.subset(&["r2"]);
        assert_eq!(subset.len(), 1);
        assert_eq!(subset.grade("r2", "j1"), 1);
        assert_eq!(subset.grade("r1", "j1"), 0);
    }
}
