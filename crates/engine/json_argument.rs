//! JSON arguments of the SQL functions (`filters`, `options`, `variants`): a JSON object
//! read from its text, and read into a struct that derives `Deserialize`, with every failure
//! an error that names the argument and the key.
//!
//! Postgres accepts any jsonb; serde_json refuses nesting deeper than 128 levels and
//! numbers beyond f64. Each key's value is therefore parsed on its own, so such a value is
//! reported as the caller's mistake under its key, never as an internal error.
//!
//! `from_object` runs serde over the parsed object with its own error type, so the derive's
//! declaration of the keys (names, aliases, `deny_unknown_fields`) is the only one, and the
//! messages still name the key in the words the SQL tests expect:
//!   unknown option key "top_k" (known keys: explain, use_explainability, ...)
//!   filter key "remote_only" must be a boolean, got a string        (a wrong JSON type)
//!   option "top_k_retrieve" must be an integer from 1 to 1000, got 0 (a refused value)
//!   filter key "city" must not be empty                              (any other problem)

use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer, StrDeserializer};
use serde::de::{DeserializeOwned, DeserializeSeed, Expected, IntoDeserializer, MapAccess, Unexpected, Visitor};
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

/// What a JSON value is, in the words the errors use.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// `T` read from the object `map`, an argument whose keys errors call `what` keys ("filter",
/// "option"). `T` declares the keys: derive `Deserialize` with `deny_unknown_fields`.
pub fn from_object<T: DeserializeOwned>(map: &Map<String, Value>, what: &str) -> Result<T> {
    T::deserialize(ObjectDeserializer { entries: map.iter(), what, current: None }).map_err(|e| {
        EngineError::InvalidInput(match e.0 {
            Problem::UnknownKey { key, known } => {
                format!("unknown {what} key \"{key}\" (known keys: {})", known.join(", "))
            }
            Problem::Keyed(message) => message,
            other => format!("{what}s {}", other.describe()),
        })
    })
}

/// A problem serde reports while reading an argument; `at` words it with the argument and key.
#[derive(Debug)]
enum Problem {
    /// A key the struct does not declare.
    UnknownKey { key: String, known: &'static [&'static str] },
    /// A value of a JSON type the key does not take (serde's `invalid_type`).
    WrongType { expected: String },
    /// A value the key refuses (serde's `invalid_value`), shown as the string it was when
    /// `shown` is set, else as its JSON text.
    Refused { expected: String, shown: Option<String> },
    /// Anything else wrong with a value (serde's `custom`).
    Message(String),
    /// A complete message naming the argument and the key.
    Keyed(String),
}

impl Problem {
    /// The problem as words after the key, for a problem found outside any key.
    fn describe(&self) -> String {
        match self {
            Problem::WrongType { expected } | Problem::Refused { expected, .. } => format!("must be {expected}"),
            Problem::Message(m) | Problem::Keyed(m) => m.clone(),
            Problem::UnknownKey { key, .. } => format!("has an unknown key \"{key}\""),
        }
    }

    /// The complete message for a problem with `key`'s `value`.
    fn at(self, what: &str, key: &str, value: &Value) -> Problem {
        Problem::Keyed(match self {
            Problem::WrongType { expected } => format!("{what} key \"{key}\" must be {expected}, got {}", kind(value)),
            Problem::Refused { expected, shown } => {
                format!("{what} \"{key}\" must be {expected}, got {}", shown.unwrap_or_else(|| value.to_string()))
            }
            Problem::Message(message) => format!("{what} key \"{key}\" {message}"),
            keyed => return keyed,
        })
    }
}

/// serde's error while reading an argument.
#[derive(Debug)]
struct ArgumentError(Problem);

impl fmt::Display for ArgumentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.describe())
    }
}

impl std::error::Error for ArgumentError {}

impl serde::de::Error for ArgumentError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Self(Problem::Message(message.to_string()))
    }

    fn invalid_type(_: Unexpected, expected: &dyn Expected) -> Self {
        Self(Problem::WrongType { expected: expected.to_string() })
    }

    fn invalid_value(unexpected: Unexpected, expected: &dyn Expected) -> Self {
        let shown = match unexpected {
            Unexpected::Str(s) => Some(format!("\"{s}\"")),
            _ => None,
        };
        Self(Problem::Refused { expected: expected.to_string(), shown })
    }

    fn unknown_field(key: &str, known: &'static [&'static str]) -> Self {
        Self(Problem::UnknownKey { key: key.to_string(), known })
    }
}

/// The argument's object as serde's map, each value read by `ValueDeserializer`.
struct ObjectDeserializer<'a> {
    entries: serde_json::map::Iter<'a>,
    what: &'a str,
    /// The entry whose key was just read.
    current: Option<(&'a String, &'a Value)>,
}

impl<'de> serde::Deserializer<'de> for ObjectDeserializer<'_> {
    type Error = ArgumentError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> std::result::Result<V::Value, ArgumentError> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> MapAccess<'de> for ObjectDeserializer<'_> {
    type Error = ArgumentError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> std::result::Result<Option<K::Value>, ArgumentError> {
        self.current = self.entries.next();
        let Some((key, _)) = self.current else { return Ok(None) };
        let key: StrDeserializer<'_, ArgumentError> = key.as_str().into_deserializer();
        seed.deserialize(key).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> std::result::Result<V::Value, ArgumentError> {
        let (key, value) = self.current.ok_or_else(|| ArgumentError(Problem::Message("has no value here".into())))?;
        seed.deserialize(ValueDeserializer(value)).map_err(|e| ArgumentError(e.0.at(self.what, key, value)))
    }
}

/// One key's value, read with `ArgumentError` as the error type.
struct ValueDeserializer<'a>(&'a Value);

impl<'de> IntoDeserializer<'de, ArgumentError> for ValueDeserializer<'_> {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> serde::Deserializer<'de> for ValueDeserializer<'_> {
    type Error = ArgumentError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> std::result::Result<V::Value, ArgumentError> {
        match self.0 {
            Value::Null => visitor.visit_unit(),
            Value::Bool(b) => visitor.visit_bool(*b),
            Value::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                (Some(u), _, _) => visitor.visit_u64(u),
                (None, Some(i), _) => visitor.visit_i64(i),
                (None, None, f) => visitor.visit_f64(f.unwrap_or(f64::NAN)),
            },
            Value::String(s) => visitor.visit_str(s),
            Value::Array(items) => visitor.visit_seq(SeqDeserializer::new(items.iter().map(ValueDeserializer))),
            Value::Object(map) => {
                visitor.visit_map(MapDeserializer::new(map.iter().map(|(k, v)| (k.as_str(), ValueDeserializer(v)))))
            }
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> std::result::Result<V::Value, ArgumentError> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            _ => visitor.visit_some(self),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
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
