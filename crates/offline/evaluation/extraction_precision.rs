//! Precision of skill extraction on a hand-labelled sample: every span the extractor finds
//! in the sample texts (`tests/data/extraction_texts.jsonl`) is looked up among the labels
//! (`tests/data/extraction_sample.tsv`); precision is the share of found spans labelled
//! correct. A found span with no label is reported, not guessed, so a change to the taxonomy
//! or the rules that finds new spans asks for new labels instead of moving the number silently.

use std::collections::HashMap;

use serde::Deserialize;

use crate::copy_text;
use resonance_engine::error::{EngineError, Result};
use resonance_engine::evaluation::files::tsv_records;
use resonance_engine::skills::{char_positions, SkillIndex};

/// One sample text: where it was taken from and the text itself.
#[derive(Debug, Clone, Deserialize)]
pub struct SampleText {
    pub id: String,
    pub source: String,
    pub text: String,
}

/// Reads the sample texts (JSON lines of `SampleText`).
pub fn parse_texts(jsonl: &str, origin: &str) -> Result<Vec<SampleText>> {
    jsonl
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            serde_json::from_str(line).map_err(|e| EngineError::InvalidInput(format!("{origin} line {}: {e}", i + 1)))
        })
        .collect()
}

/// Where a span is: text, 1-based inclusive character positions (as `resonance_extract_skills`
/// returns them) and the skill it was taken for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SpanKey {
    pub text_id: String,
    pub start_pos: usize,
    pub end_pos: usize,
    pub skill: String,
}

/// A span the extractor found.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundSpan {
    pub key: SpanKey,
    pub surface: String,
}

/// A human judgement of one span.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    pub key: SpanKey,
    pub correct: bool,
    pub reason: String,
}

/// The label file's columns, in order (a `#` line holding them heads the file).
pub const LABEL_COLUMNS: &str = "text_id\tstart_pos\tend_pos\tsurface\tskill\tcorrect\treason";

/// Reads labels: tab-separated `LABEL_COLUMNS`, `correct` is yes or no; `#` lines are comments.
pub fn parse_labels(tsv: &str, origin: &str) -> Result<Vec<Label>> {
    tsv_records(tsv, origin)?
        .into_iter()
        .map(|r| {
            let bad = |what: &str| EngineError::InvalidInput(format!("{origin} line {}: {what}", r.line_number));
            let [text_id, start, end, _surface, skill, correct, ref reason @ ..] = r.fields[..] else {
                return Err(bad("expected 7 tab-separated fields"));
            };
            let number = |v: &str| v.parse::<usize>().map_err(|_| bad("positions must be numbers"));
            let correct = match correct {
                "yes" => true,
                "no" => false,
                _ => return Err(bad("correct must be yes or no")),
            };
            let key =
                SpanKey { text_id: text_id.into(), start_pos: number(start)?, end_pos: number(end)?, skill: copy_text::unescape(skill) };
            Ok(Label { key, correct, reason: reason.join(" ") })
        })
        .collect()
}

/// Every span `index` extracts from `texts`, in text order.
pub fn find_spans(index: &SkillIndex, texts: &[SampleText]) -> Result<Vec<FoundSpan>> {
    let mut found = Vec::new();
    for sample in texts {
        let matches = index.extract(&sample.text);
        for (m, pos) in matches.iter().zip(char_positions(&sample.text, &matches)?) {
            let key = SpanKey {
                text_id: sample.id.clone(),
                start_pos: pos.start_pos,
                end_pos: pos.end_pos,
                skill: index.name(m.skill).to_string(),
            };
            found.push(FoundSpan { key, surface: m.surface.clone() });
        }
    }
    Ok(found)
}

/// The measurement: found spans split by their label.
#[derive(Debug, Default)]
pub struct Precision<'a> {
    pub correct: Vec<&'a FoundSpan>,
    /// Found spans labelled wrong, with the label's reason.
    pub wrong: Vec<(&'a FoundSpan, &'a str)>,
    pub unlabelled: Vec<&'a FoundSpan>,
}

impl Precision<'_> {
    /// Spans found, labelled or not.
    pub fn found(&self) -> usize {
        self.correct.len() + self.wrong.len() + self.unlabelled.len()
    }

    /// Correct spans over labelled found spans (None when none is labelled).
    pub fn value(&self) -> Option<f64> {
        let labelled = self.correct.len() + self.wrong.len();
        (labelled > 0).then(|| self.correct.len() as f64 / labelled as f64)
    }
}

/// Looks up each found span's label.
pub fn measure<'a>(found: &'a [FoundSpan], labels: &'a [Label]) -> Precision<'a> {
    let by_key: HashMap<&SpanKey, &Label> = labels.iter().map(|l| (&l.key, l)).collect();
    let mut out = Precision::default();
    for span in found {
        match by_key.get(&span.key) {
            Some(label) if label.correct => out.correct.push(span),
            Some(label) => out.wrong.push((span, &label.reason)),
            None => out.unlabelled.push(span),
        }
    }
    out
}

/// A label-file line for `span` with `correct` and `reason` still to fill in by hand.
pub fn label_line(span: &FoundSpan, correct: &str, reason: &str) -> String {
    let k = &span.key;
    let surface = copy_text::escape(&span.surface);
    format!("{}\t{}\t{}\t{surface}\t{}\t{correct}\t{reason}", k.text_id, k.start_pos, k.end_pos, copy_text::escape(&k.skill))
}

#[cfg(test)]
mod tests {
    use super::*;
    use resonance_engine::skills::{AmbiguityRules, SkillRecord};

    fn index() -> SkillIndex {
        let records = [("Python", vec![]), ("PostgreSQL", vec!["Postgres"])]
            .map(|(n, a): (&str, Vec<&str>)| SkillRecord { name: n.into(), aliases: a.into_iter().map(String::from).collect() });
        SkillIndex::build(&records, &[], &[], &AmbiguityRules::default()).unwrap()
    }

    #[test]
    fn spans_are_looked_up_by_text_position_and_skill() {
        let texts = parse_texts(r#"{"id": "t1", "source": "inline", "text": "Python and Postgres"}"#, "inline").unwrap();
        let found = find_spans(&index(), &texts).unwrap();
        assert_eq!(found.len(), 2);
        assert_eq!(label_line(&found[1], "yes", "r"), "t1\t12\t19\tPostgres\tPostgreSQL\tyes\tr");
        let labels = parse_labels(&format!("# {LABEL_COLUMNS}\nt1\t1\t6\tPython\tPython\tno\tsays the snake\n"), "inline").unwrap();
        let p = measure(&found, &labels);
        assert_eq!((p.correct.len(), p.wrong.len(), p.unlabelled.len(), p.found()), (0, 1, 1, 2));
        assert_eq!(p.wrong[0].1, "says the snake");
        assert_eq!(p.value(), Some(0.0));
        let labels = parse_labels(&(label_line(&found[0], "yes", "") + "\n" + &label_line(&found[1], "yes", "alias")), "x").unwrap();
        assert_eq!(measure(&found, &labels).value(), Some(1.0));
        assert_eq!(measure(&found, &[]).value(), None);
    }

    #[test]
    fn malformed_labels_are_errors_with_the_line() {
        assert!(parse_labels("t1\t1\t6\tPython\tPython\tmaybe\tr\n", "f").unwrap_err().to_string().contains("f line 1"));
        assert!(parse_labels("t1\tx\t6\tPython\tPython\tyes\tr\n", "f").is_err());
        assert!(parse_labels("t1\t1\t6\n", "f").is_err());
        assert!(parse_texts("{not json}", "f").is_err());
    }
}
