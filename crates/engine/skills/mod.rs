//! The skill knowledge graph: finding taxonomy skills in free text (`extract`), walking the
//! relations between skills (`graph`), scoring a resume's skills against a job's (`score`)
//! and against the profile of the job title's occupation (`occupation`).
//!
//! Everything here works on `SkillId`, a dense index the caller assigns (the SQL layer maps the
//! `kg_skills` uuids to 0..n), so the engine never sees where the taxonomy came from.

pub mod ambiguity;
pub mod automaton;
pub mod boundary;
pub mod extract;
pub mod fold;
pub mod graph;
pub mod index;
pub mod occupation;
pub mod score;

pub use ambiguity::AmbiguityRules;
pub use extract::{char_positions, distinct_skills, CharSpan, SkillEntry, SkillExtractor, SkillMatch};
pub use graph::{Link, Related, Relation, SkillEdge, SkillGraph, TraversalParams};
pub use index::{SkillIndex, SkillRecord};
pub use occupation::{OccupationProfile, Occupations, ResumeFits};
pub use score::{skill_graph_score, skill_graph_score_reached, JobSkill, RelatedCredit, ResumeReach, ScoreParams, SkillScore};

/// A skill's compact id: an index into the caller's skill table (0..skill_count).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SkillId(pub u32);

impl SkillId {
    /// The id as a table index.
    pub fn index(self) -> usize {
        self.0 as usize
    }
}
