//! PostgreSQL's COPY text format, as the offline programs read and write it for `\copy`:
//! field escaping (backslash, tab, newline, carriage return), `\N` for NULL, `text[]` and
//! pgvector literals. One place, so the taxonomy tables and the GNN's files agree.

use resonance_engine::error::{EngineError, Result};

/// One field escaped for COPY text format: backslash, tab, newline and carriage return.
pub fn escape(value: &str) -> String {
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
pub fn optional(value: Option<&str>) -> String {
    value.map_or_else(|| "\\N".to_string(), escape)
}

/// A `text[]` literal ({"a","b"}), each element quoted with `"` and `\` escaped, before
/// COPY escaping.
pub fn text_array(items: &[String]) -> String {
    let quoted: Vec<String> =
        items.iter().map(|i| format!("\"{}\"", i.replace('\\', "\\\\").replace('"', "\\\""))).collect();
    format!("{{{}}}", quoted.join(","))
}

/// Reads back a `text[]` literal written by `text_array` (after COPY unescaping): `{}` is
/// empty, elements are double-quoted with `\` escapes, or bare (PostgreSQL writes simple
/// elements unquoted). Errors on a literal without braces or with an open quote.
pub fn parse_text_array(literal: &str) -> Result<Vec<String>> {
    let bad = || EngineError::InvalidInput(format!("not a text[] literal: {:?}", abbreviate(literal)));
    let inner = literal.strip_prefix('{').and_then(|l| l.strip_suffix('}')).ok_or_else(bad)?;
    let mut items = Vec::new();
    let mut chars = inner.chars().peekable();
    while chars.peek().is_some() {
        let mut item = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next().ok_or_else(bad)? {
                    '\\' => item.push(chars.next().ok_or_else(bad)?),
                    '"' => break,
                    c => item.push(c),
                }
            }
        } else {
            while let Some(&c) = chars.peek().filter(|&&c| c != ',') {
                item.push(c);
                chars.next();
            }
        }
        items.push(item);
        match chars.next() {
            None | Some(',') => {}
            Some(_) => return Err(bad()),
        }
    }
    Ok(items)
}

/// Undoes `\copy` text-format escaping (`\\`, `\t`, `\n`, `\r`); other backslash sequences
/// are kept as written.
pub fn unescape(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut chars = field.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('\\') => out.push('\\'),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// Parses a pgvector text literal `[v1,v2,...]`.
pub fn parse_vector_literal(text: &str) -> Result<Vec<f32>> {
    let inner = text.trim().strip_prefix('[').and_then(|t| t.strip_suffix(']')).ok_or_else(|| {
        EngineError::InvalidInput(format!("embedding {:?} is not a [v1,v2,...] vector literal", abbreviate(text)))
    })?;
    if inner.trim().is_empty() {
        return Err(EngineError::InvalidInput("embedding is an empty vector".into()));
    }
    inner
        .split(',')
        .map(|v| {
            v.trim()
                .parse::<f32>()
                .map_err(|_| EngineError::InvalidInput(format!("embedding value {:?} is not a number", v.trim())))
        })
        .collect()
}

/// `values` as a pgvector text literal; each value printed in the shortest form that reads
/// back to the same f32.
pub fn vector_literal(values: &[f32]) -> String {
    let mut out = String::with_capacity(values.len() * 12 + 2);
    out.push('[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&v.to_string());
    }
    out.push(']');
    out
}

/// The first 40 characters of `text`, for error messages.
fn abbreviate(text: &str) -> String {
    text.chars().take(40).collect()
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_copy_specials() {
        assert_eq!(escape("a\tb\nc\\d\re"), "a\\tb\\nc\\\\d\\re");
        assert_eq!(escape("plain"), "plain");
        assert_eq!(optional(None), "\\N");
    }

    #[test]
    fn unescape_undoes_escape() {
        for text in ["plain", "a\tb", "line\nbreak\r", "back\\slash", "\\N literal"] {
            assert_eq!(unescape(&escape(text)), text);
        }
    }

    #[test]
    fn arrays_quote_and_escape_elements() {
        assert_eq!(text_array(&["C++".into(), "say \"hi\"".into(), "a\\b".into()]), r#"{"C++","say \"hi\"","a\\b"}"#);
        assert_eq!(text_array(&[]), "{}");
        // After COPY escaping the array's backslashes are doubled again.
        assert_eq!(escape(&text_array(&["a\\b".into()])), r#"{"a\\\\b"}"#);
    }

    #[test]
    fn arrays_read_back() {
        let items: Vec<String> = vec!["C++".into(), "say \"hi\", twice".into(), "a\\b".into()];
        assert_eq!(parse_text_array(&text_array(&items)).unwrap(), items);
        assert!(parse_text_array("{}").unwrap().is_empty());
        assert_eq!(parse_text_array("{Unity,4,\"Unity 3D\"}").unwrap(), ["Unity", "4", "Unity 3D"]);
        assert!(parse_text_array("Unity").is_err());
        assert!(parse_text_array("{\"open}").is_err());
    }

    #[test]
    fn vector_literals_read_back() {
        let v = vec![0.1f32, -2.5, 3e-8];
        assert_eq!(parse_vector_literal(&vector_literal(&v)).unwrap(), v);
        assert!(parse_vector_literal("[]").is_err());
        assert!(parse_vector_literal("1,2").is_err());
    }
}
