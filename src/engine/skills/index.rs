//! The skill taxonomy held in memory: names, the extraction automaton and the graph, built
//! together from the kg_* rows. One `SkillIndex` serves resonance_extract_skills,
//! resonance_related_skills and stage 2 of resonance_match.

use std::collections::HashMap;

use super::extract::{distinct_skills, SkillEntry, SkillExtractor, SkillMatch};
use super::fold::fold_name;
use super::graph::{Related, SkillEdge, SkillGraph};
use super::score::{skill_graph_score, JobSkill, ScoreParams};
use super::{AmbiguityRules, SkillId};
use crate::engine::error::Result;
use crate::engine::explain::{RelatedSkill, SkillEvidence};
use crate::engine::matching::SkillScorer;

/// One skill as stored: the preferred label and its aliases. Its position in the list
/// given to [`SkillIndex::build`] is its `SkillId`.
#[derive(Debug, Clone)]
pub struct SkillRecord {
    pub name: String,
    pub aliases: Vec<String>,
}

/// How many bonus skills an explanation lists: a long resume can name 60 skills the job
/// never asked for, and a reader wants the first few, not all.
pub const MAX_BONUS_IN_EXPLANATION: usize = 10;

pub struct SkillIndex {
    names: Vec<String>,
    lookup: HashMap<String, SkillId>,
    extractor: SkillExtractor,
    graph: SkillGraph,
    params: ScoreParams,
}

impl SkillIndex {
    /// Builds the automaton and the graph. `edges` refer to positions in `records`.
    pub fn build(records: &[SkillRecord], edges: &[SkillEdge], rules: &AmbiguityRules) -> Result<Self> {
        let entries: Vec<SkillEntry> = records
            .iter()
            .enumerate()
            .map(|(i, r)| SkillEntry { skill: SkillId(i as u32), name: r.name.clone(), aliases: r.aliases.clone() })
            .collect();
        let mut lookup = HashMap::new();
        // Canonical names first, so an alias never shadows another skill's own name.
        for (i, r) in records.iter().enumerate() {
            lookup.entry(fold_name(&r.name)).or_insert(SkillId(i as u32));
        }
        for (i, r) in records.iter().enumerate() {
            for a in &r.aliases {
                lookup.entry(fold_name(a)).or_insert(SkillId(i as u32));
            }
        }
        Ok(Self {
            names: records.iter().map(|r| r.name.clone()).collect(),
            lookup,
            extractor: SkillExtractor::new(&entries, rules)?,
            graph: SkillGraph::new(records.len(), edges)?,
            params: ScoreParams::default(),
        })
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn name(&self, id: SkillId) -> &str {
        &self.names[id.index()]
    }

    /// The skill a name or alias denotes, case- and whitespace-insensitively.
    pub fn lookup(&self, name: &str) -> Option<SkillId> {
        self.lookup.get(&fold_name(name)).copied()
    }

    pub fn extract(&self, text: &str) -> Vec<SkillMatch> {
        self.extractor.extract(text)
    }

    /// Skills related to the one `name` denotes; empty when no skill has that name.
    pub fn related(&self, name: &str, max_depth: usize, max_results: usize) -> Result<Vec<Related>> {
        match self.lookup(name) {
            Some(id) => self.graph.related(id, max_depth, max_results),
            None => Ok(Vec::new()),
        }
    }

    fn names_of(&self, ids: &[SkillId]) -> Vec<String> {
        ids.iter().map(|&id| self.name(id).to_string()).collect()
    }

    /// Skill evidence for one job text against a resume's extracted skills.
    fn evidence_against(&self, resume_skills: &[SkillId], job_text: &str) -> SkillEvidence {
        let job: Vec<JobSkill> = distinct_skills(&self.extract(job_text)).into_iter().map(JobSkill::new).collect();
        // Ids come from this index's own extractor, so the graph knows them all.
        let Ok(s) = skill_graph_score(&self.graph, resume_skills, &job, &self.params) else {
            return SkillEvidence::default();
        };
        SkillEvidence {
            matched: self.names_of(&s.matched),
            missing: self.names_of(&s.missing),
            related: s
                .related
                .iter()
                .map(|r| RelatedSkill {
                    resume: self.name(r.resume).to_string(),
                    job: self.name(r.job).to_string(),
                    similarity: r.similarity,
                })
                .collect(),
            bonus: self.names_of(&s.bonus[..s.bonus.len().min(MAX_BONUS_IN_EXPLANATION)]),
            score: s.score,
        }
    }
}

impl SkillScorer for SkillIndex {
    fn evidence(&self, resume_text: &str, job_texts: &[&str]) -> Vec<SkillEvidence> {
        let resume = distinct_skills(&self.extract(resume_text));
        job_texts.iter().map(|job| self.evidence_against(&resume, job)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::skills::Relation;

    fn index() -> SkillIndex {
        let records = [
            ("Python", vec![]),
            ("Django", vec![]),
            ("PostgreSQL", vec!["Postgres"]),
            ("Kubernetes", vec!["k8s"]),
            ("Flask", vec![]),
        ]
        .map(|(n, a): (&str, Vec<&str>)| SkillRecord { name: n.into(), aliases: a.into_iter().map(String::from).collect() });
        let edges = [
            SkillEdge { source: SkillId(1), target: SkillId(0), relation: Relation::Requires, weight: 1.0 },
            SkillEdge { source: SkillId(4), target: SkillId(0), relation: Relation::Requires, weight: 1.0 },
            SkillEdge { source: SkillId(1), target: SkillId(4), relation: Relation::RelatedTo, weight: 0.8 },
        ];
        SkillIndex::build(&records, &edges, &AmbiguityRules::default()).unwrap()
    }

    #[test]
    fn looks_up_names_and_aliases_in_any_case() {
        let idx = index();
        assert_eq!(idx.lookup("postgres"), Some(SkillId(2)));
        assert_eq!(idx.lookup(" K8S "), Some(SkillId(3)));
        assert_eq!(idx.lookup("cobol"), None);
    }

    #[test]
    fn related_of_unknown_skill_is_empty() {
        assert!(index().related("cobol", 2, 10).unwrap().is_empty());
        let r = index().related("django", 1, 10).unwrap();
        assert!(r.iter().any(|x| x.skill == SkillId(0)));
    }

    #[test]
    fn evidence_names_matched_missing_related_and_bonus() {
        let idx = index();
        let ev = idx.evidence("Python and Flask developer, some Postgres", &["Django, PostgreSQL and Kubernetes"]);
        let e = &ev[0];
        assert_eq!(e.matched, vec!["PostgreSQL"]);
        assert_eq!(e.missing, vec!["Kubernetes"]);
        assert_eq!(e.related.len(), 1);
        assert_eq!((e.related[0].job.as_str(), e.related[0].resume.as_str()), ("Django", "Flask"));
        assert!(e.bonus.contains(&"Python".to_string()));
        let score = e.score.unwrap();
        assert!(score > 1.0 / 3.0 && score < 2.0 / 3.0, "{score}");
    }

    #[test]
    fn job_without_known_skills_has_no_score() {
        let ev = index().evidence("Python", &["Friendly team, free coffee"]);
        assert_eq!(ev[0].score, None);
    }
}
