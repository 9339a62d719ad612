//! The skill GAT end to end on small generated graphs: output shape and normalisation,
//! training that finds structure the input embeddings lack, determinism, isolation of the
//! held-out links, weight files, and bad input.

use candle_core::{Device, Tensor};
use resonance_offline::gnn::input::{format_embeddings_tsv, Relation, RelationEdge, SkillNodes};
use resonance_offline::gnn::links::SkillLinks;
use resonance_offline::gnn::model::{GatConfig, SkillGat};
use resonance_engine::rng::Rng as SeededRng;
use resonance_offline::gnn::train::{enrich, test_graph_flags, train_link_prediction, TrainConfig, TrainedGat};
use resonance_offline::gnn::{parse_edges, parse_nodes};

const DIM: usize = 16;

/// `count` skills with random unit embeddings: they say nothing about the communities.
fn random_nodes(count: usize, seed: u64) -> SkillNodes {
    let mut rng = SeededRng::new(seed);
    let ids = (0..count).map(|i| format!("s{i}")).collect();
    let names = (0..count).map(|i| format!("skill {i}")).collect();
    let embeddings = (0..count).map(|_| (0..DIM).map(|_| rng.unit_f32() - 0.5).collect()).collect();
    SkillNodes::new(ids, names, embeddings).unwrap()
}

/// Communities of `size` skills; each skill linked to 6 random others of its community.
fn community_edges(count: usize, size: usize, seed: u64) -> Vec<RelationEdge> {
    let mut rng = SeededRng::new(seed);
    let mut edges = Vec::new();
    for source in 0..count {
        let base = source / size * size;
        for _ in 0..6 {
            let target = base + rng.below(size);
            if target != source {
                let relation = if rng.below(4) == 0 { Relation::Requires } else { Relation::RelatedTo };
                edges.push(RelationEdge {
                    source: source as u32,
                    target: target as u32,
                    relation,
                    weight: 0.5 + rng.unit_f32() / 2.0,
                });
            }
        }
    }
    edges
}

fn small_config(seed: u64) -> TrainConfig {
    let mut config = TrainConfig::for_dim(DIM);
    config.gat = GatConfig { input_dim: DIM, heads: 2, head_dim: 8, negative_slope: 0.2, dropout: 0.0 };
    config.epochs = 12;
    config.steps_per_epoch = 4;
    config.learning_rate = 1e-2;
    config.seed = seed;
    config
}

fn input_tensor(nodes: &SkillNodes) -> Tensor {
    Tensor::from_slice(nodes.embeddings(), (nodes.len(), nodes.dim()), &Device::Cpu).unwrap()
}

#[test]
fn untrained_model_returns_the_input_and_rows_are_unit_length() {
    let nodes = random_nodes(40, 1);
    let links = SkillLinks::new(40, &community_edges(40, 10, 2)).unwrap();
    let model = SkillGat::new(
        GatConfig { input_dim: DIM, heads: 3, head_dim: 4, negative_slope: 0.2, dropout: 0.0 },
        &mut SeededRng::new(3),
    )
    .unwrap();
    let out = enrich(&model, &nodes, &links).unwrap();
    assert_eq!((out.len(), out[0].len()), (40, DIM));
    for (row, embedding) in out.iter().enumerate() {
        let norm: f32 = embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "row {row} has norm {norm}");
        // Layer 2 starts at zero: the residual alone, i.e. the (normalised) input.
        assert!(embedding.iter().zip(nodes.embedding(row)).all(|(a, b)| (a - b).abs() < 1e-6));
    }
    // 3 heads x 4 into 16: W1 48x... counted exactly.
    let expected = DIM * 12 + 2 * 12 + 6 * 3 + 3 + 12 * DIM + 2 * DIM + 6 + 1 + 2;
    assert_eq!(model.parameter_count(), expected);
}

#[test]
fn training_finds_communities_the_embeddings_do_not_show() {
    let nodes = random_nodes(200, 11);
    let links = SkillLinks::new(200, &community_edges(200, 20, 12)).unwrap();
    let mut config = small_config(5);
    // Random inputs carry nothing worth anchoring to.
    config.anchor_weight = 0.0;
    config.epochs = 20;
    let trained = train_link_prediction(&nodes, &links, &config, |_| {}).unwrap();
    let report = &trained.report;
    // 87 test pairs: the AUC's standard error is about 0.043, so 0.15 is 3.5 of them.
    assert!((report.test_auc_input - 0.5).abs() < 0.15, "random embeddings should be near chance: {report:?}");
    assert!(report.test_auc_gnn > 0.8, "{report:?}");
    assert!(report.verdict().helps);
    let enriched = enrich(&trained.model, &nodes, &links).unwrap();
    let norms: Vec<f32> = enriched.iter().map(|e| e.iter().map(|v| v * v).sum::<f32>().sqrt()).collect();
    assert!(norms.iter().all(|n| (n - 1.0).abs() < 1e-5));
}

#[test]
fn same_seed_gives_the_same_run() {
    let nodes = random_nodes(60, 21);
    let links = SkillLinks::new(60, &community_edges(60, 15, 22)).unwrap();
    let mut config = small_config(7);
    config.epochs = 3;
    let a = train_link_prediction(&nodes, &links, &config, |_| {}).unwrap();
    let b = train_link_prediction(&nodes, &links, &config, |_| {}).unwrap();
    assert_eq!(a.split.test, b.split.test);
    assert_eq!(a.report.test_auc_gnn, b.report.test_auc_gnn);
    assert_eq!(enrich(&a.model, &nodes, &links).unwrap(), enrich(&b.model, &nodes, &links).unwrap());
    config.seed = 8;
    let c = train_link_prediction(&nodes, &links, &config, |_| {}).unwrap();
    assert_ne!(a.split.test, c.split.test);
}

/// `edges` with the relation rows of `pairs` (either direction) given weight 0.01, which
/// changes only their attention prior: an outcome that moves is one those rows reached.
fn reweighted(edges: &[RelationEdge], pairs: &[(u32, u32)]) -> Vec<RelationEdge> {
    let changed: Vec<RelationEdge> = edges
        .iter()
        .map(|e| {
            let pair = (e.source.min(e.target), e.source.max(e.target));
            RelationEdge { weight: if pairs.contains(&pair) { 0.01 } else { e.weight }, ..*e }
        })
        .collect();
    assert_ne!(changed, edges, "the test must change something");
    changed
}

/// A 3-epoch run on 60 random skills in communities: the graph, its config and the result.
struct SmallRun {
    nodes: SkillNodes,
    edges: Vec<RelationEdge>,
    links: SkillLinks,
    config: TrainConfig,
    trained: TrainedGat,
}

fn small_run(seed: u64) -> SmallRun {
    let nodes = random_nodes(60, seed);
    let edges = community_edges(60, 15, seed + 1);
    let links = SkillLinks::new(60, &edges).unwrap();
    let mut config = small_config(seed + 2);
    config.epochs = 3;
    let trained = train_link_prediction(&nodes, &links, &config, |_| {}).unwrap();
    SmallRun { nodes, edges, links, config, trained }
}

#[test]
fn held_out_links_do_not_influence_training() {
    // Changing only the held-out pairs' relation weights must leave training bit-identical:
    // those pairs never send a message while the model learns.
    let SmallRun { nodes, edges, links, config, trained: first } = small_run(31);
    let held_out: Vec<(u32, u32)> =
        first.split.test.iter().chain(&first.split.validation).map(|&i| links.pairs()[i]).collect();
    let changed_links = SkillLinks::new(60, &reweighted(&edges, &held_out)).unwrap();
    let second = train_link_prediction(&nodes, &changed_links, &config, |_| {}).unwrap();
    assert_eq!(first.split.test, second.split.test);
    let (a, b) = (first.model.snapshot().unwrap(), second.model.snapshot().unwrap());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(
            x.flatten_all().unwrap().to_vec1::<f32>().unwrap(),
            y.flatten_all().unwrap().to_vec1::<f32>().unwrap()
        );
    }
    assert_eq!(first.report.validation_auc_best, second.report.validation_auc_best);
}

#[test]
fn test_links_send_no_message_when_the_test_auc_is_measured() {
    // Changing the test pairs' relation weights must move neither the test AUC nor the
    // embeddings it is computed from, while the same change to validation pairs, which do
    // send messages then, must move the embeddings.
    let SmallRun { nodes, edges, links, config, trained: first } = small_run(41);
    let split = &first.split;
    let pairs_of = |indices: &[usize]| -> Vec<(u32, u32)> { indices.iter().map(|&i| links.pairs()[i]).collect() };
    let test_embeddings = |links: &SkillLinks| -> Vec<Vec<f32>> {
        let graph = links.message_graph(&test_graph_flags(links, split), &Device::Cpu).unwrap();
        first.model.forward(&input_tensor(&nodes), &graph, None).unwrap().to_vec2::<f32>().unwrap()
    };

    let test_changed = SkillLinks::new(60, &reweighted(&edges, &pairs_of(&split.test))).unwrap();
    assert_eq!(test_embeddings(&links), test_embeddings(&test_changed));
    let second = train_link_prediction(&nodes, &test_changed, &config, |_| {}).unwrap();
    assert_eq!(first.report.test_auc_gnn, second.report.test_auc_gnn);

    let validation_changed = SkillLinks::new(60, &reweighted(&edges, &pairs_of(&split.validation))).unwrap();
    assert_ne!(test_embeddings(&links), test_embeddings(&validation_changed), "the check could not see a message");
}

#[test]
fn weights_round_trip_through_safetensors() {
    let nodes = random_nodes(60, 41);
    let links = SkillLinks::new(60, &community_edges(60, 15, 42)).unwrap();
    let mut config = small_config(3);
    config.epochs = 2;
    let trained = train_link_prediction(&nodes, &links, &config, |_| {}).unwrap();
    let dir = std::env::temp_dir().join(format!("resonance_gnn_test_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("skill_gat.safetensors");
    trained.model.save(&path).unwrap();
    let loaded = SkillGat::load(&path, config.gat).unwrap();
    assert_eq!(enrich(&trained.model, &nodes, &links).unwrap(), enrich(&loaded, &nodes, &links).unwrap());
    let mut wrong = config.gat;
    wrong.head_dim = 4;
    assert!(SkillGat::load(&path, wrong).unwrap_err().to_string().contains("shape"));
    assert!(SkillGat::load(&dir.join("missing.safetensors"), config.gat).is_err());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn reads_the_export_files_and_writes_copy_text() {
    let nodes = parse_nodes("11111111-0000-0000-0000-000000000001\tPython\t[1,0,0]\n22222222-0000-0000-0000-000000000002\tDjango\t[0.6,0.8,0]\n33\tSQL\t[0,0,2]\n").unwrap();
    let edges = parse_edges(
        "22222222-0000-0000-0000-000000000002\t11111111-0000-0000-0000-000000000001\tREQUIRES\t1\n33\t44\tRELATED_TO\t0.5\n",
        &nodes,
    )
    .unwrap();
    assert_eq!((edges.edges.len(), edges.unknown_endpoint), (1, 1));
    let links = SkillLinks::new(nodes.len(), &edges.edges).unwrap();
    let model = SkillGat::new(
        GatConfig { input_dim: 3, heads: 1, head_dim: 2, negative_slope: 0.2, dropout: 0.0 },
        &mut SeededRng::new(1),
    )
    .unwrap();
    let out = enrich(&model, &nodes, &links).unwrap();
    let tsv = format_embeddings_tsv(&nodes, &out).unwrap();
    let lines: Vec<&str> = tsv.lines().collect();
    assert_eq!(lines.len(), 3);
    assert!(lines[1].starts_with("22222222-0000-0000-0000-000000000002\t[0.6,0.8,0"), "{}", lines[1]);
}

#[test]
fn refuses_mismatched_inputs() {
    let nodes = random_nodes(30, 51);
    let links = SkillLinks::new(30, &community_edges(30, 10, 52)).unwrap();
    let mut config = small_config(1);
    config.gat.input_dim = DIM + 1;
    assert!(train_link_prediction(&nodes, &links, &config, |_| {}).unwrap_err().to_string().contains("dimensions"));
    let other_links = SkillLinks::new(31, &community_edges(30, 10, 52)).unwrap();
    assert!(train_link_prediction(&nodes, &other_links, &small_config(1), |_| {}).is_err());
    let mut zero_epochs = small_config(1);
    zero_epochs.epochs = 0;
    assert!(train_link_prediction(&nodes, &links, &zero_epochs, |_| {}).is_err());
    let no_links = SkillLinks::new(30, &[]).unwrap();
    assert!(train_link_prediction(&nodes, &no_links, &small_config(1), |_| {})
        .unwrap_err()
        .to_string()
        .contains("too few"));
    let bad = GatConfig { input_dim: DIM, heads: 0, head_dim: 8, negative_slope: 0.2, dropout: 0.0 };
    assert!(SkillGat::new(bad, &mut SeededRng::new(1)).is_err());
    let model = SkillGat::new(GatConfig::for_dim(DIM), &mut SeededRng::new(1)).unwrap();
    let graph = links.full_message_graph(&Device::Cpu).unwrap();
    let wrong_rows = input_tensor(&nodes).narrow(0, 0, 10).unwrap();
    assert!(model.forward(&wrong_rows, &graph, None).is_err());
}
