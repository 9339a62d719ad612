//! Occupation inference: a title -> the occupations it most likely names, with confidences.
//!
//! Each occupation is known by labels (its name and alternative titles). A title's score for
//! an occupation is the best score of any of its labels: lexical (tf-idf over words and
//! trigrams, [`super::lexical`]) and, when the caller gives the labels nearest to the title's
//! embedding ([`NearestLabels`]: pgvector in the database, a full scan offline), embedding
//! cosine, mixed by [`InferenceParams::embedding_weight`]. The scores become a distribution
//! by a softmax that includes a "none of these" outcome, so the confidences sum to at most 1
//! and a title matching nothing well gets low confidence everywhere.

use super::lexical::{LexicalIndex, Space};
use super::title_terms::{title_terms, Acronyms};

/// An occupation as inference knows it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct IndexEntry {
    /// O*NET-SOC code or ESCO URI.
    pub key: String,
    pub name: String,
    /// Every title to match against, the name included.
    pub labels: Vec<String>,
    /// The skills of its profile, as opaque keys (the caller's skill ids); empty when the
    /// caller has no profiles.
    pub profile: Vec<String>,
}

/// The numbers of the fusion and the softmax.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct InferenceParams {
    /// Share of the embedding score in the fused score (0 = lexical only); used only when
    /// nearest labels are given.
    pub embedding_weight: f32,
    /// Softmax temperature over fused scores in [0, 1]: at 0.05 a lead of 0.1 is a factor
    /// e^2 = 7.4 in confidence. Chosen by hand; the confidences are not calibrated.
    pub temperature: f32,
    /// Share of the posting's whole text (its embedding against the labels') in the score,
    /// when the caller gives that embedding: a description says what the job is when the
    /// title does not. 0.5 chosen by hand, not tuned.
    pub text_weight: f32,
    /// The score of "none of these": a title whose best label scores this much gets at most
    /// half the mass. Chosen by hand (a lexical cosine of 0.4 is about one shared word of two).
    pub none_score: f32,
    /// Share of the posting's skills (their likeness to each occupation's profile) in the
    /// score, once the posting names [`PROFILE_SKILLS_FOR_FULL_WEIGHT`] skills; less for
    /// fewer, none for none. Chosen by hand (0.5: as much as the title), not tuned.
    pub profile_weight: f32,
}

impl Default for InferenceParams {
    fn default() -> Self {
        Self {
            embedding_weight: DEFAULT_EMBEDDING_WEIGHT,
            text_weight: 0.5,
            temperature: 0.05,
            none_score: 0.4,
            profile_weight: 0.5,
        }
    }
}

/// Posting skills at which [`InferenceParams::profile_weight`] applies in full: one or two
/// skills (a boilerplate "Excel", a stray match) say little about the occupation.
pub const PROFILE_SKILLS_FOR_FULL_WEIGHT: usize = 5;

/// See [`InferenceParams::embedding_weight`]. Measured with `occupation_accuracy --sweep on`
/// on the held-out titles of non-reserved occupations, top-1 (onet / esco / esco_ict):
/// weight 0 (lexical) 0.579 / 0.574 / 0.429, 0.25 0.631 / 0.621 / 0.475, 0.5 0.666 / 0.656 /
/// 0.548, 0.75 0.702 / 0.677 / 0.603, 1 (embedding alone) 0.699 / 0.659 / 0.612.
pub const DEFAULT_EMBEDDING_WEIGHT: f32 = 0.75;

/// Weight of each further title of a resume relative to the one before it: the headline and
/// the latest role say what the candidate does now. 0.9 chosen by hand, not tuned.
pub const RESUME_TITLE_DECAY: f32 = 0.9;

/// One inferred occupation.
#[derive(Debug, Clone, PartialEq)]
pub struct Inferred {
    /// Index into the entries the index was built from.
    pub occupation: usize,
    pub confidence: f32,
}

/// Labels of every occupation, indexed for inference.
#[derive(Debug)]
pub struct OccupationIndex {
    keys: Vec<String>,
    names: Vec<String>,
    labels: Vec<String>,
    /// Label -> occupation.
    owner: Vec<usize>,
    lexical: LexicalIndex,
    acronyms: Acronyms,
    /// Occupations by the skills of their profiles (idf-weighted cosine).
    profiles: Space,
    params: InferenceParams,
}

/// The labels nearest to an embedding, as (label position in [`OccupationIndex::labels`],
/// cosine), nearest first. Every label not listed is taken to be no nearer than the last one
/// listed: a k-nearest search bounds the rest from above.
pub type NearestLabels = [(u32, f32)];

/// How many nearest labels inference asks for. At 64 labels (about 30 occupations) the last
/// one's cosine is far enough below the best that an occupation outside them cannot win
/// the softmax (see [`InferenceParams::temperature`]).
pub const NEAREST_LABELS: usize = 64;

impl OccupationIndex {
    /// Indexes the entries' labels.
    pub fn build(entries: &[IndexEntry], params: InferenceParams) -> Self {
        let mut labels = Vec::new();
        let mut owner = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            labels.extend(e.labels.iter().cloned());
            owner.extend(std::iter::repeat_n(i, e.labels.len()));
        }
        Self {
            keys: entries.iter().map(|e| e.key.clone()).collect(),
            names: entries.iter().map(|e| e.name.clone()).collect(),
            lexical: LexicalIndex::build(&labels),
            acronyms: Acronyms::from_labels(&labels),
            profiles: Space::build(&entries.iter().map(|e| e.profile.clone()).collect::<Vec<_>>()),
            labels,
            owner,
            params,
        }
    }

    /// Every label, in the positions [`NearestLabels`] refer to.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    pub fn len(&self) -> usize {
        self.keys.len()
    }

    pub fn is_empty(&self) -> bool {
        self.keys.is_empty()
    }

    pub fn key(&self, occupation: usize) -> &str {
        &self.keys[occupation]
    }

    pub fn name(&self, occupation: usize) -> &str {
        &self.names[occupation]
    }

    /// The fused score of every occupation for `title`, with the labels nearest to the
    /// title's embedding when the caller has them.
    pub fn scores(&self, title: &str, nearest: Option<&NearestLabels>) -> Vec<f32> {
        let lexical = self.lexical_scores(title);
        match nearest {
            Some(nearest) => self.fuse(&lexical, &self.embedding_scores(nearest), self.params.embedding_weight),
            None => lexical,
        }
    }

    /// Each occupation's best lexical label score.
    pub fn lexical_scores(&self, title: &str) -> Vec<f32> {
        self.best_per_occupation(&self.lexical.scores(&title_terms(title, &self.acronyms)))
    }

    /// Each occupation's best label cosine, clamped to [0, 1]; an occupation with no label
    /// among `nearest` gets the farthest listed cosine (an upper bound, see [`NearestLabels`]).
    pub fn embedding_scores(&self, nearest: &NearestLabels) -> Vec<f32> {
        let floor = nearest.iter().map(|&(_, c)| c).fold(f32::INFINITY, f32::min);
        let floor = if floor.is_finite() { floor.clamp(0.0, 1.0) } else { 0.0 };
        let mut label_scores = vec![floor; self.labels.len()];
        for &(label, cosine) in nearest {
            if let Some(slot) = label_scores.get_mut(label as usize) {
                *slot = cosine.clamp(0.0, 1.0);
            }
        }
        self.best_per_occupation(&label_scores)
    }

    /// Lexical and embedding scores mixed with `embedding_weight`.
    pub fn fuse(&self, lexical: &[f32], dense: &[f32], embedding_weight: f32) -> Vec<f32> {
        lexical.iter().zip(dense).map(|(l, d)| (1.0 - embedding_weight) * l + embedding_weight * d).collect()
    }

    /// The `k` most likely occupations for `title`, most likely first.
    pub fn infer(&self, title: &str, nearest: Option<&NearestLabels>, k: usize) -> Vec<Inferred> {
        distribution(&self.scores(title, nearest), &self.params).into_iter().take(k).collect()
    }

    /// The `k` most likely occupations of a posting from its title and the labels nearest to
    /// its whole text (title and description), mixed by [`InferenceParams::text_weight`].
    pub fn infer_posting(&self, title: &str, nearest_to_title: Option<&NearestLabels>, nearest_to_text: &NearestLabels, k: usize) -> Vec<Inferred> {
        let from_title = self.scores(title, nearest_to_title);
        let scores = self.fuse(&from_title, &self.embedding_scores(nearest_to_text), self.params.text_weight);
        distribution(&scores, &self.params).into_iter().take(k).collect()
    }

    /// The `k` most likely occupations of a posting from its title and the skills its text
    /// names (keys as in [`IndexEntry::profile`]), mixed by [`InferenceParams::profile_weight`]
    /// scaled down below [`PROFILE_SKILLS_FOR_FULL_WEIGHT`] skills.
    pub fn infer_with_skills(&self, title: &str, nearest: Option<&NearestLabels>, skills: &[String], k: usize) -> Vec<Inferred> {
        let from_title = self.scores(title, nearest);
        let weight = self.params.profile_weight * (skills.len().min(PROFILE_SKILLS_FOR_FULL_WEIGHT) as f32)
            / PROFILE_SKILLS_FOR_FULL_WEIGHT as f32;
        let scores = if weight > 0.0 { self.fuse(&from_title, &self.profile_scores(skills), weight) } else { from_title };
        distribution(&scores, &self.params).into_iter().take(k).collect()
    }

    /// The `k` most likely occupations of a resume from the titles it states (headline first,
    /// each with the labels nearest to its embedding; see `resume_titles`) and the skills it
    /// names. A title counts by its best occupation score, later titles a little less
    /// ([`RESUME_TITLE_DECAY`]); the skills mix in as a posting's do. A resume without titles
    /// is known by its skills alone, scaled down below [`PROFILE_SKILLS_FOR_FULL_WEIGHT`]
    /// skills as their weight is.
    pub fn infer_resume(&self, titles: &[(&str, Option<&NearestLabels>)], skills: &[String], k: usize) -> Vec<Inferred> {
        let mut from_titles = vec![0.0f32; self.len()];
        for (i, (title, nearest)) in titles.iter().enumerate() {
            let decay = RESUME_TITLE_DECAY.powi(i as i32);
            for (best, s) in from_titles.iter_mut().zip(self.scores(title, *nearest)) {
                *best = best.max(decay * s);
            }
        }
        let skill_share = skills.len().min(PROFILE_SKILLS_FOR_FULL_WEIGHT) as f32 / PROFILE_SKILLS_FOR_FULL_WEIGHT as f32;
        let scores = match (titles.is_empty(), skill_share > 0.0) {
            (false, true) => self.fuse(&from_titles, &self.profile_scores(skills), self.params.profile_weight * skill_share),
            (false, false) => from_titles,
            (true, _) => self.profile_scores(skills).into_iter().map(|s| s * skill_share).collect(),
        };
        distribution(&scores, &self.params).into_iter().take(k).collect()
    }

    /// Each occupation's likeness to a set of skills: the cosine of idf-weighted skill sets.
    pub fn profile_scores(&self, skills: &[String]) -> Vec<f32> {
        let mut scores = vec![0.0; self.keys.len()];
        self.profiles.accumulate(skills.iter().map(|s| (s.as_str(), 1.0)), 1.0, &mut scores);
        scores
    }

    /// The best label score of each occupation.
    fn best_per_occupation(&self, label_scores: &[f32]) -> Vec<f32> {
        let mut best = vec![0.0f32; self.keys.len()];
        for (&o, &s) in self.owner.iter().zip(label_scores) {
            best[o] = best[o].max(s);
        }
        best
    }
}

/// Softmax with a "none" outcome over the scores, as (occupation, confidence), most likely
/// first (ties by index).
pub fn distribution(scores: &[f32], params: &InferenceParams) -> Vec<Inferred> {
    let top = scores.iter().copied().fold(params.none_score, f32::max);
    let weight = |s: f32| ((s - top) / params.temperature).exp();
    let total: f32 = weight(params.none_score) + scores.iter().map(|&s| weight(s)).sum::<f32>();
    let mut out: Vec<Inferred> =
        scores.iter().enumerate().map(|(i, &s)| Inferred { occupation: i, confidence: weight(s) / total }).collect();
    out.sort_by(|a, b| b.confidence.total_cmp(&a.confidence).then(a.occupation.cmp(&b.occupation)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, name: &str, labels: &[&str]) -> IndexEntry {
        let labels = std::iter::once(name).chain(labels.iter().copied()).map(String::from).collect();
        IndexEntry { key: key.into(), name: name.into(), labels, profile: Vec::new() }
    }

    /// A small taxonomy built from fixture labels in the style of O*NET titles, ESCO
    /// alternative labels and BLS index titles.
    fn index() -> OccupationIndex {
        let entries = vec![
            entry("29-1141.00", "Registered Nurses", &["registered nurse", "staff nurse", "nurse responsible for general care", "Cardiac Nurse"]),
            entry("29-2061.00", "Licensed Practical and Licensed Vocational Nurses", &["licensed practical nurse", "LPN"]),
            entry("29-1151.00", "Nurse Anesthetists", &["nurse anaesthetist", "CRNA"]),
            entry("31-1131.00", "Nursing Assistants", &["nurse aide", "certified nursing assistant"]),
            entry("43-4131.00", "Loan Interviewers and Clerks", &["loan clerk", "Loan Closer", "mortgage loan processor"]),
            entry("13-2072.00", "Loan Officers", &["loan officer", "Commercial Loan Officer", "mortgage loan officer"]),
            entry("15-1252.00", "Software Developers", &["software engineer", "backend developer", "Web Developer"]),
            entry("53-7051.00", "Industrial Truck and Tractor Operators", &["forklift operator", "forklift driver"]),
            entry("53-7062.00", "Laborers and Freight, Stock, and Material Movers, Hand", &["warehouse worker", "warehouse associate"]),
            entry("25-1011.00", "Business Teachers, Postsecondary", &["business lecturer", "business professor"]),
            entry("41-2031.00", "Retail Salespersons", &["sales associate", "shop assistant"]),
            entry("29-1228.00", "Physicians, All Other", &["Cardiologist", "physician"]),
        ];
        OccupationIndex::build(&entries, InferenceParams::default())
    }

    fn rank_of(index: &OccupationIndex, title: &str, key: &str) -> usize {
        let inferred = index.infer(title, None, index.len());
        inferred.iter().position(|i| index.key(i.occupation) == key).unwrap()
    }

    #[test]
    fn real_ad_titles_find_their_occupation() {
        let index = index();
        assert!(rank_of(&index, "RN – Cardiac ICU Nights", "29-1141.00") < 3);
        assert_eq!(rank_of(&index, "Loan Processor III", "43-4131.00").min(rank_of(&index, "Loan Processor III", "13-2072.00")), 0);
        assert_eq!(rank_of(&index, "Sr. Backend Engineer II", "15-1252.00"), 0);
        assert_eq!(rank_of(&index, "Warehouse Associate (Forklift)", "53-7062.00"), 0);
        assert!(rank_of(&index, "Adjunct Instructor, Business", "25-1011.00") < 3);
    }

    #[test]
    fn confidences_are_a_sub_distribution() {
        let index = index();
        let all = index.infer("Staff Nurse", None, index.len());
        let total: f32 = all.iter().map(|i| i.confidence).sum();
        assert!(total <= 1.0 + 1e-5 && total > 0.5, "{total}");
        assert!(all.windows(2).all(|w| w[0].confidence >= w[1].confidence));
        let nothing = index.infer("Zxqv Wplk", None, 1);
        assert!(nothing[0].confidence < 0.01, "{nothing:?}");
    }

    #[test]
    fn the_posting_text_decides_when_the_title_says_nothing() {
        let entries = vec![entry("a", "Cooks", &[]), entry("b", "Welders", &[])];
        let index = OccupationIndex::build(&entries, InferenceParams::default());
        let by_title = index.infer("Crew", Some(&[(0, 0.7), (1, 0.7)]), 2);
        assert!((by_title[0].confidence - by_title[1].confidence).abs() < 1e-6, "{by_title:?}");
        let by_posting = index.infer_posting("Crew", Some(&[(0, 0.7), (1, 0.7)]), &[(1, 1.0), (0, 0.1)], 1);
        assert_eq!(index.key(by_posting[0].occupation), "b");
    }

    #[test]
    fn a_posting_s_skills_point_to_the_occupation_whose_profile_they_match() {
        let with_profile = |key: &str, name: &str, skills: &[&str]| IndexEntry {
            profile: skills.iter().map(|s| s.to_string()).collect(),
            ..entry(key, name, &[])
        };
        let entries = vec![
            with_profile("a", "Data Engineers", &["spark", "airflow", "sql", "python", "kafka"]),
            with_profile("b", "Data Scientists", &["python", "statistics", "sql", "pytorch", "r"]),
        ];
        let index = OccupationIndex::build(&entries, InferenceParams::default());
        let skills: Vec<String> = ["spark", "kafka", "sql", "airflow", "python"].map(String::from).to_vec();
        let scores = index.profile_scores(&skills);
        assert!(scores[0] > 0.99 && scores[1] < scores[0], "{scores:?}");
        // "Crew Member" names neither; the skills decide.
        let with_skills = index.infer_with_skills("Crew Member", None, &skills, 1);
        assert_eq!(index.key(with_skills[0].occupation), "a");
        let title_only = index.infer("Crew Member", None, 2);
        assert!(title_only[0].confidence < 0.01, "{title_only:?}");
        assert!(with_skills[0].confidence > 0.5, "{with_skills:?}");
        // One skill moves the scores a fifth as far as five do.
        let one = index.infer_with_skills("Crew Member", None, &skills[..1], 2);
        assert!(one[0].confidence < with_skills[0].confidence, "{one:?} {with_skills:?}");
        assert_eq!(index.infer_with_skills("Crew Member", None, &[], 2), title_only);
    }

    #[test]
    fn a_resume_is_known_by_its_titles_and_else_by_its_skills() {
        let with_profile = |key: &str, name: &str, labels: &[&str], skills: &[&str]| IndexEntry {
            profile: skills.iter().map(|s| s.to_string()).collect(),
            ..entry(key, name, labels)
        };
        let entries = vec![
            with_profile("rn", "Registered Nurses", &["staff nurse"], &["patient care", "acls", "triage"]),
            with_profile("cook", "Cooks, Restaurant", &["line cook"], &["food safety", "knife skills", "grilling"]),
        ];
        let index = OccupationIndex::build(&entries, InferenceParams::default());
        let top = |inferred: Vec<Inferred>| index.key(inferred[0].occupation).to_string();
        // The headline decides; a later title counts less than the same title first.
        assert_eq!(top(index.infer_resume(&[("Staff Nurse", None), ("Line Cook", None)], &[], 2)), "rn");
        assert_eq!(top(index.infer_resume(&[("Line Cook", None), ("Staff Nurse", None)], &[], 2)), "cook");
        // No title: the skills alone, confident only once there are several.
        let skills: Vec<String> = ["food safety", "knife skills", "grilling"].map(String::from).to_vec();
        let by_skills = index.infer_resume(&[], &skills, 2);
        assert_eq!(top(by_skills.clone()), "cook");
        let one = index.infer_resume(&[], &skills[..1], 2);
        assert!(one[0].confidence < by_skills[0].confidence, "{one:?} {by_skills:?}");
        assert!(index.infer_resume(&[], &[], 2)[0].confidence < 0.01);
    }

    #[test]
    fn labels_beyond_the_nearest_get_the_farthest_cosine() {
        let entries = vec![entry("a", "Cooks", &[]), entry("b", "Welders", &[]), entry("c", "Bakers", &[])];
        let index = OccupationIndex::build(&entries, InferenceParams::default());
        assert_eq!(index.embedding_scores(&[(1, 0.9), (0, 0.5)]), vec![0.5, 0.9, 0.5]);
        assert_eq!(index.embedding_scores(&[(1, 1.5), (7, 0.2)]), vec![0.2, 1.0, 0.2], "clamped; unknown labels ignored");
        assert_eq!(index.embedding_scores(&[]), vec![0.0; 3]);
    }
}
