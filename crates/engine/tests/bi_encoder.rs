//! The bi-encoder against the real all-MiniLM-L6-v2 files (installed by models/fetch.sh).
//! Set RESONANCE_MODEL_DIR to test another installation.

use std::path::PathBuf;
use std::sync::OnceLock;

use resonance_engine::bf16_linear::MatmulPrecision;
use resonance_engine::bi_encoder::BiEncoder;
use resonance_engine::error::EngineError;
use resonance_engine::interrupt::{CountingInterrupt, Uninterrupted};
use resonance_engine::model_files::BASE_BI_ENCODER;
use resonance_engine::tokenization::TextTokenizer;

fn model_dir() -> PathBuf {
    let root = std::env::var("RESONANCE_MODEL_DIR").unwrap_or_else(|_| "/usr/share/postgresql/15/resonance/models".into());
    PathBuf::from(root).join(BASE_BI_ENCODER)
}

fn encoder() -> &'static BiEncoder {
    static ENCODER: OnceLock<BiEncoder> = OnceLock::new();
    ENCODER.get_or_init(|| BiEncoder::load(&model_dir(), 256, MatmulPrecision::F32).expect("model files installed by models/fetch.sh"))
}

/// The encoder as the server runs it by default: bf16 products where the CPU has them.
fn serving_encoder() -> &'static BiEncoder {
    static ENCODER: OnceLock<BiEncoder> = OnceLock::new();
    ENCODER.get_or_init(|| BiEncoder::load(&model_dir(), 256, MatmulPrecision::best_available()).expect("model files"))
}

fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

fn max_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

#[test]
fn bf16_products_keep_embeddings_within_a_cosine_of_f32() {
    if MatmulPrecision::best_available() != MatmulPrecision::Bf16 {
        eprintln!("no AVX-512 BF16 on this CPU: the server computes in f32 here");
        return;
    }
    let long = "Senior backend engineer: Rust, PostgreSQL, Kubernetes; seven years building payment systems. ".repeat(20);
    let texts = ["This is an example sentence", "RN - Cardiac ICU Nights", "Loan Processor III", "forklift", long.as_str()];
    let exact = encoder().encode_batch(&texts, &Uninterrupted).unwrap();
    let fast = serving_encoder().encode_batch(&texts, &Uninterrupted).unwrap();
    for ((text, a), b) in texts.iter().zip(&exact).zip(&fast) {
        // Issue 11 asks for 0.99; bf16 products measured 0.9999 and more (README, "bf16").
        let c = cosine(a, b);
        assert!(c > 0.999, "{text:.40}: cosine {c}");
        assert!(c < 1.0 - 1e-9, "{text:.40}: identical to f32, so the bf16 kernel did not run");
    }
}

#[test]
fn matches_sentence_transformers_reference() {
    // sentence-transformers' all-MiniLM-L6-v2 on this sentence starts with these values.
    let v = &encoder().encode_batch(&["This is an example sentence"], &Uninterrupted).unwrap()[0];
    assert_eq!(v.len(), 384);
    let expected = [0.0677f32, 0.0635, 0.0487, 0.0793, 0.0374];
    for (got, want) in v.iter().zip(expected) {
        assert!((got - want).abs() < 5e-4, "got {:?}, want {:?}", &v[..5], expected);
    }
}

#[test]
fn embeddings_have_unit_length() {
    for v in encoder().encode_batch(&["short", "a somewhat longer sentence about Kubernetes and Terraform"], &Uninterrupted).unwrap() {
        let norm: f32 = v.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "norm {norm}");
    }
}

#[test]
fn padding_in_a_batch_does_not_change_an_embedding() {
    let short = "Senior Python developer";
    let long = "Registered nurse with ten years of intensive care experience, ventilator management, \
                medication administration and patient education across three hospitals";
    let alone = &encoder().encode_batch(&[short], &Uninterrupted).unwrap()[0];
    let batched = encoder().encode_batch(&[long, short], &Uninterrupted).unwrap();
    assert!(max_abs_diff(alone, &batched[1]) < 1e-5, "padding leaked into the mean");
}

#[test]
fn batched_encode_keeps_input_order() {
    let texts = ["nurse", "a data engineer who builds Spark pipelines every day of the week", "chef"];
    let batched = encoder().encode(&texts, 2, &Uninterrupted, |_, _| Ok(())).unwrap();
    for (text, got) in texts.iter().zip(&batched) {
        let alone = &encoder().encode_batch(&[text], &Uninterrupted).unwrap()[0];
        assert!(max_abs_diff(alone, got) < 1e-5, "{text} out of place");
    }
}

#[test]
fn similar_texts_are_closer_than_unrelated_ones() {
    let v = encoder()
        .encode_batch(&["Backend engineer: Python, Django, PostgreSQL", "Django web developer with Python", "Pastry chef"], &Uninterrupted)
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
    let v = encoder().encode_batch(&[&a, &b], &Uninterrupted).unwrap();
    assert!(max_abs_diff(&v[0], &v[1]) < 1e-6);
}

#[test]
fn a_batch_pads_to_its_longest_text_only() {
    let tokenizer = TextTokenizer::from_file(&model_dir().join("tokenizer.json"), 256).unwrap();
    let batch = tokenizer.encode_texts(&["one two", "one two three four"], &candle_core::Device::Cpu, &Uninterrupted).unwrap();
    assert_eq!(batch.input_ids.dims(), &[2, 6]); // [CLS] + 4 + [SEP], not the file's fixed 128
    assert_eq!(batch.lengths, vec![4, 6]);
}

#[test]
fn missing_model_directory_is_a_clear_error() {
    match BiEncoder::load(std::path::Path::new("/nonexistent/resonance-model"), 256, MatmulPrecision::F32) {
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
    let err = BiEncoder::load(&dir, 256, MatmulPrecision::F32).err().expect("corrupt weights must not load");
    std::fs::remove_dir_all(&dir).ok();
    assert!(matches!(err, EngineError::CorruptModelFile { .. }), "{err}");
    assert!(err.to_string().contains("model.safetensors"));
}

/// Tokens of `text` as the upstream tokenizer gives them for the whole text, truncated at
/// 256 like ours but never cut short first: what `needed_prefix` must reproduce.
fn whole_text_ids(first: &str, second: Option<&str>) -> Vec<u32> {
    let mut reference = tokenizers::Tokenizer::from_file(model_dir().join("tokenizer.json")).unwrap();
    reference.with_padding(None);
    reference.with_truncation(Some(tokenizers::TruncationParams { max_length: 256, ..Default::default() })).unwrap();
    let input: tokenizers::EncodeInput = match second {
        None => first.into(),
        Some(second) => (first, second).into(),
    };
    reference.encode(input, true).unwrap().get_ids().to_vec()
}

/// A paragraph with punctuation, digits, accents (composed and combining), other scripts
/// and long tokens.
const PROSE: &str = "Senior data engineer (8+ yrs): built Spark/Kafka pipelines, 40% cheaper; led café \
                     résumé reviews; naïve Bayes, e\u{301}tudes; инженер данных; 数据工程师; \
                     https://example.com/jobs?id=42&team=platform. ";

/// Texts of every kind a prefix cut could get wrong: shorter and longer than 256 tokens and
/// than the 4 kB window; words spaced out so that the first window holds anything from 100
/// to 680 tokens; 252 tokens, then a word of 300 characters (one [UNK]) that the first
/// window would cut after 64 (many pieces); mixed prose; mostly whitespace (the window
/// must grow); a word too long for WordPiece, at the cut and before it.
fn texts_around_the_cut() -> Vec<String> {
    let mut texts: Vec<String> = [1, 254, 255, 1000].iter().map(|n| "word ".repeat(*n)).collect();
    texts.extend((1..40).map(|pad| format!("word{}", " ".repeat(pad)).repeat(12_000 / (4 + pad))));
    texts.push(format!("{}{} {}", format!("a{}", " ".repeat(15)).repeat(252), "z".repeat(300), PROSE.repeat(40)));
    texts.extend([1, 5, 30, 300].iter().map(|n| PROSE.repeat(*n)));
    texts.push(format!("skills{}python sql ", " ".repeat(30)).repeat(400));
    texts.push(format!("{} then words after it", "x".repeat(9000)));
    texts.push(format!("{PROSE} {}", "y".repeat(6000)));
    texts
}

#[test]
fn cutting_long_texts_first_keeps_the_tokens_of_the_whole_text() {
    let tokenizer = TextTokenizer::from_file(&model_dir().join("tokenizer.json"), 256).unwrap();
    let device = candle_core::Device::Cpu;
    let texts = texts_around_the_cut();
    for text in &texts {
        let ours = tokenizer.encode_texts(&[text], &device, &Uninterrupted).unwrap();
        let ids = ours.input_ids.to_vec2::<u32>().unwrap().remove(0);
        assert_eq!(ids, whole_text_ids(text, None), "{} bytes starting {:?}", text.len(), &text[..40.min(text.len())]);
    }
    assert!(texts.iter().any(|t| tokenizer.needed_prefix(t, &Uninterrupted).unwrap().len() < t.len()), "some text was cut");
    // Pairs: either side long, or neither.
    let (short, long) = (PROSE.to_string(), PROSE.repeat(300));
    for (a, b) in [(short.as_str(), long.as_str()), (&long, &short), (&short, "word word")] {
        let ours = tokenizer.encode_pairs(&[(a, b)], &device, &Uninterrupted).unwrap();
        assert_eq!(ours.input_ids.to_vec2::<u32>().unwrap().remove(0), whole_text_ids(a, Some(b)));
    }
}

#[test]
fn a_10_mb_text_is_tokenised_only_as_far_as_truncation_needs() {
    let tokenizer = TextTokenizer::from_file(&model_dir().join("tokenizer.json"), 256).unwrap();
    let ten_mb = 10 * 1024 * 1024;
    let prose = "experienced engineer building reliable data pipelines with python and sql. ".repeat(ten_mb / 75);
    let no_boundary = "x".repeat(ten_mb);
    // Prose: the first window, 4 kB, holds enough tokens.
    let counting = CountingInterrupt::new();
    let prefix = tokenizer.needed_prefix(&prose, &counting).unwrap();
    assert!(prefix.len() <= 256 * 16, "{} bytes tokenised", prefix.len());
    assert_eq!(counting.asked(), 1, "one window was enough");
    // One unbroken string is one [UNK] however long: windows of 4, 8, 16 and 32 kB are
    // tried, then the text is read no further than 64 kB, which gives the same [UNK].
    let counting = CountingInterrupt::new();
    let prefix = tokenizer.needed_prefix(&no_boundary, &counting).unwrap();
    assert_eq!((prefix.len(), counting.asked()), (256 * 256, 4));
    let ours = tokenizer.encode_texts(&[&no_boundary], &candle_core::Device::Cpu, &Uninterrupted).unwrap();
    assert_eq!(ours.input_ids.to_vec2::<u32>().unwrap().remove(0), whole_text_ids(&"x".repeat(1 << 20), None));
    // A text that is mostly whitespace needs wider windows; each try may be stopped.
    let sparse = format!("a{}b", " ".repeat(ten_mb));
    let stop_third = CountingInterrupt::stopping_at(3);
    assert!(matches!(tokenizer.needed_prefix(&sparse, &stop_third), Err(EngineError::Canceled)));
    assert_eq!(stop_third.asked(), 3);
}

/// Twelve distinct texts of 256 tokens: more than one slice of the forward pass.
fn twelve_long_texts() -> Vec<String> {
    (0..12).map(|i| format!("{i} {}", "data pipelines with python and sql for analytics teams ".repeat(40))).collect()
}

#[test]
fn a_batch_run_in_slices_embeds_each_text_as_alone() {
    let texts = twelve_long_texts();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let batched = encoder().encode_batch(&refs, &Uninterrupted).unwrap();
    for (text, got) in refs.iter().zip(&batched) {
        let alone = &encoder().encode_batch(&[text], &Uninterrupted).unwrap()[0];
        assert!(max_abs_diff(alone, got) < 1e-5, "{} differs", &text[..3]);
    }
}

#[test]
fn encoding_asks_before_each_tokenizer_group_and_half_layer_and_stops_when_told() {
    use resonance_engine::batching::slice_tokens;
    let texts = twelve_long_texts();
    let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
    let counting = CountingInterrupt::new();
    encoder().encode_batch(&refs, &counting).unwrap();
    let slices = refs.len().div_ceil((slice_tokens() / 256).max(1));
    let groups = refs.len().div_ceil(8);
    assert_eq!(counting.asked(), groups + slices * 6 * 2, "{slices} slices of a 6-layer model");
    let stop_fifth = CountingInterrupt::stopping_at(5);
    assert!(matches!(encoder().encode_batch(&refs, &stop_fifth), Err(EngineError::Canceled)));
    assert_eq!(stop_fifth.asked(), 5);
}
