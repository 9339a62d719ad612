//! `resonance_infer_occupations`: the occupations a job most likely is, from its title and
//! the skills its description names, as stored in `resonance.jobs.occupations` by the
//! insert trigger.

use pgrx::prelude::*;
use pgrx::JsonB;

use crate::postgres::stats;
use crate::postgres::occupation_cache::infer_occupations;

/// `[{"occupation": <kg_titles.name>, "confidence": 0..1}, ...]`, most likely first (at
/// most five); `[]` when the taxonomy has no title labels or the title has no letter or
/// digit. Confidences come from a softmax with a "none of these" outcome, so they sum to at
/// most 1 and an unrecognisable title gets low confidence everywhere. The description
/// counts once it names a few taxonomy skills (`InferenceParams::profile_weight`).
#[pg_extern(stable, strict, parallel_safe)]
fn resonance_infer_occupations(title: &str, description: default!(&str, "''")) -> JsonB {
    let _call = stats::Call::start("resonance_infer_occupations");
    JsonB(serde_json::to_value(infer_occupations(title, description)).unwrap_or_default())
}
