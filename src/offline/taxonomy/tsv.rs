//! Writing the four tables as tab-separated files in PostgreSQL's COPY text format, ready
//! for `\copy ... FROM 'file'` (tab delimiter, `\N` for NULL, backslash escapes).

use std::io::Write;
use std::path::Path;

use super::records::{Skill, SkillRelation, Title, TitleSkill};
use resonance_engine::error::{EngineError, Result};

/// One field escaped for COPY text format: backslash, tab, newline and carriage return.
pub fn copy_field(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            _ => out.push(c),
        }
    }
    out
}

/// An optional field: `\N` for None.
fn copy_optional(value: Option<&str>) -> String {
    value.map_or_else(|| "\\N".to_string(), copy_field)
}

/// A `text[]` literal ({"a","b"}), each element quoted with `"` and `\` escaped, before
/// COPY escaping.
pub fn text_array(items: &[String]) -> String {
    let quoted: Vec<String> =
        items.iter().map(|i| format!("\"{}\"", i.replace('\\', "\\\\").replace('"', "\\\""))).collect();
    format!("{{{}}}", quoted.join(","))
}

/// Writes `rows` (already COPY-escaped fields) to `path`, one tab-joined line each.
fn write_rows(path: &Path, rows: impl Iterator<Item = Vec<String>>) -> Result<usize> {
    let fail = |e: std::io::Error| EngineError::InvalidInput(format!("cannot write {}: {e}", path.display()));
    let mut out = std::io::BufWriter::new(std::fs::File::create(path).map_err(fail)?);
    let mut count = 0;
    for row in rows {
        writeln!(out, "{}", row.join("\t")).map_err(fail)?;
        count += 1;
    }
    out.flush().map_err(fail)?;
    Ok(count)
}

/// kg_skills.tsv: name, aliases, category, description, source, source_key, popularity_score.
pub fn write_skills(path: &Path, skills: &[Skill]) -> Result<usize> {
    write_rows(
        path,
        skills.iter().map(|s| {
            vec![
                copy_field(&s.name),
                copy_field(&text_array(&s.aliases)),
                copy_field(s.category.as_str()),
                copy_optional(s.description.as_deref()),
                copy_field(&s.source),
                copy_optional(s.source_key.as_deref()),
                format!("{:.4}", s.popularity_score),
            ]
        }),
    )
}

/// kg_titles.tsv: name, normalized_name, level, source, source_key.
pub fn write_titles(path: &Path, titles: &[Title]) -> Result<usize> {
    write_rows(
        path,
        titles.iter().map(|t| {
            vec![
                copy_field(&t.name),
                copy_field(&t.normalized_name),
                copy_optional(t.level.map(|l| l.name())),
                copy_field(&t.source),
                copy_field(&t.source_key),
            ]
        }),
    )
}

/// kg_skill_relations.tsv: source skill name, target skill name, relation, weight, source.
pub fn write_relations(path: &Path, relations: &[SkillRelation]) -> Result<usize> {
    write_rows(
        path,
        relations.iter().map(|r| {
            vec![
                copy_field(&r.source_skill),
                copy_field(&r.target_skill),
                r.relation.as_str().to_string(),
                format!("{:.4}", r.weight),
                copy_field(&r.source),
            ]
        }),
    )
}

/// kg_title_skills.tsv: title normalized_name, title source, skill name, importance.
pub fn write_title_skills(path: &Path, links: &[TitleSkill]) -> Result<usize> {
    write_rows(
        path,
        links.iter().map(|l| {
            vec![
                copy_field(&l.title_normalized_name),
                copy_field(&l.title_source),
                copy_field(&l.skill),
                format!("{:.4}", l.importance),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::records::{Level, SkillCategory};

    #[test]
    fn escapes_copy_specials() {
        assert_eq!(copy_field("a\tb\nc\\d\re"), "a\\tb\\nc\\\\d\\re");
        assert_eq!(copy_field("plain"), "plain");
    }

    #[test]
    fn arrays_quote_and_escape_elements() {
        assert_eq!(text_array(&["C++".into(), "say \"hi\"".into(), "a\\b".into()]), r#"{"C++","say \"hi\"","a\\b"}"#);
        assert_eq!(text_array(&[]), "{}");
        // After COPY escaping the array's backslashes are doubled again.
        assert_eq!(copy_field(&text_array(&["a\\b".into()])), r#"{"a\\\\b"}"#);
    }

    #[test]
    fn writes_rows_with_nulls() {
        let dir = std::env::temp_dir().join(format!("resonance-tsv-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let skills = vec![Skill {
            name: "C#".into(),
            aliases: vec!["C sharp".into()],
            category: SkillCategory::Technology,
            description: None,
            source: "curated".into(),
            source_key: None,
            popularity_score: 0.5,
        }];
        assert_eq!(write_skills(&dir.join("s.tsv"), &skills).unwrap(), 1);
        let text = std::fs::read_to_string(dir.join("s.tsv")).unwrap();
        assert_eq!(text, "C#\t{\"C sharp\"}\ttechnology\t\\N\tcurated\t\\N\t0.5000\n");
        let titles = vec![Title {
            name: "Senior Dev".into(),
            normalized_name: "senior dev".into(),
            level: Some(Level::Senior),
            source: "esco".into(),
            source_key: "u".into(),
        }];
        write_titles(&dir.join("t.tsv"), &titles).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("t.tsv")).unwrap(), "Senior Dev\tsenior dev\tsenior\tesco\tu\n");
        assert!(write_titles(Path::new("/nonexistent/dir/t.tsv"), &titles).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
