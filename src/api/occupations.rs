//! `resonance_infer_occupations` and `resonance_infer_resume_occupations`: the occupations a
//! job or a resume most likely is, as the insert triggers store them in
//! `resonance.jobs.occupations` and `resonance.resumes.occupations`.

use pgrx::prelude::*;
use pgrx::JsonB;

use crate::postgres::stats;
use crate::postgres::occupation_cache::{infer_occupations, infer_resume_occupations};

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

/// A resume's occupations, in `resonance_infer_occupations`' form, from the titles it states
/// (`title`, the resume's title column, then its headline and the roles of its experience
/// section) and the skills its text names. NULL resume text gives NULL; a resume stating no
/// title is known by its skills alone; `[]` when the taxonomy has no title labels.
#[pg_extern(stable, parallel_safe)]
fn resonance_infer_resume_occupations(resume: Option<&str>, title: default!(Option<&str>, "NULL")) -> Option<JsonB> {
    let _call = stats::Call::start("resonance_infer_resume_occupations");
    let guesses = infer_resume_occupations(resume?, title);
    Some(JsonB(serde_json::to_value(guesses).unwrap_or_default()))
}
