//! The body of `POST /v2/jobs/match`, checked before any database work. Only the shape is
//! checked here (a JSON object; `resume_id` a UUID; `filters` and `options` objects; no
//! other key). The keys inside `filters` and `options` are the extension's to judge: it
//! declares them once (engine `match_request.rs`) and names a bad one in its error, which
//! `errors.rs` turns into a 400 naming `filters.<key>` or `options.<key>`.

use serde_json::{Map, Value};
use uuid::Uuid;

use crate::errors::ApiError;

/// The keys a match request may have, in the order the errors list them.
const KNOWN_KEYS: [&str; 3] = ["resume_id", "filters", "options"];

/// Largest request body read. `filters` and `options` are each at most 64 kB for the
/// extension (engine `json_argument.rs`, MAX_JSON_ARGUMENT_BYTES); twice that plus a
/// margin covers any body the database would accept, and nothing larger is buffered.
pub const MAX_BODY_BYTES: usize = 160 * 1024;

/// A match request that passed the shape checks.
#[derive(Debug, PartialEq)]
pub struct MatchRequest {
    pub resume_id: Uuid,
    pub filters: Value,
    pub options: Value,
}

impl MatchRequest {
    /// Reads and checks a request body; the error names the field at fault.
    pub fn parse(body: &[u8]) -> Result<MatchRequest, ApiError> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| ApiError::bad_request("body", format!("request body is not valid JSON: {e}")))?;
        let Value::Object(mut object) = value else {
            return Err(ApiError::bad_request("body", format!("request body must be a JSON object, got {}", shown(&value))));
        };
        if let Some(unknown) = object.keys().find(|k| !KNOWN_KEYS.contains(&k.as_str())) {
            return Err(ApiError::bad_request(
                unknown,
                format!("unknown key \"{unknown}\" (known keys: {})", KNOWN_KEYS.join(", ")),
            ));
        }
        let resume_id = match object.remove("resume_id") {
            None | Some(Value::Null) => return Err(ApiError::bad_request("resume_id", "resume_id is required")),
            Some(Value::String(s)) => Uuid::parse_str(s.trim())
                .map_err(|_| ApiError::bad_request("resume_id", format!("resume_id must be a UUID, got {s:?}")))?,
            Some(other) => {
                return Err(ApiError::bad_request("resume_id", format!("resume_id must be a UUID string, got {}", shown(&other))))
            }
        };
        Ok(MatchRequest { resume_id, filters: object_or_empty(&mut object, "filters")?, options: object_or_empty(&mut object, "options")? })
    }
}

/// The object under `key`; absent or null is `{}`, as SQL's DEFAULT '{}'.
fn object_or_empty(object: &mut Map<String, Value>, key: &str) -> Result<Value, ApiError> {
    match object.remove(key) {
        None | Some(Value::Null) => Ok(Value::Object(Map::new())),
        Some(v @ Value::Object(_)) => Ok(v),
        Some(other) => Err(ApiError::bad_request(key, format!("{key} must be a JSON object, got {}", shown(&other)))),
    }
}

/// A refused value as the error shows it: its JSON text, cut after 40 characters.
fn shown(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(40) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ID: &str = "00000000-0000-4000-b000-000000000001";

    fn field_of(body: &str) -> (String, String) {
        match MatchRequest::parse(body.as_bytes()).unwrap_err() {
            ApiError::BadRequest { field, message } => (field, message),
            other => panic!("expected a bad request, got {other:?}"),
        }
    }

    #[test]
    fn a_full_request_is_read() {
        let r = MatchRequest::parse(
            json!({"resume_id": ID, "filters": {"country": "Germany"}, "options": {"explain": false}}).to_string().as_bytes(),
        )
        .unwrap();
        assert_eq!(r.resume_id, Uuid::parse_str(ID).unwrap());
        assert_eq!((r.filters, r.options), (json!({"country": "Germany"}), json!({"explain": false})));
    }

    #[test]
    fn filters_and_options_default_to_empty_objects() {
        let r = MatchRequest::parse(format!(r#"{{"resume_id": "{ID}", "options": null}}"#).as_bytes()).unwrap();
        assert_eq!((r.filters, r.options), (json!({}), json!({})));
    }

    #[test]
    fn each_bad_request_names_its_field() {
        assert_eq!(field_of("{}"), ("resume_id".into(), "resume_id is required".into()));
        assert_eq!(field_of(r#"{"resume_id": "42"}"#), ("resume_id".into(), "resume_id must be a UUID, got \"42\"".into()));
        assert_eq!(field_of(r#"{"resume_id": 42}"#).1, "resume_id must be a UUID string, got 42");
        assert_eq!(field_of(&format!(r#"{{"resume_id": "{ID}", "filters": []}}"#)), ("filters".into(), "filters must be a JSON object, got []".into()));
        assert_eq!(field_of(&format!(r#"{{"resume_id": "{ID}", "options": "x"}}"#)).0, "options");
        assert_eq!(
            field_of(&format!(r#"{{"resume_id": "{ID}", "filter": {{}}}}"#)),
            ("filter".into(), "unknown key \"filter\" (known keys: resume_id, filters, options)".into())
        );
        let (field, message) = field_of(r#"{"resume_id": "#);
        assert_eq!(field, "body");
        assert!(message.starts_with("request body is not valid JSON: EOF"), "{message}");
        assert_eq!(field_of("[1]").1, "request body must be a JSON object, got [1]");
        let long = format!(r#"{{"resume_id": "{ID}", "options": "{}"}}"#, "y".repeat(100));
        assert_eq!(field_of(&long).1, format!("options must be a JSON object, got \"{}...", "y".repeat(39)));
    }
}
