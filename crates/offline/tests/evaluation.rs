//! The evaluation module against the development benchmark and its reference scorer.
//!
//! The benchmark lives beside the checkout (`../shared/eval`); set RESONANCE_EVAL_DIR to
//! use another copy. The metric tests run `python3 <eval dir>/metrics.py` and require the
//! engine's numbers to equal its own to 1e-6.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use resonance_engine::error::EngineError;
use resonance_offline::evaluation::benchmark::{Benchmark, Track};
use resonance_engine::evaluation::metrics::{
    evaluate, ndcg_at_k, recall_at_k, reciprocal_rank, MetricReport, METRIC_NAMES,
};
use resonance_engine::evaluation::qrels::Qrels;
use resonance_offline::sources::reserved::ReservedOccupations;
use resonance_engine::evaluation::run::Run;
use resonance_offline::mining::hard_negatives::{mine_hard_negatives, Document, MiningConfig, Query};
use resonance_offline::retrieval::bm25::{Bm25Index, Bm25Params};

/// Agreement required between the engine's metrics and metrics.py's.
const TOLERANCE: f64 = 1e-6;

fn eval_dir() -> PathBuf {
    std::env::var_os("RESONANCE_EVAL_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/eval"))
}

fn scratch_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("resonance-eval-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ids(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

fn grades(pairs: &[(&str, u32)]) -> HashMap<String, u32> {
    pairs.iter().map(|(d, g)| (d.to_string(), *g)).collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= TOLERANCE
}

/// The reference BM25 run of a track (cheap, and a realistic ranking).
fn bm25_run(benchmark: &Benchmark) -> Run {
    let texts: Vec<String> = benchmark.jobs.iter().map(|j| j.text()).collect();
    let index = Bm25Index::build(&texts, Bm25Params::REFERENCE).unwrap();
    let mut run = Run::default();
    for resume in &benchmark.resumes {
        let scores = index.score_all(&resume.text);
        run.insert_scores(&resume.id, benchmark.jobs.iter().map(|j| j.id.clone()).zip(scores).collect());
    }
    run
}

/// metrics.py's `evaluate` on the files, at full float precision (its command line prints
/// four decimals), as name -> value.
fn reference_evaluate(qrels: &Path, run: &Path) -> HashMap<String, f64> {
    let script = "import json, sys; sys.path.insert(0, sys.argv[1]); import metrics; \
                  print(json.dumps(metrics.evaluate(metrics.load_run(sys.argv[3]), metrics.load_qrels(sys.argv[2]))))";
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(eval_dir())
        .arg(qrels)
        .arg(run)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "metrics.py failed: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("metrics.py prints a JSON object")
}

/// metrics.py's command line (`metrics.py QRELS RUN --per-query OUT`): its printed means
/// and its per-query table (six decimals).
fn reference_command_line(
    qrels: &Path,
    run: &Path,
    per_query: &Path,
) -> (HashMap<String, f64>, HashMap<String, Vec<f64>>) {
    let out = Command::new("python3")
        .arg(eval_dir().join("metrics.py"))
        .arg(qrels)
        .arg(run)
        .arg("--per-query")
        .arg(per_query)
        .output()
        .expect("python3 runs");
    assert!(out.status.success(), "metrics.py failed: {}", String::from_utf8_lossy(&out.stderr));
    let printed = String::from_utf8(out.stdout).unwrap();
    let means =
        printed.lines().filter_map(|l| l.split_once('\t')).map(|(k, v)| (k.to_string(), v.parse().unwrap())).collect();
    let table = std::fs::read_to_string(per_query).unwrap();
    let rows = table
        .lines()
        .skip(1)
        .map(|l| {
            let mut fields = l.split('\t');
            let q = fields.next().unwrap().to_string();
            (q, fields.map(|v| v.parse().unwrap()).collect())
        })
        .collect();
    (means, rows)
}

/// Asserts that the engine's report on the run file equals metrics.py's on the same files.
fn assert_equals_reference(qrels_path: &Path, run_path: &Path) -> MetricReport {
    let qrels = Qrels::load(qrels_path).unwrap();
    let report = evaluate(&Run::load(run_path).unwrap(), &qrels).unwrap();
    let ours = report.to_json();
    let reference = reference_evaluate(qrels_path, run_path);
    assert_eq!(reference.len(), ours.as_object().unwrap().len(), "metric sets differ: {reference:?} vs {ours}");
    for (name, want) in &reference {
        let got = ours[name].as_f64().unwrap_or_else(|| panic!("engine report lacks {name}"));
        assert!(close(got, *want), "{name}: engine {got}, metrics.py {want}");
    }
    let per_query_path = run_path.with_extension("per_query.tsv");
    let (printed, rows) = reference_command_line(qrels_path, run_path, &per_query_path);
    for (name, value) in METRIC_NAMES.iter().zip(report.mean.values()) {
        assert!((value - printed[*name]).abs() <= 5e-5, "{name}: engine {value}, printed {}", printed[*name]);
        // printed to 4 decimals
    }
    assert_eq!(rows.len(), report.per_query.len());
    for (resume_id, scores) in &report.per_query {
        for (got, want) in scores.values().iter().zip(&rows[resume_id]) {
            assert!(close(*got, *want), "{resume_id}: engine {got}, metrics.py {want}");
            // six decimals
        }
    }
    report
}

#[test]
fn metrics_equal_metrics_py_on_real_bm25_runs() {
    let dir = scratch_dir("bm25");
    for track in [Track::Onet, Track::EscoIct] {
        let benchmark = Benchmark::load(&eval_dir(), track).unwrap();
        let run_path = dir.join(format!("{track}.tsv"));
        bm25_run(&benchmark).write(&run_path, None).unwrap();
        let report = assert_equals_reference(&eval_dir().join(track.dir_name()).join("qrels.tsv"), &run_path);
        assert_eq!(report.queries, benchmark.qrels.len());
        assert!(report.mean.ndcg_at_10 > 0.3, "{track}: {:?}", report.mean);
    }
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn metrics_equal_metrics_py_on_awkward_run_files() {
    // A real run, made awkward: a header, comments, shallow and missing rankings, tied and
    // fractional ranks, repeated jobs, an unjudged resume and extra columns.
    let benchmark = Benchmark::load(&eval_dir(), Track::EscoIct).unwrap();
    let run = bm25_run(&benchmark);
    let mut text = String::from("resume_id\tjob_id\trank\n# produced by the test\n");
    for (i, resume_id) in run.resume_ids().enumerate() {
        let ranking = run.ranking(resume_id).unwrap();
        // (job, rank column) lines of this resume, one awkwardness per resume in turn.
        let lines: Vec<(&String, String)> = match i % 5 {
            0 => Vec::new(),                                                                               // missing
            1 => ranking.iter().take(7).enumerate().map(|(r, d)| (d, format!("{}", r / 3 + 1))).collect(), // ties
            2 => ranking.iter().rev().enumerate().map(|(r, d)| (d, format!("{r}.5\textra"))).collect(),    // reversed
            3 => ranking.iter().chain(&ranking[..5]).enumerate().map(|(r, d)| (d, format!("{}", r + 1))).collect(), // repeats
            _ => ranking.iter().take(30).enumerate().map(|(r, d)| (d, format!("{}", r + 1))).collect(), // shallow
        };
        for (job, rank) in lines {
            text += &format!("{resume_id}\t{job}\t{rank}\n");
        }
    }
    text += "not-a-judged-resume\tsome-job\t1\n";
    let dir = scratch_dir("awkward");
    let run_path = dir.join("awkward.tsv");
    std::fs::write(&run_path, text).unwrap();
    let report = assert_equals_reference(&eval_dir().join("esco_ict/qrels.tsv"), &run_path);
    assert!(report.queries_missing_from_run > 0);
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn metrics_equal_metrics_py_on_a_small_hand_case() {
    let dir = scratch_dir("hand");
    let qrels_path = dir.join("qrels.tsv");
    let run_path = dir.join("run.tsv");
    std::fs::write(&qrels_path, "q1\td1\t2\nq1\td2\t1\nq1\td3\t2\nq2\td9\t1\nq3\td1\t2\n").unwrap();
    std::fs::write(&run_path, "q1\td2\t1\nq1\tx\t2\nq1\td1\t3\nq2\td9\t1\n").unwrap();
    let report = assert_equals_reference(&qrels_path, &run_path);
    // q1 as in `hand_computed_single_query`; q2 only grade 1 (nDCG 1, MRR 0, Recall 0); q3 missing.
    let q1_ndcg = 2.5 / (3.0 + 3.0 / 3f64.log2() + 0.5);
    assert!(close(report.mean.ndcg_at_10, (q1_ndcg + 1.0) / 3.0));
    assert!(close(report.mean.mrr, (1.0 / 3.0) / 3.0));
    assert!(close(report.mean.recall_at_25, 0.5 / 3.0));
    assert_eq!((report.queries, report.queries_missing_from_run), (3, 1));
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn hand_computed_single_query() {
    let g = grades(&[("d1", 2), ("d2", 1), ("d3", 2)]);
    let ranking = ids(&["d2", "x", "d1"]);
    // DCG = (2^1-1)/log2(2) + 0 + (2^2-1)/log2(4) = 1 + 1.5; ideal 2,2,1 = 3 + 3/log2(3) + 1/log2(4).
    assert!(close(ndcg_at_k(&ranking, &g, 10), 2.5 / (3.0 + 3.0 / 3f64.log2() + 0.5)));
    assert!(close(reciprocal_rank(&ranking, &g), 1.0 / 3.0)); // grade 1 at rank 1 does not count
    assert!(close(recall_at_k(&ranking, &g, 25), 0.5));
    assert!(close(ndcg_at_k(&ids(&["d1", "d3", "d2"]), &g, 10), 1.0));
}

#[test]
fn cutoffs_apply_to_ndcg_and_recall_but_not_mrr() {
    let g = grades(&[("rel", 2)]);
    let at =
        |rank: usize| -> Vec<String> { (1..rank).map(|i| format!("filler{i}")).chain(["rel".to_string()]).collect() };
    assert_eq!(ndcg_at_k(&at(11), &g, 10), 0.0);
    assert!(close(ndcg_at_k(&at(11), &g, 25), 1.0 / 12f64.log2()));
    assert_eq!(recall_at_k(&at(26), &g, 25), 0.0);
    assert!(close(recall_at_k(&at(25), &g, 25), 1.0));
    assert!(close(reciprocal_rank(&at(26), &g), 1.0 / 26.0));
    // The ideal DCG is cut at k too: 12 grade-2 jobs, 10 at the top, is perfect at 10.
    let many = grades(&(0..12).map(|i| (Box::leak(format!("r{i}").into_boxed_str()) as &str, 2)).collect::<Vec<_>>());
    assert!(close(ndcg_at_k(&(0..10).map(|i| format!("r{i}")).collect::<Vec<_>>(), &many, 10), 1.0));
}

#[test]
fn resumes_outside_the_judgements_are_ignored_and_missing_ones_score_zero() {
    let mut qrels = Qrels::default();
    qrels.insert("q1", "d1", 2);
    qrels.insert("q2", "d2", 2);
    qrels.insert("q3", "d3", 0); // grade 0 is not a judgement
    let mut run = Run::default();
    run.insert_ranking("q1", ids(&["d1"]));
    run.insert_ranking("unjudged", ids(&["d1"]));
    let report = evaluate(&run, &qrels).unwrap();
    assert_eq!((report.queries, report.queries_missing_from_run), (2, 1));
    assert!(close(report.mean.mrr, 0.5));
    // Sample std of [1, 0] is sqrt(0.5); half-width 1.96 * sqrt(0.5) / sqrt(2) = 0.98.
    assert!(close(report.ci95.mrr, 0.98));
    assert!(matches!(evaluate(&run, &Qrels::default()), Err(EngineError::InvalidInput(_))));
}

#[test]
fn run_files_follow_metrics_py_rules() {
    let run = Run::parse("# c\nresume\tjob\trank\nq\tb\t2\nq\ta\t2\nq\tc\t1\nq\tb\t0.5\n\n", "test").unwrap();
    assert_eq!(run.ranking("q").unwrap(), ids(&["b", "c", "a"])); // best rank kept, ties by id
    let mut scored = Run::default();
    scored.insert_scores("q", vec![("b".into(), 0.5), ("a".into(), 0.5), ("c".into(), 0.9)]);
    assert_eq!(scored.ranking("q").unwrap(), ids(&["c", "a", "b"]));
    assert_eq!(scored.to_tsv(Some(2)), "q\tc\t1\nq\ta\t2\n");
    let err = Run::parse("q\tonly-two-fields\n", "bad.tsv").unwrap_err();
    assert!(err.to_string().contains("bad.tsv line 1"), "{err}");
    assert!(Run::parse("q\td\tnan\n", "nan.tsv").is_err());
    assert!(Run::load(Path::new("/nonexistent/run.tsv")).unwrap_err().to_string().contains("/nonexistent/run.tsv"));
}

#[test]
fn qrels_files_follow_metrics_py_rules() {
    let qrels = Qrels::parse("resume_id\tjob_id\tgrade\nq\td1\t2\nq\td2\t0\nq\td3\t-1\nq\td1\t1\n", "test").unwrap();
    assert_eq!((qrels.len(), qrels.grade("q", "d1"), qrels.grade("q", "d2")), (1, 1, 0));
    assert!(Qrels::parse("q\td1\n", "bad.tsv").unwrap_err().to_string().contains("bad.tsv line 1"));
    assert!(Qrels::parse("q\td1\t99999999999\n", "big.tsv").is_err());
}

#[test]
fn loader_reads_both_tracks_and_keeps_occupations_apart() {
    for (track, jobs, resumes) in [(Track::Onet, 1824, 300), (Track::EscoIct, 91, 134)] {
        let benchmark = Benchmark::load(&eval_dir(), track).unwrap();
        assert_eq!((benchmark.jobs.len(), benchmark.resumes.len(), benchmark.qrels.len()), (jobs, resumes, resumes));
        for job in &benchmark.jobs {
            let occupation = benchmark.occupations.job(&job.id).expect("every job has an occupation label");
            assert!(!format!("{job:?}").contains(occupation), "the occupation leaked into what a system sees");
        }
        assert!(benchmark.resumes.iter().all(|r| benchmark.occupations.resume(&r.id).is_some()));
        // A grade-2 pair is a resume and a job of the same occupation.
        let (q, d, _) = benchmark.qrels.iter().find(|(_, _, g)| *g == 2).unwrap();
        assert_eq!(benchmark.occupations.resume(q), benchmark.occupations.job(d));
    }
    let job = &Benchmark::load(&eval_dir(), Track::Onet).unwrap().jobs[0];
    assert_eq!(job.text(), format!("{} {}", job.title, job.description));
}

#[test]
fn loader_rejects_malformed_tracks() {
    let dir = scratch_dir("malformed");
    let track_dir = dir.join("esco_ict");
    std::fs::create_dir_all(&track_dir).unwrap();
    let job = r#"{"id": "j1", "title": "Dev", "description": "Code.", "occupation": "o1"}"#;
    let resume = r#"{"id": "r1", "text": "I code.", "occupation": "o1"}"#;
    let write = |jobs: &str, resumes: &str, qrels: &str| {
        std::fs::write(track_dir.join("jobs.jsonl"), jobs).unwrap();
        std::fs::write(track_dir.join("resumes.jsonl"), resumes).unwrap();
        std::fs::write(track_dir.join("qrels.tsv"), qrels).unwrap();
        Benchmark::load(&dir, Track::EscoIct).map(|_| ()).map_err(|e| e.to_string())
    };
    assert_eq!(write(job, resume, "r1\tj1\t2\n"), Ok(()));
    assert!(write(&format!("{job}\n{{not json"), resume, "r1\tj1\t2\n").unwrap_err().contains("jobs.jsonl line 2"));
    assert!(write(&format!("{job}\n{job}"), resume, "r1\tj1\t2\n").unwrap_err().contains("appears twice"));
    assert!(write(r#"{"id": "j1", "title": "Dev", "description": "x"}"#, resume, "r1\tj1\t2\n")
        .unwrap_err()
        .contains("occupation"));
    assert!(write("", resume, "r1\tj1\t2\n").unwrap_err().contains("no rows"));
    assert!(write(job, resume, "r1\tunknown-job\t2\n").unwrap_err().contains("unknown job unknown-job"));
    assert!(write(job, resume, "ghost\tj1\t2\n").unwrap_err().contains("unknown resume ghost"));
    assert!(write(job, resume, "").unwrap_err().contains("no judgements"));
    std::fs::remove_dir_all(&dir).ok();
    assert!(Benchmark::load(&dir, Track::Onet).unwrap_err().to_string().contains("jobs.jsonl"));
    assert!("onet".parse::<Track>().is_ok() && "esco".parse::<Track>().is_err());
}

#[test]
fn reserved_occupations_load_from_the_benchmark() {
    let reserved = ReservedOccupations::load(&eval_dir().join("reserved.txt")).unwrap();
    assert_eq!(reserved.len(), 269);
    assert!(reserved.contains("11-1011.00")); // Chief Executives
    assert!(reserved.contains("http://data.europa.eu/esco/occupation/04ba4d6c-957d-417f-bf63-5b9e015a9f86"));
    assert!(reserved.contains("15-1252.00")); // Software Developers
    assert!(!reserved.contains("49-2091.00")); // Avionics Technicians: a dev-set resume occupation
    assert!(!reserved.contains(""));
    // The dev benchmark's resumes are of unreserved occupations; some of its jobs are reserved.
    let onet = Benchmark::load(&eval_dir(), Track::Onet).unwrap();
    assert!(onet.resumes.iter().all(|r| !reserved.contains(onet.occupations.resume(&r.id).unwrap())));
    assert_eq!(onet.jobs.iter().filter(|j| reserved.contains(onet.occupations.job(&j.id).unwrap())).count(), 480);
}

#[test]
fn reserved_list_rejects_malformed_and_empty_files() {
    assert!(ReservedOccupations::parse("onet\t11-1011.00\tChief Executives\tyes\n", "r")
        .unwrap()
        .contains("11-1011.00"));
    assert!(ReservedOccupations::parse("just-one-field\n", "r.txt").unwrap_err().to_string().contains("r.txt line 1"));
    assert!(ReservedOccupations::parse("onet\t\tEmpty key\n", "r.txt").is_err());
    assert!(ReservedOccupations::parse("# only comments\n\n", "r.txt")
        .unwrap_err()
        .to_string()
        .contains("no reserved"));
    assert!(ReservedOccupations::load(Path::new("/nonexistent/reserved.txt")).is_err());
}

#[test]
fn bm25_reproduces_the_readme_reference() {
    // README: BM25 (k1 1.2, b 0.75) nDCG@10 / MRR onet 0.419 / 0.429, esco_ict 0.742 / 0.652.
    for (track, ndcg, mrr) in [(Track::Onet, 0.419, 0.429), (Track::EscoIct, 0.742, 0.652)] {
        let benchmark = Benchmark::load(&eval_dir(), track).unwrap();
        let report = evaluate(&bm25_run(&benchmark), &benchmark.qrels).unwrap();
        assert!((report.mean.ndcg_at_10 - ndcg).abs() < 5e-4, "{track} nDCG@10 {}", report.mean.ndcg_at_10);
        assert!((report.mean.mrr - mrr).abs() < 5e-4, "{track} MRR {}", report.mean.mrr);
    }
}

#[test]
fn mining_on_the_onet_track_keeps_reserved_and_same_occupation_jobs_out() {
    let benchmark = Benchmark::load(&eval_dir(), Track::Onet).unwrap();
    let reserved = ReservedOccupations::load(&eval_dir().join("reserved.txt")).unwrap();
    let job_occupations: Vec<&str> = benchmark.jobs.iter().map(|j| benchmark.occupations.job(&j.id).unwrap()).collect();
    // Stand-in embeddings (no model in this test): a 64-bucket hash of the title's words.
    let embed = |text: &str| {
        let mut v = vec![0.0f32; 64];
        text.split_whitespace()
            .for_each(|w| v[w.bytes().fold(7usize, |h, b| h.wrapping_mul(31).wrapping_add(b as usize)) % 64] += 1.0);
        v
    };
    let job_texts: Vec<String> = benchmark.jobs.iter().map(|j| j.text()).collect();
    let job_embeddings: Vec<Vec<f32>> = benchmark.jobs.iter().map(|j| embed(&j.title)).collect();
    let resume_embeddings: Vec<Vec<f32>> = benchmark.resumes.iter().map(|r| embed(&r.text)).collect();
    let corpus: Vec<Document> = (0..benchmark.jobs.len())
        .map(|d| Document { text: &job_texts[d], occupation: job_occupations[d], embedding: &job_embeddings[d] })
        .collect();
    let queries: Vec<Query> = benchmark.resumes[..60]
        .iter()
        .zip(&resume_embeddings)
        .map(|(r, e)| {
            let occupation = benchmark.occupations.resume(&r.id).unwrap();
            let positives = (0..corpus.len()).filter(|&d| job_occupations[d] == occupation).collect();
            Query { text: &r.text, occupation, embedding: e, positives }
        })
        .collect();
    let config = MiningConfig { negatives_per_positive: 7, seed: 11, ..MiningConfig::default() };
    let mined = mine_hard_negatives(&queries, &corpus, &reserved, &config).unwrap();
    assert_eq!(mined.dropped_reserved_documents, 480);
    assert_eq!(mined.dropped_reserved_queries, 0);
    assert_eq!(mined.examples.len(), 120); // two postings per occupation
    assert_eq!(mined.missing_negatives, 0);
    for example in &mined.examples {
        let occupation = queries[example.query].occupation;
        assert_eq!(example.negatives.len(), 7);
        for negative in &example.negatives {
            let negative_occupation = job_occupations[negative.document];
            assert_ne!(negative_occupation, occupation);
            assert!(!reserved.contains(negative_occupation));
        }
    }
}

#[test]
fn evaluate_program_prints_and_writes_the_metrics() {
    let dir = scratch_dir("program");
    let (run_path, json_path) = (dir.join("run.tsv"), dir.join("metrics.json"));
    let out = Command::new(env!("CARGO_BIN_EXE_evaluate"))
        .args([
            "--eval-dir".as_ref(),
            eval_dir().as_os_str(),
            "--track".as_ref(),
            "esco_ict".as_ref(),
            "--system".as_ref(),
            "bm25".as_ref(),
        ])
        .args(["--run".as_ref(), run_path.as_os_str(), "--json".as_ref(), json_path.as_os_str()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    let record: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap()).unwrap();
    assert_eq!(record["system"], "bm25");
    assert!((record["metrics"]["nDCG@10"].as_f64().unwrap() - 0.742).abs() < 5e-4);
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(written, record);
    // The written run scores the same through metrics.py.
    assert_equals_reference(&eval_dir().join("esco_ict/qrels.tsv"), &run_path);
    for bad in [
        &["--track", "esco_ict", "--system", "tfidf"][..],
        &["--track", "mars", "--system", "bm25"],
        &["--system", "bm25"],
        &["--track"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_evaluate")).args(bad).output().unwrap();
        assert!(!out.status.success(), "{bad:?} accepted");
        // clap's usage errors ("error: invalid value 'mars' for '--track <TRACK>'").
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.starts_with("error: "), "{stderr}");
    }
    std::fs::remove_dir_all(dir).ok();
}
