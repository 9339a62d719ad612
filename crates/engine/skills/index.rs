//! The skill taxonomy held in memory: names, the extraction automaton and the graph, built
//! together from the kg_* rows. One `SkillIndex` serves resonance_extract_skills,
//! resonance_related_skills and stage 2 of resonance_match.

use std::sync::Arc;

use super::extract::{distinct_skills, SkillEntry, SkillExtractor, SkillMatch};
use super::graph::{Related, SkillEdge, SkillGraph};
use super::occupation::{
    combined_skill_score, expected_occupation_fit, OccupationProfile, Occupations, ResumeFits, ResumeSkills,
};
use super::score::{skill_graph_score_reached, JobSkill, ResumeReach, ScoreParams};
use super::{AmbiguityRules, SkillId};
use crate::error::{EngineError, Result};
use crate::explain::{OccupationEvidence, RelatedSkill, SkillEvidence};
use crate::matching::{JobText, ResumeText, SkillScorer};
use crate::occupations::guess::OccupationGuess;
use crate::occupations::inference::Inferred;
use crate::snapshot::{SharedBytes, Snapshot, SnapshotWriter, Strings};

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

/// The snapshot kind and format version of a skill index (`crate::snapshot`). Bump the
/// version whenever a section or the frame changes meaning: an index file of another version
/// is never opened (its name carries the version) and is rebuilt. 3: the frame carries a
/// checksum (`crate::snapshot`).
pub const SNAPSHOT_KIND: &str = "skill index";
pub const SNAPSHOT_VERSION: u32 = 3;

/// The skill taxonomy ready to search: a snapshot (built here, or a file mapped by many
/// processes) read in place, plus the parts small enough to copy when it is opened.
pub struct SkillIndex {
    snapshot: Snapshot,
    names: Strings,
    extractor: SkillExtractor,
    graph: SkillGraph,
    occupations: Occupations,
    params: ScoreParams,
}

impl SkillIndex {
    /// Builds the automaton, the graph and the occupation profiles in this process. `edges`
    /// and the profiles' skills refer to positions in `records`.
    pub fn build(
        records: &[SkillRecord],
        edges: &[SkillEdge],
        occupations: &[OccupationProfile],
        rules: &AmbiguityRules,
    ) -> Result<Self> {
        let mut w = SnapshotWriter::new();
        Self::write(&mut w, records, edges, occupations, rules)?;
        Self::open(Arc::new(Self::finish(w)))
    }

    /// Writes the index's sections into `w`; the caller may add sections of its own (under
    /// other names) before `finish`.
    pub fn write(
        w: &mut SnapshotWriter,
        records: &[SkillRecord],
        edges: &[SkillEdge],
        occupations: &[OccupationProfile],
        rules: &AmbiguityRules,
    ) -> Result<()> {
        let entries: Vec<SkillEntry> = records
            .iter()
            .enumerate()
            .map(|(i, r)| SkillEntry { skill: SkillId(i as u32), name: r.name.clone(), aliases: r.aliases.clone() })
            .collect();
        SkillExtractor::write(w, &entries, rules)?;
        w.strings("skills.names", records.iter().map(|r| r.name.as_str()));
        SkillGraph::new(records.len(), edges)?.write(w, "graph");
        w.strings("occupations.names", occupations.iter().map(|o| o.name.as_str()));
        let mut first = vec![0u32];
        for o in occupations {
            first.push(first[first.len() - 1] + o.skills.len() as u32);
        }
        w.u32s("occupations.first_skill", first);
        w.u32s("occupations.skills", occupations.iter().flat_map(|o| o.skills.iter().map(|s| s.0)));
        Ok(())
    }

    /// The snapshot's bytes, ready to open or to store.
    pub fn finish(w: SnapshotWriter) -> Vec<u8> {
        w.finish(SNAPSHOT_KIND, SNAPSHOT_VERSION)
    }

    /// Opens an index snapshot (from `finish`): the automaton and the names are read where
    /// they lie; the graph and the occupation profiles are copied (a few MB, a few ms).
    pub fn open(bytes: SharedBytes) -> Result<Self> {
        let snapshot = Snapshot::open(bytes, SNAPSHOT_KIND, SNAPSHOT_VERSION)?;
        let names = snapshot.strings("skills.names")?;
        let graph = SkillGraph::open(&snapshot, "graph")?;
        if graph.skill_count() != names.len() {
            return Err(EngineError::Io { what: "skill index snapshot".into(), reason: "its graph and names disagree".into() });
        }
        let occupations = Occupations::new(&read_profiles(&snapshot, names.len())?);
        Ok(SkillIndex {
            extractor: SkillExtractor::open(&snapshot)?,
            names,
            graph,
            occupations,
            params: ScoreParams::default(),
            snapshot,
        })
    }

    /// The snapshot the index reads (for storing it, or for the caller's own sections).
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    pub fn name(&self, id: SkillId) -> &str {
        self.names.get(id.index())
    }

    /// The skill a name or alias denotes, case- and whitespace-insensitively.
    pub fn lookup(&self, name: &str) -> Option<SkillId> {
        self.extractor.lookup(name)
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

    /// How a resume fits a job whose occupation is guessed as `guesses` (resolved).
    fn occupation_evidence(
        &self,
        fits: &ResumeFits,
        guesses: &[Inferred],
        candidate: Option<OccupationGuess>,
    ) -> Option<OccupationEvidence> {
        let fit = expected_occupation_fit(fits, guesses)?;
        let typical = &fit.likely_fit.typical;
        Some(OccupationEvidence {
            title: self.occupations.name(fit.likely.occupation).to_string(),
            confidence: fit.likely.confidence,
            fit: fit.score,
            fit_confidence: fit.confidence,
            typical_skills: self.names_of(&typical[..typical.len().min(MAX_BONUS_IN_EXPLANATION)]),
            candidate,
        })
    }

    /// Skill evidence for one job against a resume's extracted skills, with the fit to the
    /// job's inferred occupations when it has some.
    fn evidence_against(
        &self,
        resume_skills: &[SkillId],
        reach: &ResumeReach,
        job: &JobText<'_>,
        fit: Option<OccupationEvidence>,
    ) -> SkillEvidence {
        let named = match job.skills {
            Some(stored) => stored.to_vec(),
            None => distinct_skills(&self.extract(job.document)),
        };
        let job: Vec<JobSkill> = named.into_iter().map(JobSkill::new).collect();
        // Ids come from this index (its extractor, or stored ids resolved against it), so the
        // graph knows them all.
        let Ok(s) = skill_graph_score_reached(&self.graph, resume_skills, reach, &job, &self.params) else {
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
            score: combined_skill_score(s.score, fit.as_ref().map(|o| (o.fit, o.fit_confidence))),
            occupation: fit,
        }
    }
}

/// The occupation profiles written by `SkillIndex::write`.
fn read_profiles(snapshot: &Snapshot, skill_count: usize) -> Result<Vec<OccupationProfile>> {
    let names = snapshot.strings("occupations.names")?;
    let (first, skills) = (snapshot.u32s("occupations.first_skill")?, snapshot.u32s("occupations.skills")?);
    let (first, skills) = (first.view(), skills.view());
    let fits = first.len() == names.len() + 1
        && (1..first.len()).all(|i| first.get(i - 1) <= first.get(i))
        && first.get(first.len() - 1) as usize == skills.len()
        && skills.iter().all(|s| (s as usize) < skill_count);
    if !fits {
        return Err(EngineError::Io { what: "skill index snapshot".into(), reason: "its occupation profiles do not fit".into() });
    }
    Ok((0..names.len())
        .map(|i| OccupationProfile {
            name: names.get(i).to_string(),
            skills: (first.get(i)..first.get(i + 1)).map(|k| SkillId(skills.get(k as usize))).collect(),
        })
        .collect())
}

impl SkillScorer for SkillIndex {
    fn evidence(&self, resume: ResumeText<'_>, jobs: &[JobText<'_>]) -> Vec<SkillEvidence> {
        let skills = distinct_skills(&self.extract(resume.text));
        // Ids from this index's own extractor and the default parameters: it cannot fail.
        let reach = ResumeReach::new(&self.graph, &skills, &self.params).unwrap_or_else(|_| ResumeReach::empty());
        let guesses: Vec<Vec<Inferred>> = jobs.iter().map(|j| self.occupations.resolve(j.occupations)).collect();
        // The resume's relations are only needed when some job has a known occupation.
        let resume_skills = guesses
            .iter()
            .any(|g| !g.is_empty())
            .then(|| ResumeSkills::new(&self.graph, &skills, &self.params));
        let resume_occupations = self.occupations.resolve(resume.occupations);
        let candidate = resume_occupations.first().map(|r| OccupationGuess {
            occupation: self.occupations.name(r.occupation).to_string(),
            confidence: r.confidence,
        });
        let fits = resume_skills.as_ref().map(|r| {
            ResumeFits::with_resume_occupations(&self.occupations, r, &self.params, resume_occupations.clone())
        });
        jobs.iter()
            .zip(&guesses)
            .map(|(job, guesses)| {
                let fit = fits.as_ref().and_then(|f| self.occupation_evidence(f, guesses, candidate.clone()));
                self.evidence_against(&skills, &reach, job, fit)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::occupations::guess::OccupationGuess;
    use crate::skills::Relation;

    fn index() -> SkillIndex {
        let records = [
            ("Python", vec![]),
            ("Django", vec![]),
            ("PostgreSQL", vec!["Postgres"]),
            ("Kubernetes", vec!["k8s"]),
            ("Flask", vec![]),
        ]
        .map(|(n, a): (&str, Vec<&str>)| SkillRecord {
            name: n.into(),
            aliases: a.into_iter().map(String::from).collect(),
        });
        let edges = [
            SkillEdge { source: SkillId(1), target: SkillId(0), relation: Relation::Requires, weight: 1.0 },
            SkillEdge { source: SkillId(4), target: SkillId(0), relation: Relation::Requires, weight: 1.0 },
            SkillEdge { source: SkillId(1), target: SkillId(4), relation: Relation::RelatedTo, weight: 0.8 },
        ];
        let occupations =
            [OccupationProfile { name: "Backend Developers".into(), skills: vec![SkillId(0), SkillId(1), SkillId(2)] }];
        SkillIndex::build(&records, &edges, &occupations, &AmbiguityRules::default()).unwrap()
    }

    fn job<'a>(occupations: &'a [OccupationGuess], document: &'a str) -> JobText<'a> {
        JobText { occupations, document, skills: None }
    }

    fn guess(occupation: &str, confidence: f32) -> Vec<OccupationGuess> {
        vec![OccupationGuess { occupation: occupation.into(), confidence }]
    }

    #[test]
    fn a_damaged_index_is_refused_whole_never_read() {
        // Bytes of the automaton, the names, the graph, the table: each one damaged is an
        // error from open, not a panic or a different answer from a search later.
        let bytes = index().snapshot().as_bytes().to_vec();
        for at in [8, bytes.len() / 4, bytes.len() / 2, 3 * bytes.len() / 4, bytes.len() - 30] {
            let mut damaged = bytes.clone();
            damaged[at] = damaged[at].wrapping_add(1 + (at % 200) as u8);
            let err = SkillIndex::open(Arc::new(damaged)).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("checksum does not match"), "byte {at} of {}: {err:?}", bytes.len());
        }
        assert_eq!(SkillIndex::open(Arc::new(bytes)).unwrap().lookup("k8s"), Some(SkillId(3)));
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
        let ev = idx
            .evidence(ResumeText::plain("Python and Flask developer, some Postgres"), &[job(&[], "Django, PostgreSQL and Kubernetes")]);
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
    fn stored_job_skills_give_the_evidence_extraction_gives() {
        let idx = index();
        let (resume, document) = ("Python and Flask developer, some Postgres", "Django, PostgreSQL and Kubernetes");
        let extracted = idx.evidence(ResumeText::plain(resume), &[job(&[], document)]).pop().unwrap();
        let stored = [SkillId(1), SkillId(2), SkillId(3)];
        let given = JobText { occupations: &[], document: "(not read)", skills: Some(&stored) };
        assert_eq!(format!("{:?}", idx.evidence(ResumeText::plain(resume), &[given]).pop().unwrap()), format!("{extracted:?}"));
        // Stored skills are taken as they are: none stored means none asked for.
        let none = JobText { occupations: &[], document, skills: Some(&[]) };
        assert_eq!(idx.evidence(ResumeText::plain(resume), &[none]).pop().unwrap().score, None);
    }

    #[test]
    fn job_without_known_skills_has_no_score() {
        let ev = index().evidence(ResumeText::plain("Python"), &[job(&guess("Barista", 0.9), "Friendly team, free coffee")]);
        assert_eq!(ev[0].score, None);
        assert_eq!(ev[0].occupation, None);
    }

    #[test]
    fn an_inferred_occupation_adds_fit_in_proportion_to_its_confidence() {
        let idx = index();
        let resume = "Python, Flask and Kubernetes";
        let document = "Django and PostgreSQL";
        let plain = idx.evidence(ResumeText::plain(resume), &[job(&[], document)]).pop().unwrap();
        let sure = guess("Backend Developers", 1.0);
        let titled = idx.evidence(ResumeText::plain(resume), &[job(&sure, document)]).pop().unwrap();
        let occupation = titled.occupation.clone().unwrap();
        assert_eq!(occupation.title, "Backend Developers");
        assert_eq!(occupation.typical_skills, vec!["Python"]);
        // Python typical (1), Flask near Django (0.7 cap), Kubernetes neither: 1.7 / 3.
        assert!((occupation.fit - 1.7 / 3.0).abs() < 1e-6, "{}", occupation.fit);
        let expected = combined_skill_score(plain.score, Some((occupation.fit, 1.0))).unwrap();
        assert!((titled.score.unwrap() - expected).abs() < 1e-6);
        assert_ne!(titled.score, plain.score);
        // Half as sure: the fit takes half the share, so the score moves half as far.
        let unsure = idx.evidence(ResumeText::plain(resume), &[job(&guess("backend developer", 0.5), document)]).pop().unwrap();
        let halfway = (plain.score.unwrap() + titled.score.unwrap()) / 2.0;
        assert!((unsure.score.unwrap() - halfway).abs() < 1e-6, "{unsure:?}");
        assert_eq!(unsure.occupation.unwrap().confidence, 0.5);
        // A job with no listed skills is still scored through its occupation.
        let only_title = idx.evidence(ResumeText::plain(resume), &[job(&sure, "Great team")]).pop().unwrap();
        assert!((only_title.score.unwrap() - occupation.fit).abs() < 1e-6);
    }
}
