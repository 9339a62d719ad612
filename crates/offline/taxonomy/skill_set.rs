//! The merged skill list: every source adds its skills here, and a skill whose name is
//! already a skill's name (case-insensitively) merges into that skill instead of
//! duplicating it. Name lists without ids (curated, skill-extractor) also merge into a
//! skill that has their name as an alias ("postgres" into PostgreSQL); concepts with ids
//! (ESCO, O*NET) do not, since two ids are two concepts even when one's alias is the
//! other's label. The first source to name a concept keeps its label, category and id;
//! later sources add aliases and fill a missing description.
//!
//! Some ESCO skills are umbrellas whose alternative labels list kinds of the thing:
//! "computer programming" has 56, most of them language names ("PowerShell", "OCaml").
//! A name merging by alias into one of those would vanish into the umbrella, so alias
//! merges only go to skills with at most `UMBRELLA_ALIAS_COUNT` aliases; the new skill
//! stays separate and `umbrella_members` reports it as a kind of the umbrella.
//!
//! Every name and alias enters here, so this is where `junk_names` keeps junk forms out: a
//! skill with a junk name is not added, a junk alias is not attached; `junk` counts both.

use std::collections::{BTreeMap, HashMap, HashSet};

use super::junk_names::{junk_alias_reason, junk_reason};
use super::records::Skill;
use resonance_engine::normalize::{clean, name_key};

/// More aliases than this make a skill an umbrella. Measured on the 877 ICT skills: 95 %
/// have at most 12, the version-rich names top out at 20 (PHP), and the twelve above 20
/// are all umbrellas (graphics editor software 78, computer programming 56, database
/// management systems 45, ..., tools for software configuration management 22).
pub const UMBRELLA_ALIAS_COUNT: usize = 20;

/// What `SkillSet::insert` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    /// A new skill at this index.
    New(usize),
    /// Merged into the skill at this index, matched by its name.
    MergedByName(usize),
    /// Merged into the skill at this index, matched by one of its aliases.
    MergedByAlias(usize),
}

/// Forms `junk_names` kept out, by reason.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct JunkCounts {
    /// Skills not added because their name is junk.
    pub names: BTreeMap<&'static str, usize>,
    /// Aliases not attached.
    pub aliases: BTreeMap<&'static str, usize>,
}

/// Skills in insertion order, with a lookup by name and alias key.
#[derive(Debug, Default, Clone)]
pub struct SkillSet {
    skills: Vec<Skill>,
    by_name: HashMap<String, usize>,
    by_alias: HashMap<String, usize>,
    junk: JunkCounts,
}

impl SkillSet {
    /// Adds `skill`, or merges it into the skill already known under its name (or, with
    /// `merge_on_alias`, under an alias). A skill with an empty or junk name is ignored (None).
    pub fn insert(&mut self, mut skill: Skill, merge_on_alias: bool) -> Option<Inserted> {
        skill.name = clean(&skill.name);
        let key = name_key(&skill.name);
        if key.is_empty() {
            return None;
        }
        if let Some(reason) = junk_reason(&skill.name) {
            *self.junk.names.entry(reason).or_insert(0) += 1;
            return None;
        }
        if let Some(&i) = self.by_name.get(&key) {
            self.merge(i, skill);
            return Some(Inserted::MergedByName(i));
        }
        let synonym_owner = |&&i: &&usize| merge_on_alias && self.skills[i].aliases.len() <= UMBRELLA_ALIAS_COUNT;
        if let Some(&i) = self.by_alias.get(&key).filter(synonym_owner) {
            self.merge(i, skill);
            return Some(Inserted::MergedByAlias(i));
        }
        let i = self.skills.len();
        self.by_name.insert(key, i);
        let aliases = std::mem::take(&mut skill.aliases);
        self.skills.push(skill);
        for alias in aliases {
            self.add_alias(i, &alias);
        }
        Some(Inserted::New(i))
    }

    /// Folds `other` into skill `i`: its name and aliases become aliases.
    fn merge(&mut self, i: usize, other: Skill) {
        let target = &mut self.skills[i];
        if target.description.is_none() {
            target.description = other.description;
        }
        target.popularity_score = target.popularity_score.max(other.popularity_score);
        self.add_alias(i, &other.name);
        for alias in &other.aliases {
            self.add_alias(i, alias);
        }
    }

    /// Adds `alias` to skill `i` unless it is the skill's name, already an alias of it, or
    /// junk. An alias already claimed by another skill is still added (the loader keeps both);
    /// an alias equal to another skill's name is removed by `into_skills`.
    pub fn add_alias(&mut self, i: usize, alias: &str) {
        let alias = clean(alias);
        let key = name_key(&alias);
        if key.is_empty() || key == name_key(&self.skills[i].name) {
            return;
        }
        if self.skills[i].aliases.iter().any(|a| name_key(a) == key) {
            return;
        }
        if let Some(reason) = junk_alias_reason(&alias, &self.skills[i].name) {
            *self.junk.aliases.entry(reason).or_insert(0) += 1;
            return;
        }
        self.by_alias.entry(key).or_insert(i);
        self.skills[i].aliases.push(alias);
    }

    /// Index of the skill named `name`, by name first, then by alias.
    pub fn find(&self, name: &str) -> Option<usize> {
        let key = name_key(name);
        self.by_name.get(&key).or_else(|| self.by_alias.get(&key)).copied()
    }

    /// Index of the skill whose name (not alias) is `name`.
    pub fn find_by_name(&self, name: &str) -> Option<usize> {
        self.by_name.get(&name_key(name)).copied()
    }

    /// The skill at `i`.
    pub fn get(&self, i: usize) -> &Skill {
        &self.skills[i]
    }

    /// Mutable access to the skill at `i` (for scores computed after merging).
    pub fn get_mut(&mut self, i: usize) -> &mut Skill {
        &mut self.skills[i]
    }

    /// Number of skills.
    pub fn len(&self) -> usize {
        self.skills.len()
    }

    /// True when no skill was added.
    pub fn is_empty(&self) -> bool {
        self.skills.is_empty()
    }

    /// All skills in insertion order.
    pub fn skills(&self) -> &[Skill] {
        &self.skills
    }

    /// The junk forms kept out so far.
    pub fn junk(&self) -> &JunkCounts {
        &self.junk
    }

    /// (member, umbrella) index pairs: skills whose name is an alias of an umbrella skill
    /// ("PowerShell" of "computer programming"). Call before `into_skills`, which drops
    /// those aliases.
    pub fn umbrella_members(&self) -> Vec<(usize, usize)> {
        let mut out = Vec::new();
        for (u, umbrella) in self.skills.iter().enumerate().filter(|(_, s)| s.aliases.len() > UMBRELLA_ALIAS_COUNT) {
            for alias in &umbrella.aliases {
                if let Some(&m) = self.by_name.get(&name_key(alias)).filter(|&&m| m != u) {
                    out.push((m, u));
                }
            }
        }
        out
    }

    /// The final list: aliases that equal another skill's name are dropped (the name wins,
    /// so extraction never maps one string to two skills through a name and an alias).
    /// Returns the skills and the number of aliases dropped.
    pub fn into_skills(self) -> (Vec<Skill>, usize) {
        let names: HashSet<String> = self.skills.iter().map(|s| name_key(&s.name)).collect();
        let mut dropped = 0;
        let skills = self
            .skills
            .into_iter()
            .map(|mut s| {
                let before = s.aliases.len();
                s.aliases.retain(|a| !names.contains(&name_key(a)));
                dropped += before - s.aliases.len();
                s
            })
            .collect();
        (skills, dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::records::SkillCategory;

    fn skill(name: &str, aliases: &[&str], source: &str) -> Skill {
        Skill {
            name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            category: SkillCategory::Technology,
            description: None,
            source: source.into(),
            source_key: None,
            popularity_score: 0.0,
        }
    }

    #[test]
    fn merges_case_insensitively_by_name_and_alias() {
        let mut set = SkillSet::default();
        assert_eq!(set.insert(skill("PostgreSQL", &["Postgres"], "curated"), true), Some(Inserted::New(0)));
        assert_eq!(set.insert(skill("postgresql", &["pg"], "skill-extractor"), true), Some(Inserted::MergedByName(0)));
        assert_eq!(set.insert(skill("postgres", &[], "skill-extractor"), true), Some(Inserted::MergedByAlias(0)));
        assert_eq!(set.len(), 1);
        let s = set.get(0);
        assert_eq!(s.name, "PostgreSQL");
        assert_eq!(s.source, "curated");
        assert_eq!(s.aliases, vec!["Postgres", "pg"], "no duplicate of the name or of an alias");
    }

    #[test]
    fn first_description_is_kept_missing_one_filled() {
        let mut set = SkillSet::default();
        set.insert(skill("Haskell", &[], "esco"), false);
        let mut other = skill("haskell", &[], "skill-extractor");
        other.description = Some("A language.".into());
        set.insert(other, true);
        assert_eq!(set.get(0).description.as_deref(), Some("A language."));
    }

    #[test]
    fn alias_equal_to_another_name_is_dropped_at_the_end() {
        let mut set = SkillSet::default();
        set.insert(skill("analyse data", &["data analysis"], "esco"), false);
        assert_eq!(set.insert(skill("Data Analysis", &[], "esco"), false), Some(Inserted::New(1)));
        assert_eq!(set.find("data analysis"), Some(1), "a name wins over an alias");
        let (skills, dropped) = set.into_skills();
        assert!(skills[0].aliases.is_empty());
        assert_eq!(dropped, 1);
    }

    #[test]
    fn umbrella_aliases_do_not_absorb_names() {
        let mut set = SkillSet::default();
        let kinds: Vec<String> = (0..UMBRELLA_ALIAS_COUNT).map(|i| format!("language{i}")).collect();
        let mut aliases: Vec<&str> = kinds.iter().map(String::as_str).collect();
        aliases.push("PowerShell");
        set.insert(skill("computer programming", &aliases, "esco"), false);
        assert_eq!(set.insert(skill("PowerShell", &[], "curated"), true), Some(Inserted::New(1)));
        assert_eq!(set.umbrella_members(), vec![(1, 0)]);
        let (skills, _) = set.into_skills();
        assert!(!skills[0].aliases.iter().any(|a| a == "PowerShell"));
    }

    #[test]
    fn junk_names_and_aliases_stay_out() {
        let mut set = SkillSet::default();
        assert_eq!(set.insert(skill("education", &["education law"], "esco"), false), None, "a section header");
        assert_eq!(set.insert(skill("retries", &[], "skill-extractor"), true), None);
        let unity = set.insert(skill("Unity (digital game creation systems)", &["Unity", "4", "5"], "esco"), false);
        assert_eq!(unity, Some(Inserted::New(0)));
        assert_eq!(set.get(0).aliases, vec!["Unity"]);
        assert_eq!(set.find("education law"), None, "the junk-named skill's aliases left with it");
        assert_eq!(set.junk().names.values().sum::<usize>(), 2);
        assert_eq!(set.junk().aliases.get("mostly digits"), Some(&2));
        let crane = set.insert(skill("set up tower crane", &["set up", "erect tower crane"], "esco"), false).unwrap();
        assert_eq!(crane, Inserted::New(1));
        assert_eq!(set.get(1).aliases, vec!["erect tower crane"]);
        assert_eq!(set.junk().aliases.get("name cut short"), Some(&1));
    }

    #[test]
    fn empty_names_are_ignored() {
        let mut set = SkillSet::default();
        assert_eq!(set.insert(skill("  ", &[], "esco"), true), None);
        assert!(set.is_empty());
        assert_eq!(set.find("anything"), None);
    }
}
