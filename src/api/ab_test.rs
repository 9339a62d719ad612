//! The pure part of `resonance_ab_variant` (sql/resonance.sql persists the result).

use pgrx::prelude::*;

use crate::postgres::json_arg::JsonArg;
use crate::postgres::error::raise;
use resonance_engine::ab_test::assign_variant;
use resonance_engine::error::EngineError;

#[pg_schema]
mod resonance {
    use super::*;

    /// The variant `user_id` draws in `experiment`; `variants` is {"name": weight, ...}.
    #[pg_extern(immutable, strict, parallel_safe)]
    fn ab_draw(user_id: &str, experiment: &str, variants: JsonArg) -> String {
        let map = variants.object("variants");
        let weights: Vec<(String, f64)> = map
            .into_iter()
            .map(|(name, w)| match w.as_f64() {
                Some(w) => (name, w),
                None => raise(EngineError::InvalidInput(format!("variant \"{name}\" weight must be a number, got {w}"))),
            })
            .collect();
        assign_variant(user_id, experiment, &weights).unwrap_or_else(|e| raise(e)).to_string()
    }
}
