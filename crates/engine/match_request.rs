//! The `filters` and `options` arguments of `resonance_match`, parsed from JSON into typed
//! values. The keys are declared once, by the serde derives below; every unknown key and
//! wrong type is an error naming the key (`json_argument::from_object` words it), so a typo
//! never silently widens a search.

use serde::de::{Error as _, Unexpected};
use serde::{Deserialize, Deserializer};
use serde_json::Value;

use super::error::{EngineError, Result};
use super::experience::ExperienceLevel;
use super::fusion::FusionWeights;
use super::json_argument::{from_object, kind};

/// Which jobs stage 1 may return. None = no constraint; a key set to null is no constraint.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MatchFilters {
    #[serde(deserialize_with = "text")]
    pub country: Option<String>,
    #[serde(deserialize_with = "text")]
    pub city: Option<String>,
    pub remote_only: bool,
    #[serde(deserialize_with = "experience")]
    pub experience: Option<ExperienceLevel>,
    #[serde(deserialize_with = "text")]
    pub company: Option<String>,
}

/// How the pipeline runs. `Default` holds the built-in defaults; the SQL layer starts
/// from the resonance.* settings and applies the call's options on top.
#[derive(Debug, Clone, PartialEq)]
pub struct MatchOptions {
    pub explain: bool,
    pub top_k_retrieve: usize,
    pub top_k_final: usize,
    pub use_cross_encoder: CrossEncoderUse,
    pub use_skill_graph: bool,
    /// Whether stage 2 reads the resume's own inferred occupations (`skills::occupation`,
    /// `ResumeFits`); false compares the resume's skills with the job's occupations only.
    pub use_resume_occupations: bool,
    pub weights: FusionWeights,
    pub model_version: Option<String>,
    /// The call's latency budget in ms, which live cross-encoder scoring must fit in: a pass
    /// starts only while the time since the match began plus what its pairs cost stays
    /// within it. None = no limit. Candidates are scored best-first, so a budget drops the
    /// least promising ones; cached scores are always used.
    pub rerank_budget_ms: Option<f64>,
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self {
            explain: true,
            top_k_retrieve: 100,
            top_k_final: 25,
            use_cross_encoder: CrossEncoderUse::IfActive,
            use_skill_graph: true,
            use_resume_occupations: true,
            weights: FusionWeights::default(),
            model_version: None,
            rerank_budget_ms: None,
        }
    }
}

/// Whether stage 3, the cross-encoder, runs (option `use_cross_encoder`). No cross-encoder
/// ships, so the default cannot insist on one (README, "Cross-encoder fallback").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CrossEncoderUse {
    /// The option is absent: rerank with the active cross-encoder, or quietly without one.
    IfActive,
    /// `"use_cross_encoder": true`: the caller asked for reranking, so a call without an
    /// active cross-encoder says, with a NOTICE, that it ranked without one.
    Requested,
    /// `"use_cross_encoder": false`: no reranking.
    Off,
}

impl CrossEncoderUse {
    /// Whether the stage runs when a cross-encoder is there to run it.
    pub fn wanted(self) -> bool {
        self != CrossEncoderUse::Off
    }
}

/// The keys of the options argument: None = absent, keep the setting in force. A key that
/// may be set to null (no model version, no budget) holds Some(None) for null.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct OptionKeys {
    #[serde(alias = "use_explainability", deserialize_with = "present")]
    explain: Option<bool>,
    #[serde(deserialize_with = "present")]
    top_k_retrieve: Option<TopK>,
    #[serde(deserialize_with = "present")]
    top_k_final: Option<TopK>,
    #[serde(deserialize_with = "present")]
    use_cross_encoder: Option<bool>,
    #[serde(deserialize_with = "present")]
    use_skill_graph: Option<bool>,
    #[serde(deserialize_with = "present")]
    use_resume_occupations: Option<bool>,
    #[serde(deserialize_with = "present")]
    weight_cross_encoder: Option<FusionWeight>,
    #[serde(deserialize_with = "present")]
    weight_bi_encoder: Option<FusionWeight>,
    #[serde(deserialize_with = "present")]
    weight_skill_graph: Option<FusionWeight>,
    #[serde(deserialize_with = "present")]
    model_version: Option<Option<Text>>,
    #[serde(deserialize_with = "present")]
    rerank_budget_ms: Option<Option<Weight>>,
}

/// Upper bound on top_k_retrieve: each candidate costs a cross-encoder pass, and HNSW
/// ef_search tops out at 1000 in pgvector.
pub const MAX_TOP_K_RETRIEVE: usize = 1000;

/// A present key's value (null included, unlike serde's own `Option`, which reads null as
/// absent).
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> std::result::Result<Option<T>, D::Error> {
    T::deserialize(d).map(Some)
}

/// A non-empty string, trimmed.
#[derive(Debug)]
struct Text(String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match s.trim() {
            "" => Err(D::Error::custom("must not be empty")),
            trimmed => Ok(Text(trimmed.to_string())),
        }
    }
}

/// An optional `Text` as a plain string (null = None).
fn text<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<String>, D::Error> {
    Ok(Option::<Text>::deserialize(d)?.map(|t| t.0))
}

/// An experience level by name (null = None).
fn experience<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<ExperienceLevel>, D::Error> {
    let Some(name) = text(d)? else { return Ok(None) };
    ExperienceLevel::from_name(&name).map(Some).ok_or_else(|| {
        let names: Vec<&str> = ExperienceLevel::ALL.iter().map(|l| l.name()).collect();
        D::Error::invalid_value(Unexpected::Str(&name), &format!("one of {}", names.join(", ")).as_str())
    })
}

/// An integer from 1 to MAX_TOP_K_RETRIEVE.
#[derive(Debug)]
struct TopK(usize);

/// A finite number >= 0.
#[derive(Debug)]
struct Weight(f64);

/// A number-valued option's value, if `accept` takes it; anything else is refused as a
/// whole, shown by its JSON text (`got 2.5`, `got "5"`, `got null`).
fn number<'de, D: Deserializer<'de>, T>(d: D, expected: &str, accept: impl FnOnce(&Value) -> Option<T>) -> std::result::Result<T, D::Error> {
    accept(&Value::deserialize(d)?).ok_or_else(|| D::Error::invalid_value(Unexpected::Other("value"), &expected))
}

impl<'de> Deserialize<'de> for TopK {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let accept = |v: &Value| v.as_u64().filter(|&k| k >= 1 && k as usize <= MAX_TOP_K_RETRIEVE);
        number(d, &format!("an integer from 1 to {MAX_TOP_K_RETRIEVE}"), accept).map(|k| TopK(k as usize))
    }
}

/// A stage's weight in the fusion: 0 (the stage does not count) or a number from
/// `MIN_WEIGHT` to `MAX_WEIGHT`. Weights are relative, so the range loses nothing, and it
/// keeps every weight and their sum a normal f32, the precision fusion computes in: 1e-50
/// would pass as an f64 and become 0 (every score 0), 1e308 would become infinity.
#[derive(Debug)]
struct FusionWeight(f32);

pub const MIN_WEIGHT: f64 = 1e-6;
pub const MAX_WEIGHT: f64 = 1e6;

impl<'de> Deserialize<'de> for FusionWeight {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let accept = |v: &Value| v.as_f64().filter(|w| *w == 0.0 || (MIN_WEIGHT..=MAX_WEIGHT).contains(w));
        number(d, &format!("0 or a number from {MIN_WEIGHT:e} to {MAX_WEIGHT:e}"), accept).map(|w| FusionWeight(w as f32))
    }
}

impl<'de> Deserialize<'de> for Weight {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        number(d, "a number >= 0", |v| v.as_f64().filter(|w| w.is_finite() && *w >= 0.0)).map(Weight)
    }
}

/// The argument `value` as an object, or an error naming `what` ("filters", "options").
fn object<'a>(value: &'a Value, what: &str) -> Result<&'a serde_json::Map<String, Value>> {
    value
        .as_object()
        .ok_or_else(|| EngineError::InvalidInput(format!("{what} must be a JSON object, got {}", kind(value))))
}

impl MatchFilters {
    /// Parses `resonance_match`'s filters argument.
    pub fn from_json(value: &Value) -> Result<Self> {
        from_object(object(value, "filters")?, "filter")
    }
}

impl MatchOptions {
    /// Applies `resonance_match`'s options argument over `self` (the settings in force).
    pub fn with_json(mut self, value: &Value) -> Result<Self> {
        let keys: OptionKeys = from_object(object(value, "options")?, "option")?;
        let set = |field: &mut f32, weight: Option<FusionWeight>| *field = weight.map_or(*field, |w| w.0);
        self.explain = keys.explain.unwrap_or(self.explain);
        self.use_cross_encoder = match keys.use_cross_encoder {
            Some(true) => CrossEncoderUse::Requested,
            Some(false) => CrossEncoderUse::Off,
            None => self.use_cross_encoder,
        };
        self.use_skill_graph = keys.use_skill_graph.unwrap_or(self.use_skill_graph);
        self.use_resume_occupations = keys.use_resume_occupations.unwrap_or(self.use_resume_occupations);
        self.top_k_retrieve = keys.top_k_retrieve.map_or(self.top_k_retrieve, |k| k.0);
        self.top_k_final = keys.top_k_final.map_or(self.top_k_final, |k| k.0);
        set(&mut self.weights.cross_encoder, keys.weight_cross_encoder);
        set(&mut self.weights.bi_encoder, keys.weight_bi_encoder);
        set(&mut self.weights.skill_graph, keys.weight_skill_graph);
        if let Some(version) = keys.model_version {
            self.model_version = version.map(|t| t.0);
        }
        if let Some(budget) = keys.rerank_budget_ms {
            self.rerank_budget_ms = budget.map(|w| w.0);
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
        assert!(o.use_cross_encoder == CrossEncoderUse::Off && !o.explain);
        assert_eq!(o.weights.bi_encoder, 0.7);
        assert_eq!(o.model_version.as_deref(), Some("2"));
        let o = MatchOptions::default().with_json(&json!({"rerank_budget_ms": 50})).unwrap();
        assert_eq!(o.rerank_budget_ms, Some(50.0));
    }

    #[test]
    fn reranking_is_wanted_unless_turned_off_and_requested_only_when_asked_for() {
        let use_of = |v: Value| MatchOptions::default().with_json(&v).unwrap().use_cross_encoder;
        assert_eq!(use_of(json!({})), CrossEncoderUse::IfActive);
        assert_eq!(use_of(json!({"use_cross_encoder": true})), CrossEncoderUse::Requested);
        assert_eq!(use_of(json!({"use_cross_encoder": false})), CrossEncoderUse::Off);
        assert!(CrossEncoderUse::IfActive.wanted() && CrossEncoderUse::Requested.wanted());
        assert!(!CrossEncoderUse::Off.wanted());
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

    /// The message of an InvalidInput error, which SQL reports after "invalid input: ".
    fn message(result: Result<impl std::fmt::Debug>) -> String {
        match result {
            Err(EngineError::InvalidInput(m)) => m,
            other => panic!("expected an invalid-input error, got {other:?}"),
        }
    }

    #[test]
    fn filter_messages_are_the_ones_sql_tests_expect() {
        let f = |v: Value| message(MatchFilters::from_json(&v));
        // pg_regress/expected/match.out, byte for byte.
        assert_eq!(
            f(json!({"contry": "Germany"})),
            "unknown filter key \"contry\" (known keys: country, city, remote_only, experience, company)"
        );
        assert_eq!(f(json!({"remote_only": "yes"})), "filter key \"remote_only\" must be a boolean, got a string");
        assert_eq!(
            f(json!({"experience": " wizard "})),
            "filter \"experience\" must be one of intern, junior, mid, senior, lead, principal, executive, got \"wizard\""
        );
        assert_eq!(f(json!(["country"])), "filters must be a JSON object, got an array");
        // The other shapes of the same messages.
        assert_eq!(f(json!({"country": 49})), "filter key \"country\" must be a string, got a number");
        assert_eq!(f(json!({"company": ["Acme"]})), "filter key \"company\" must be a string, got an array");
        assert_eq!(f(json!({"city": "  "})), "filter key \"city\" must not be empty");
        assert_eq!(f(json!({"experience": ""})), "filter key \"experience\" must not be empty");
        assert_eq!(f(json!({"remote_only": null})), "filter key \"remote_only\" must be a boolean, got null");
        assert_eq!(f(json!({"remote_only": {}})), "filter key \"remote_only\" must be a boolean, got an object");
    }

    #[test]
    fn option_messages_are_the_ones_sql_tests_expect() {
        let o = |v: Value| message(MatchOptions::default().with_json(&v));
        // pg_regress/expected/match.out, byte for byte.
        let known = "explain, use_explainability, top_k_retrieve, top_k_final, use_cross_encoder, use_skill_graph, \
                     use_resume_occupations, weight_cross_encoder, weight_bi_encoder, weight_skill_graph, model_version, rerank_budget_ms";
        assert_eq!(o(json!({"top_k": 5})), format!("unknown option key \"top_k\" (known keys: {known})"));
        assert_eq!(
            o(json!({"wieght_bi_encoder": 1})),
            format!("unknown option key \"wieght_bi_encoder\" (known keys: {known})")
        );
        assert_eq!(o(json!({"top_k_retrieve": 0})), "option \"top_k_retrieve\" must be an integer from 1 to 1000, got 0");
        let range = "must be 0 or a number from 1e-6 to 1e6";
        assert_eq!(o(json!({"weight_bi_encoder": -1})), format!("option \"weight_bi_encoder\" {range}, got -1"));
        // Checked in f32, the precision fusion runs in: neither underflows to 0 nor overflows.
        assert_eq!(o(json!({"weight_bi_encoder": 1e-50})), format!("option \"weight_bi_encoder\" {range}, got 1e-50"));
        assert_eq!(o(json!({"weight_bi_encoder": 1e308})), format!("option \"weight_bi_encoder\" {range}, got 1e+308"));
        let o_ok = MatchOptions::default().with_json(&json!({"weight_bi_encoder": 1e-6, "weight_skill_graph": 1e6})).unwrap();
        assert!(o_ok.weights.bi_encoder > 0.0 && o_ok.weights.skill_graph.is_finite());
        // Numbers are refused with the value's JSON text, whatever its type.
        assert_eq!(o(json!({"top_k_final": 2.5})), "option \"top_k_final\" must be an integer from 1 to 1000, got 2.5");
        assert_eq!(o(json!({"top_k_final": "5"})), "option \"top_k_final\" must be an integer from 1 to 1000, got \"5\"");
        assert_eq!(o(json!({"top_k_final": 1001})), "option \"top_k_final\" must be an integer from 1 to 1000, got 1001");
        assert_eq!(o(json!({"top_k_final": null})), "option \"top_k_final\" must be an integer from 1 to 1000, got null");
        assert_eq!(o(json!({"top_k_final": [1]})), "option \"top_k_final\" must be an integer from 1 to 1000, got [1]");
        assert_eq!(o(json!({"rerank_budget_ms": true})), "option \"rerank_budget_ms\" must be a number >= 0, got true");
        assert_eq!(o(json!({"weight_skill_graph": {"a": 1}})), format!("option \"weight_skill_graph\" {range}, got {{\"a\":1}}"));
        // Flags and texts name the key and the JSON type.
        assert_eq!(o(json!({"use_explainability": 1})), "option key \"use_explainability\" must be a boolean, got a number");
        assert_eq!(o(json!({"explain": null})), "option key \"explain\" must be a boolean, got null");
        assert_eq!(o(json!({"model_version": 2})), "option key \"model_version\" must be a string, got a number");
        assert_eq!(o(json!({"model_version": ""})), "option key \"model_version\" must not be empty");
        assert_eq!(o(json!(null)), "options must be a JSON object, got null");
        assert_eq!(
            o(json!({"weight_cross_encoder": 0, "weight_bi_encoder": 0, "weight_skill_graph": 0})),
            "at least one weight must be positive"
        );
    }

    #[test]
    fn aliases_and_nulls_in_options() {
        let settings = MatchOptions { model_version: Some("3".into()), rerank_budget_ms: Some(20.0), ..MatchOptions::default() };
        let o = settings.clone().with_json(&json!({"use_explainability": false})).unwrap();
        assert!(!o.explain, "use_explainability is explain");
        assert_eq!((o.model_version.as_deref(), o.rerank_budget_ms), (Some("3"), Some(20.0)), "absent keeps the setting");
        let o = settings.with_json(&json!({"model_version": null, "rerank_budget_ms": null})).unwrap();
        assert_eq!((o.model_version, o.rerank_budget_ms), (None, None), "null clears the setting");
        let o = MatchOptions::default().with_json(&json!({"model_version": " v2 ", "weight_skill_graph": 0.5})).unwrap();
        assert_eq!((o.model_version.as_deref(), o.weights.skill_graph), (Some("v2"), 0.5));
    }

    #[test]
    fn final_k_above_retrieve_k_widens_retrieval() {
        let o = MatchOptions::default().with_json(&json!({"top_k_retrieve": 10, "top_k_final": 30})).unwrap();
        assert_eq!(o.top_k_retrieve, 30);
    }
}
