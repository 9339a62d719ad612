//! The title TSVs `crates/offline/titles/fetch_titles.sh` writes (`~/.cache/resonance/titles/tsv`,
//! columns `source title raw code_system code onet_soc esco_uri reserved`; DATA.md §2): the
//! ONS coding index as title groups, and the ESCO occupations the reserved rule selects.
//!
//! ESCO and BLS titles themselves come through `occupations::labels` (the same labels the
//! extension indexes); these files add what that module does not read.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use crate::cli::read;
use resonance_engine::error::Result;
use resonance_engine::skills::occupation::title_key;

pub const ONS_TSV: &str = "ons.tsv";
pub const ESCO_ALL_TSV: &str = "esco_all_label_runs.tsv";

/// Shortest `title_key` kept: drops the civil-service grade rows of the ONS index ("A", "A1").
const MIN_KEY_CHARS: usize = 3;

/// One data row.
#[derive(Debug, Clone, PartialEq)]
struct TitleRow {
    title: String,
    code: String,
    /// The extractor's flag: `0` / `1` (reserved) for keyed rows, `?` unknown, `?g` in an
    /// ONS unit group that holds a title naming a reserved occupation.
    reserved: String,
}

fn parse_rows(text: &str) -> Vec<TitleRow> {
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            (fields.len() >= 8).then(|| TitleRow {
                title: fields[1].trim().to_string(),
                code: fields[4].trim().to_string(),
                reserved: fields[7].trim().to_string(),
            })
        })
        .collect()
}

/// ONS index titles by UK SOC 2010 unit group, keeping only groups with no title that names
/// a reserved occupation (flag `?`): without a crosswalk the exact exclusion is unknown, so
/// whole suspect groups go (DATA.md §5, the safer option). Titles are distinct by
/// [`title_key`]; groups with fewer than two titles give no pair and are left out.
pub fn ons_groups(text: &str) -> BTreeMap<String, Vec<String>> {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut seen: HashSet<(String, String)> = HashSet::new();
    for row in parse_rows(text).into_iter().filter(|r| r.reserved == "?") {
        let key = title_key(&row.title);
        if key.chars().count() >= MIN_KEY_CHARS && seen.insert((row.code.clone(), key)) {
            groups.entry(row.code).or_default().push(row.title);
        }
    }
    groups.retain(|_, titles| titles.len() >= 2);
    groups
}

/// ESCO URIs the reserved.txt rule selects (flag `1`): 773 of 3,039, where reserved.txt lists
/// only the 24 ICT ones. DATA.md §5 recommends excluding by the rule.
pub fn esco_reserved_by_rule(text: &str) -> HashSet<String> {
    parse_rows(text).into_iter().filter(|r| r.reserved == "1").map(|r| r.code).collect()
}

/// Reads both from the TSV directory.
pub fn read_title_tsvs(dir: &Path) -> Result<(BTreeMap<String, Vec<String>>, HashSet<String>)> {
    let ons = ons_groups(&read(&dir.join(ONS_TSV))?);
    let reserved = esco_reserved_by_rule(&read(&dir.join(ESCO_ALL_TSV))?);
    Ok((ons, reserved))
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "source\ttitle\traw\tcode_system\tcode\tonet_soc\tesco_uri\treserved\n";

    #[test]
    fn ons_groups_drop_suspect_groups_grades_repeats_and_singletons() {
        let text = format!(
            "{HEADER}ons\tcost Accountant\tAccountant, cost\tuk_soc2010\t2421\t\t\t?g\n\
             ons\tA1\tA1 (Cabinet Office)\tuk_soc2010\t2429\t\t\t?\n\
             ons\tpastry Chef\tChef, pastry\tuk_soc2010\t5434\t\t\t?\n\
             ons\tpastry chefs\tChefs, pastry\tuk_soc2010\t5434\t\t\t?\n\
             ons\thead Chef\tChef, head\tuk_soc2010\t5434\t\t\t?\n\
             ons\tWelder\tWelder\tuk_soc2010\t5215\t\t\t?\n"
        );
        let groups = ons_groups(&text);
        assert_eq!(groups.keys().collect::<Vec<_>>(), vec!["5434"]);
        assert_eq!(groups["5434"], vec!["pastry Chef", "head Chef"]);
    }

    #[test]
    fn rule_reserved_esco_uris_are_the_flagged_rows() {
        let text = format!("{HEADER}esco_all\tx\tx\tesco_uri\tu1\t\tu1\t1\nesco_all\ty\ty\tesco_uri\tu2\t\tu2\t0\n");
        assert_eq!(esco_reserved_by_rule(&text), HashSet::from(["u1".to_string()]));
    }
}
