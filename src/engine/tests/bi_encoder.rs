//! The bi-encoder against the real all-MiniLM-L6-v2 files (installed by models/fetch.sh).
//! Set RESONANCE_MODEL_DIR to test another installation.

use std::path::PathBuf;
use std::sync::OnceLock;

use resonance_engine::bi_encoder::BiEncoder;
use resonance_engine::error::EngineError;
use resonance_engine::model_files::BASE_BI_ENCODER;
use resonance_engine::tokenization::TextTokenizer;

fn model_dir() -> PathBuf {
    let root = std::env::var("RESONANCE_MODEL_DIR").unwrap_or_else(|_| "/usr/share/postgresql/15/resonance/models".into());
    PathBuf::from(root).join(BASE_BI_ENCODER)
}

fn encoder() -> &'static BiEncoder {
    static ENCODER: OnceLock<BiEncoder> = OnceLock::new();
    ENCODER.get_or_init(|| BiEncoder::load(&model_dir(), 256).expect("model files installed by models/fetch.sh"))
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn matches_sentence_transformers_reference() {
    // sentence-transformers' all-MiniLM-L6-v2 on this sentence starts with these values.
    let v = &encoder().encode_batch(&["This is an example sentence"]).unwrap()[0];
    assert_eq!(v.len(), 384);
    let expected = [0.0677f32, 0.0635, 0.0487, 0.0793, 0.0374];
    for (got, want) in v.iter().zip(expected) {
        assert!((got - want).abs() < 5e-4, "got {:?}, want {:?}", &v[..5], expected);
    }
}

#[test]
fn embeddings_have_unit_length() {
    for v in encoder().encode_batch(&["short", "a somewhat longer sentence about Kubernetes and Terraform"]).unwrap() {
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
    }
}

#[test]
fn padding_in_a_batch_does_not_change_an_embedding() {
    let short = "Senior Python developer";
    let long = "Registered nurse with ten years of intensive care experience, ventilator management, \
                medication administration and patient education across three hospitals";
    let alone = &encoder().encode_batch(&[short]).unwrap()[0];
    let batched = encoder().encode_batch(&[long, short]).unwrap();
    assert!(max_abs_diff(alone, &batched[1]) < 1e-5, "padding leaked into the mean");
}

#[test]
fn batched_encode_keeps_input_order() {
    let texts = ["nurse", "a data engineer who builds Spark pipelines every day of the week", "chef"];
    let batched = encoder().encode(&texts, 2, |_, _| Ok(())).unwrap();
    for (text, got) in texts.iter().zip(&batched) {
        let alone = &encoder().encode_batch(&[text]).unwrap()[0];
        assert!(max_abs_diff(alone, got) < 1e-5, "{text} out of place");
    }
}

#[test]
fn similar_texts_are_closer_than_unrelated_ones() {
    let v = encoder()
        .encode_batch(&["Backend engineer: Python, Django, PostgreSQL", "Django web developer with Python", "Pastry chef"])
        .unwrap();
    assert!(cosine(&v[0], &v[1]) > cosine(&v[0], &v[2]) + 0.2);
}

#[test]
fn long_text_is_truncated_at_max_seq_length_not_at_128() {
    let tokenizer = TextTokenizer::from_file(&model_dir().join("tokenizer.json"), 256).unwrap();
    let long = "word ".repeat(1000);
    assert_eq!(tokenizer.token_counts(&[&long, "hello world"]).unwrap(), vec![256, 4]);
    // Two texts that differ only after token 256 embed identically.
    let a = format!("{long} alpha beta gamma");
    let b = format!("{long} completely different ending");
    let v = encoder().encode_batch(&[&a, &b]).unwrap();
    assert!(max_abs_diff(&v[0], &v[1]) < 1e-6);
}

#[test]
fn a_batch_pads_to_its_longest_text_only() {
    let tokenizer = TextTokenizer::from_file(&model_dir().join("tokenizer.json"), 256).unwrap();
    let batch = tokenizer.encode_texts(&["one two", "one two three four"], &candle_core::Device::Cpu).unwrap();
    assert_eq!(batch.input_ids.dims(), &[2, 6]); // [CLS] + 4 + [SEP], not the file's fixed 128
    assert_eq!(batch.lengths, vec![4, 6]);
}

#[test]
fn missing_model_directory_is_a_clear_error() {
    match BiEncoder::load(std::path::Path::new("/nonexistent/resonance-model"), 256) {
        Err(EngineError::MissingModelFile { path }) => assert!(path.ends_with("resonance-model")),
        other => panic!("expected MissingModelFile, got {:?}", other.err()),
    }
}

#[test]
fn corrupt_weights_are_a_clear_error() {
    let dir = std::env::temp_dir().join(format!("resonance-corrupt-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    for f in ["config.json", "tokenizer.json"] {
        std::fs::copy(model_dir().join(f), dir.join(f)).unwrap();
    }
    std::fs::write(dir.join("model.safetensors"), b"not a safetensors file").unwrap();
    let err = BiEncoder::load(&dir, 256).err().expect("corrupt weights must not load");
    std::fs::remove_dir_all(&dir).ok();
    assert!(matches!(err, EngineError::CorruptModelFile { .. }), "{err}");
    assert!(err.to_string().contains("model.safetensors"));
}
