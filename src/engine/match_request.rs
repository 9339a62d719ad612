//! The `filters` and `options` arguments of `resonance_match`, parsed from JSON into typed
//! values. Every unknown key and wrong type is an error naming the key, so a typo never
//! silently widens a search.

use serde_json::{Map, Value};

use super::error::{EngineError, Result};
use super::experience::ExperienceLevel;
use super::fusion::FusionWeights;

/// Which jobs stage 1 may return. None = no constraint.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MatchFilters {
    pub country: Option<String>,
    pub city: Option<String>,
    pub remote_only: bool,
    pub experience: Option<ExperienceLevel>,
    pub company: Option<String>,
}

pub const FILTER_KEYS: [&str; 5] = ["country", "city", "remote_only", "experience", "company"];

/// How the pipeline runs. `Default` holds the built-in defaults; the SQL layer starts
/// from the resonance.* settings and applies the call's options on top.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchOptions {
    pub explain: bool,
    pub top_k_retrieve: usize,
    pub top_k_final: usize,
    pub use_cross_encoder: bool,
    pub use_skill_graph: bool,
    pub weights: FusionWeights,
    pub model_version: Option<String>,
    /// Milliseconds the cross-encoder may spend on live scoring; None = no limit. Candidates
    /// are scored best-first, so a budget drops the least promising ones.
    pub rerank_budget_ms: Option<f64>,
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self {
            explain: true,
            top_k_retrieve: 100,
            top_k_final: 25,
            use_cross_encoder: true,
            use_skill_graph: true,
            weights: FusionWeights::default(),
            model_version: None,
            rerank_budget_ms: None,
        }
    }
}

pub const OPTION_KEYS: [&str; 11] = [
    "explain",
    "use_explainability",
    "top_k_retrieve",
    "top_k_final",
    "use_cross_encoder",
    "use_skill_graph",
    "weight_cross_encoder",
    "weight_bi_encoder",
    "weight_skill_graph",
    "model_version",
    "rerank_budget_ms",
];

/// Upper bound on top_k_retrieve: each candidate costs a cross-encoder pass, and HNSW
/// ef_search tops out at 1000 in pgvector.
pub const MAX_TOP_K_RETRIEVE: usize = 1000;

fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>> {
    match value {
        Value::Object(map) => Ok(map),
        other => Err(EngineError::InvalidInput(format!("{what} must be a JSON object, got {}", kind(other)))),
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn unknown_key(what: &str, key: &str, known: &[&str]) -> EngineError {
    EngineError::InvalidInput(format!("unknown {what} key \"{key}\" (known keys: {})", known.join(", ")))
}

fn wrong_type(what: &str, key: &str, expected: &str, got: &Value) -> EngineError {
    EngineError::InvalidInput(format!("{what} key \"{key}\" must be {expected}, got {}", kind(got)))
}

fn text(what: &str, key: &str, v: &Value) -> Result<Option<String>> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) if s.trim().is_empty() => {
            Err(EngineError::InvalidInput(format!("{what} key \"{key}\" must not be empty")))
        }
        Value::String(s) => Ok(Some(s.trim().to_string())),
        other => Err(wrong_type(what, key, "a string", other)),
    }
}

fn flag(what: &str, key: &str, v: &Value) -> Result<bool> {
    v.as_bool().ok_or_else(|| wrong_type(what, key, "a boolean", v))
}

fn count(key: &str, v: &Value, max: usize) -> Result<usize> {
    match v.as_u64() {
        Some(n) if n >= 1 && n as usize <= max => Ok(n as usize),
        _ => Err(EngineError::InvalidInput(format!("option \"{key}\" must be an integer from 1 to {max}, got {v}"))),
    }
}

fn weight(key: &str, v: &Value) -> Result<f32> {
    match v.as_f64() {
        Some(w) if w.is_finite() && w >= 0.0 => Ok(w as f32),
        _ => Err(EngineError::InvalidInput(format!("option \"{key}\" must be a number >= 0, got {v}"))),
    }
}

impl MatchFilters {
    /// Parses `resonance_match`'s filters argument.
    pub fn from_json(value: &Value) -> Result<Self> {
        let mut f = Self::default();
        for (key, v) in object(value, "filters")? {
            match key.as_str() {
                "country" => f.country = text("filter", key, v)?,
                "city" => f.city = text("filter", key, v)?,
                "company" => f.company = text("filter", key, v)?,
                "remote_only" => f.remote_only = flag("filter", key, v)?,
                "experience" => {
                    f.experience = match text("filter", key, v)? {
                        None => None,
                        Some(name) => Some(ExperienceLevel::from_name(&name).ok_or_else(|| {
                            let names: Vec<&str> = ExperienceLevel::ALL.iter().map(|l| l.name()).collect();
                            EngineError::InvalidInput(format!(
                                "filter \"experience\" must be one of {}, got \"{name}\"",
                                names.join(", ")
                            ))
                        })?),
                    }
                }
                _ => return Err(unknown_key("filter", key, &FILTER_KEYS)),
            }
        }
        Ok(f)
    }
}

impl MatchOptions {
    /// Applies `resonance_match`'s options argument over `self` (the settings in force).
    pub fn with_json(mut self, value: &Value) -> Result<Self> {
        let map = object(value, "options")?;
        for (key, v) in map {
            match key.as_str() {
                "explain" | "use_explainability" => self.explain = flag("option", key, v)?,
                "use_cross_encoder" => self.use_cross_encoder = flag("option", key, v)?,
                "use_skill_graph" => self.use_skill_graph = flag("option", key, v)?,
                "top_k_retrieve" => self.top_k_retrieve = count(key, v, MAX_TOP_K_RETRIEVE)?,
                "top_k_final" => self.top_k_final = count(key, v, MAX_TOP_K_RETRIEVE)?,
                "weight_cross_encoder" => self.weights.cross_encoder = weight(key, v)?,
                "weight_bi_encoder" => self.weights.bi_encoder = weight(key, v)?,
                "weight_skill_graph" => self.weights.skill_graph = weight(key, v)?,
                "model_version" => self.model_version = text("option", key, v)?,
                "rerank_budget_ms" => {
                    self.rerank_budget_ms = match v {
                        Value::Null => None,
                        _ => Some(weight(key, v)? as f64),
                    }
                }
                _ => return Err(unknown_key("option", key, &OPTION_KEYS)),
            }
        }
        if self.top_k_final > self.top_k_retrieve {
            // Asking for more final rows than candidates retrieves more candidates.
            self.top_k_retrieve = self.top_k_final;
        }
        self.weights = self.weights.validated()?;
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_every_filter() {
        let f = MatchFilters::from_json(&json!({
            "country": "Germany", "city": " Berlin ", "remote_only": true, "experience": "Senior", "company": "Acme"
        }))
        .unwrap();
        assert_eq!(f.country.as_deref(), Some("Germany"));
        assert_eq!(f.city.as_deref(), Some("Berlin"));
        assert!(f.remote_only);
        assert_eq!(f.experience, Some(ExperienceLevel::Senior));
        assert_eq!(f.company.as_deref(), Some("Acme"));
    }

    #[test]
    fn empty_object_and_nulls_mean_no_filter() {
        assert_eq!(MatchFilters::from_json(&json!({})).unwrap(), MatchFilters::default());
        assert_eq!(MatchFilters::from_json(&json!({"country": null})).unwrap(), MatchFilters::default());
    }

    #[test]
    fn errors_name_the_key() {
        let err = |v: Value| MatchFilters::from_json(&v).unwrap_err().to_string();
        assert!(err(json!({"contry": "Germany"})).contains("unknown filter key \"contry\""));
        assert!(err(json!({"remote_only": "yes"})).contains("\"remote_only\" must be a boolean, got a string"));
        assert!(err(json!({"experience": "wizard"})).contains("must be one of intern, junior"));
        assert!(err(json!({"country": 49})).contains("\"country\" must be a string"));
        assert!(err(json!({"city": ""})).contains("must not be empty"));
        assert!(err(json!(["country"])).contains("filters must be a JSON object, got an array"));
    }

    #[test]
    fn options_override_defaults() {
        let o = MatchOptions::default()
            .with_json(&json!({"top_k_retrieve": 50, "top_k_final": 10, "use_cross_encoder": false,
                               "weight_bi_encoder": 0.7, "explain": false, "model_version": "2"}))
            .unwrap();
        assert_eq!((o.top_k_retrieve, o.top_k_final), (50, 10));
        assert!(!o.use_cross_encoder && !o.explain);
        assert_eq!(o.weights.bi_encoder, 0.7);
        assert_eq!(o.model_version.as_deref(), Some("2"));
        let o = MatchOptions::default().with_json(&json!({"rerank_budget_ms": 50})).unwrap();
        assert_eq!(o.rerank_budget_ms, Some(50.0));
    }

    #[test]
    fn option_errors_name_the_key() {
        let err = |v: Value| MatchOptions::default().with_json(&v).unwrap_err().to_string();
        assert!(err(json!({"top_k": 5})).contains("unknown option key \"top_k\""));
        assert!(err(json!({"top_k_retrieve": 0})).contains("\"top_k_retrieve\" must be an integer from 1 to 1000"));
        assert!(err(json!({"top_k_retrieve": 2.5})).contains("top_k_retrieve"));
        assert!(err(json!({"weight_skill_graph": -1})).contains("weight_skill_graph"));
        assert!(err(json!({"weight_cross_encoder": 0, "weight_bi_encoder": 0, "weight_skill_graph": 0}))
            .contains("at least one weight"));
    }

    #[test]
    fn final_k_above_retrieve_k_widens_retrieval() {
        let o = MatchOptions::default().with_json(&json!({"top_k_retrieve": 10, "top_k_final": 30})).unwrap();
        assert_eq!(o.top_k_retrieve, 30);
    }
}
