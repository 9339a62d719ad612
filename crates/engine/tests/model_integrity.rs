//! The installed model files against the sha256 recorded for them (models/fetch.sh installs
//! them; set RESONANCE_MODEL_DIR to test another installation), and what checking costs.

use std::path::PathBuf;
use std::time::Instant;

use resonance_engine::bf16_linear::MatmulPrecision;
use resonance_engine::bi_encoder::BiEncoder;
use resonance_engine::model_files::{sha256_of_file, verify_base_bi_encoder, BASE_BI_ENCODER};
use resonance_engine::projection::PROJECTION_FILE;

fn models() -> PathBuf {
    PathBuf::from(std::env::var("RESONANCE_MODEL_DIR").unwrap_or_else(|_| "/usr/share/postgresql/15/resonance/models".into()))
}

/// The median of `runs` timings of `f`, in ms.
fn median_ms(runs: usize, mut f: impl FnMut()) -> f64 {
    let mut ms: Vec<f64> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    ms[runs / 2]
}

#[test]
fn the_installed_base_bi_encoder_has_its_pinned_files() {
    verify_base_bi_encoder(&models().join(BASE_BI_ENCODER)).expect("the files models/fetch.sh installs");
}

#[test]
fn the_installed_projection_has_the_sha256_its_registry_row_records() {
    let sql = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../sql/resonance.sql")).unwrap();
    let found = sha256_of_file(&models().join("resonance-bi-projection").join(PROJECTION_FILE)).unwrap();
    assert!(sql.contains(&format!("\"sha256\": \"{found}\"")), "{found} is not the row's");
}

/// What checking costs against what loading costs: `cargo test -p resonance-engine --test
/// model_integrity -- --ignored --nocapture` (the files in the page cache, as after the
/// first load on a server).
#[test]
#[ignore]
fn sha256_cost_against_load_cost() {
    let dir = models().join(BASE_BI_ENCODER);
    let verify = median_ms(7, || verify_base_bi_encoder(&dir).unwrap());
    let load = median_ms(5, || drop(BiEncoder::load(&dir, 256, MatmulPrecision::best_available()).unwrap()));
    let projection = models().join("resonance-bi-projection").join(PROJECTION_FILE);
    let project = median_ms(7, || drop(sha256_of_file(&projection).unwrap()));
    println!("base bi-encoder: sha256 of its 3 files {verify:.1} ms, load {load:.1} ms; projection sha256 {project:.2} ms");
    assert!(verify < 1000.0);
}
