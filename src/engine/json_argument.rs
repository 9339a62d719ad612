//! JSON arguments of the SQL functions (`filters`, `options`, `variants`): a JSON object
//! read from its text, with every failure an error that names the argument and the key.
//!
//! Postgres accepts any jsonb; serde_json refuses nesting deeper than 128 levels and
//! numbers beyond f64. Each key's value is therefore parsed on its own, so such a value is
//! reported as the caller's mistake under its key, never as an internal error.

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::error::{EngineError, Result};

/// Largest JSON argument accepted. The largest real one, `options` with every key set, is
/// under 1 kB; 64 kB leaves room for a long `variants` list while keeping a megabyte of
/// JSON from being parsed on every call.
pub const MAX_JSON_ARGUMENT_BYTES: usize = 64 * 1024;

/// The JSON object in `text`, an argument called `what` ("filters", "options").
pub fn parse_object(text: &str, what: &str) -> Result<Map<String, Value>> {
    if text.len() > MAX_JSON_ARGUMENT_BYTES {
        return Err(EngineError::TooLarge(format!(
            "{what} is {} bytes of JSON; at most {MAX_JSON_ARGUMENT_BYTES} are accepted",
            text.len()
        )));
    }
    let kind = top_level_kind(text);
    if kind != "an object" {
        return Err(EngineError::InvalidInput(format!("{what} must be a JSON object, got {kind}")));
    }
    // Skipping over a value as raw text has no depth limit and converts no number.
    let raw: std::collections::BTreeMap<String, Box<RawValue>> = serde_json::from_str(text)
        .map_err(|e| EngineError::InvalidInput(format!("{what} is not valid JSON: {e}")))?;
    raw.into_iter()
        .map(|(key, value)| {
            let parsed = serde_json::from_str::<Value>(value.get())
                .map_err(|e| EngineError::InvalidInput(format!("{what} key \"{key}\" {}", value_problem(&e))))?;
            Ok((key, parsed))
        })
        .collect()
}

/// What a JSON text is at its top level, in the words the errors use.
fn top_level_kind(text: &str) -> &'static str {
    match text.trim_start().chars().next() {
        Some('{') => "an object",
        Some('[') => "an array",
        Some('"') => "a string",
        Some('t') | Some('f') => "a boolean",
        Some('n') => "null",
        _ => "a number",
    }
}

/// Why serde_json could not read a value that Postgres accepted.
fn value_problem(e: &serde_json::Error) -> String {
    let message = e.to_string();
    if message.starts_with("recursion limit exceeded") {
        "is nested too deeply (serde_json reads at most 128 levels)".to_string()
    } else if message.starts_with("number out of range") {
        "holds a number out of range".to_string()
    } else {
        format!("cannot be read: {message}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(text: &str) -> String {
        parse_object(text, "filters").unwrap_err().to_string()
    }

    #[test]
    fn an_object_is_read_key_by_key() {
        let map = parse_object(r#"{"country": "Germany", "remote_only": true}"#, "filters").unwrap();
        assert_eq!(map["country"], "Germany");
        assert_eq!(map["remote_only"], true);
        assert!(parse_object("{}", "filters").unwrap().is_empty());
    }

    #[test]
    fn deep_nesting_names_the_key() {
        let deep = format!(r#"{{"country": {}1{}}}"#, "[".repeat(10_000), "]".repeat(10_000));
        let m = message(&deep);
        assert!(m.contains("filters key \"country\" is nested too deeply"), "{m}");
    }

    #[test]
    fn a_number_out_of_range_names_the_key() {
        let huge = format!(r#"{{"top_k_final": 1{}}}"#, "0".repeat(400));
        let m = parse_object(&huge, "options").unwrap_err().to_string();
        assert!(m.contains("options key \"top_k_final\" holds a number out of range"), "{m}");
    }

    #[test]
    fn anything_but_an_object_is_refused_with_its_kind() {
        assert!(message("[1, 2]").contains("must be a JSON object, got an array"));
        assert!(message("\"x\"").contains("got a string"));
        assert!(message("null").contains("got null"));
        assert!(message("12").contains("got a number"));
        let deep_array = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
        assert!(message(&deep_array).contains("got an array"));
    }

    #[test]
    fn an_oversized_argument_is_a_size_error() {
        let big = format!(r#"{{"company": "{}"}}"#, "x".repeat(MAX_JSON_ARGUMENT_BYTES));
        let err = parse_object(&big, "filters").unwrap_err();
        assert!(matches!(err, EngineError::TooLarge(_)), "{err}");
        assert!(err.to_string().contains("filters is"));
    }
}
