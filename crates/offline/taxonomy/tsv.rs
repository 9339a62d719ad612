//! Writing the taxonomy's tables as tab-separated files in PostgreSQL's COPY text format, ready
//! for `\copy ... FROM 'file'` (tab delimiter, `\N` for NULL, backslash escapes), and reading
//! kg_skills.tsv back for the offline programs that extract skills without a database.

use std::io::Write;
use std::path::Path;

use super::records::{Skill, SkillRelation, Title, TitleLabel, TitleSkill};
use crate::copy_text;
use resonance_engine::error::{EngineError, Result};
use resonance_engine::skills::SkillRecord;

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

/// A name's embedding as the tables' last column: a pgvector literal, or NULL when the build
/// has none (the load then computes it).
pub type EmbeddingOf<'a> = dyn Fn(&str) -> Option<&'a [f32]> + 'a;

fn embedding_field(embedding: Option<&[f32]>) -> String {
    embedding.map_or_else(|| "\\N".to_string(), copy_text::vector_literal)
}

/// kg_skills.tsv: name, aliases, category, description, source, source_key, popularity_score,
/// embedding of the name.
pub fn write_skills(path: &Path, skills: &[Skill], embedding_of: &EmbeddingOf<'_>) -> Result<usize> {
    write_rows(
        path,
        skills.iter().map(|s| {
            vec![
                copy_text::escape(&s.name),
                copy_text::escape(&copy_text::text_array(&s.aliases)),
                copy_text::escape(s.category.as_str()),
                copy_text::optional(s.description.as_deref()),
                copy_text::escape(&s.source),
                copy_text::optional(s.source_key.as_deref()),
                format!("{:.4}", s.popularity_score),
                embedding_field(embedding_of(&s.name)),
            ]
        }),
    )
}

/// The names and aliases of a kg_skills.tsv written by `write_skills`, in file order (the
/// order gives each skill its `SkillId`, as the extension's skill cache does with row order).
pub fn read_skill_records(path: &Path) -> Result<Vec<SkillRecord>> {
    let text = std::fs::read_to_string(path).map_err(|e| EngineError::InvalidInput(format!("cannot read {}: {e}", path.display())))?;
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            let fields: Vec<&str> = line.split('\t').collect();
            let bad = |what: String| EngineError::InvalidInput(format!("{} line {}: {what}", path.display(), i + 1));
            let [name, aliases, ..] = fields[..] else { return Err(bad("expected name and aliases".into())) };
            let aliases = copy_text::parse_text_array(&copy_text::unescape(aliases)).map_err(|e| bad(e.to_string()))?;
            Ok(SkillRecord { name: copy_text::unescape(name), aliases })
        })
        .collect()
}

/// kg_titles.tsv: name, normalized_name, level, source, source_key.
pub fn write_titles(path: &Path, titles: &[Title]) -> Result<usize> {
    write_rows(
        path,
        titles.iter().map(|t| {
            vec![
                copy_text::escape(&t.name),
                copy_text::escape(&t.normalized_name),
                copy_text::optional(t.level.map(|l| l.name())),
                copy_text::escape(&t.source),
                copy_text::escape(&t.source_key),
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
                copy_text::escape(&r.source_skill),
                copy_text::escape(&r.target_skill),
                r.relation.as_str().to_string(),
                format!("{:.4}", r.weight),
                copy_text::escape(&r.source),
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
                copy_text::escape(&l.title_normalized_name),
                copy_text::escape(&l.title_source),
                copy_text::escape(&l.skill),
                format!("{:.4}", l.importance),
            ]
        }),
    )
}

/// kg_title_labels.tsv: title normalized_name, title source, label, embedding of the label.
pub fn write_title_labels(path: &Path, labels: &[TitleLabel], embedding_of: &EmbeddingOf<'_>) -> Result<usize> {
    write_rows(
        path,
        labels.iter().map(|l| {
            vec![
                copy_text::escape(&l.title_normalized_name),
                copy_text::escape(&l.title_source),
                copy_text::escape(&l.label),
                embedding_field(embedding_of(&l.label)),
            ]
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::taxonomy::records::{Level, SkillCategory};

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
        assert_eq!(write_skills(&dir.join("s.tsv"), &skills, &|_| None).unwrap(), 1);
        let text = std::fs::read_to_string(dir.join("s.tsv")).unwrap();
        assert_eq!(text, "C#\t{\"C sharp\"}\ttechnology\t\\N\tcurated\t\\N\t0.5000\t\\N\n");
        let vector = [0.5f32, -1.0];
        write_skills(&dir.join("s.tsv"), &skills, &|name| (name == "C#").then_some(&vector[..])).unwrap();
        assert!(std::fs::read_to_string(dir.join("s.tsv")).unwrap().ends_with("\t0.5000\t[0.5,-1]\n"));
        let labels = [TitleLabel { title_normalized_name: "dev".into(), title_source: "esco".into(), label: "coder".into() }];
        write_title_labels(&dir.join("l.tsv"), &labels, &|_| Some(&vector[..])).unwrap();
        assert_eq!(std::fs::read_to_string(dir.join("l.tsv")).unwrap(), "dev\tesco\tcoder\t[0.5,-1]\n");
        let read = read_skill_records(&dir.join("s.tsv")).unwrap();
        assert_eq!((read[0].name.as_str(), read[0].aliases.as_slice()), ("C#", &["C sharp".to_string()][..]));
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
