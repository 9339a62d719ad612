#!/usr/bin/env python3
"""ONNX Runtime's side of scripts/bench_onnx.sh: all-MiniLM-L6-v2 in ONNX Runtime, the peer
our candle encoder is measured against (issue 11 item 5; the recipe: export BERT, fuse it
with ONNX Runtime's BERT optimizer, mean-pool and normalise outside the graph).

  export   writes the ONNX graph of the BERT encoder from the same model.safetensors and
           config.json our encoder loads, then runs onnxruntime.transformers.optimizer
           (model_type bert) over it and prints which fused operators it made.
  bench    one round of measures with ONNX Runtime, printed in encode_bench's format.
  compare  cosine between ONNX Runtime's embeddings and those encode_bench --dump wrote.
  summary  the table of scripts/bench_onnx.sh from the rounds' outputs, with candle / ORT.

Why the graph is written here and not exported with torch.onnx.export, the usual
recipe: PyPI's torch wheel for Linux x86-64 is the CUDA build and needs several GB of NVIDIA
wheels to import, and Hugging Face (where the repository's onnx/model.onnx lives) cannot
be reached from this machine. The graph below is node for node what torch.onnx.export
makes of transformers' BertModel at opset 17 (the Gather/Add embeddings with the sliced
position_ids buffer, LayerNormalization, the Unsqueeze-Cast-Sub-Mul extended mask, the
Reshape-Transpose heads, Div by sqrt(head_dim), erf GELU), which is the pattern the
optimizer's BERT fusions look for; `export` fails unless they all fire (one
EmbedLayerNormalization, an Attention per layer, two SkipLayerNormalization per layer, a
BiasGelu per layer), so ONNX Runtime runs the graph it runs for an exported BERT.

Mean pooling over the real tokens and L2 normalisation are done in numpy, as the
recipe has it; tokenisation uses the same tokenizer.json with our settings (truncation at 256, padding
to the longest text, no fixed 128). Timings include tokenisation and pooling, as
encode_bench's do.
"""
import argparse
import json
import struct
import sys
import time
from pathlib import Path

import numpy as np

# The texts of crates/offline/bin/encode_bench.rs (keep the two in step): "text <i> " + the
# 15-token SENTENCE repeated: 4 times is exactly 64 tokens with [CLS] and [SEP] (the latency
# text), 17 times is cut at exactly 256 (the throughput texts); `bench` checks both counts.
SENTENCE = "experienced engineer building reliable data pipelines with python and sql for analytics teams. "
REPEATS_64, REPEATS_256 = 4, 17
MAX_SEQ_LENGTH = 256
# "This is an example sentence" starts so in sentence-transformers (its model card's example).
REFERENCE = ("This is an example sentence", [0.0677, 0.0635, 0.0487, 0.0793, 0.0374])


def texts(count, repeats):
    return [f"text {i} {SENTENCE * repeats}" for i in range(count)]


def read_safetensors(path):
    """name -> numpy array, without the safetensors package (the format is a JSON header)."""
    dtypes = {"F32": np.float32, "I64": np.int64}
    with open(path, "rb") as f:
        size = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(size))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        out[name] = np.frombuffer(data[start:end], dtype=dtypes[info["dtype"]]).reshape(info["shape"])
    return out


def bert_graph(weights, cfg):
    """The BERT encoder as torch.onnx.export writes transformers' BertModel (opset 17)."""
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []
    hidden, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    head_dim = hidden // heads
    eps = float(cfg.get("layer_norm_eps", 1e-12))

    def const(name, value):
        inits.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def node(op, inputs, name, **attrs):
        nodes.append(helper.make_node(op, inputs, [name], name=name, **attrs))
        return name

    for name, value in weights.items():
        # PyTorch Linear stores [out, in]; the exporter writes MatMul against its transpose.
        is_linear = name.endswith(".weight") and value.ndim == 2 and "embeddings" not in name
        const(name, np.ascontiguousarray(value.T) if is_linear else value)
    one, minus = const("one_f", np.array(1.0, np.float32)), const("mask_min", np.array(-10000.0, np.float32))

    def linear(x, prefix, out):
        return node("Add", [node("MatMul", [x, prefix + ".weight"], out + "_mm"), prefix + ".bias"], out)

    def layer_norm(x, prefix, out):
        return node("LayerNormalization", [x, prefix + ".weight", prefix + ".bias"], out, axis=-1, epsilon=eps)

    # Embeddings: word + token type, then + position (position_ids[:, :seq_len]), then norm.
    seq = node("Gather", [node("Shape", ["input_ids"], "ids_shape"), const("i1", np.array(1, np.int64))], "seq_len")
    seq_1d = node("Unsqueeze", [seq, const("axis0", np.array([0], np.int64))], "seq_len_1d")
    positions = node("Slice", ["embeddings.position_ids", const("zero_1d", np.array([0], np.int64)), seq_1d,
                               const("axis1", np.array([1], np.int64)), const("step1", np.array([1], np.int64))],
                     "position_ids")
    summed = node("Add", [node("Gather", ["embeddings.word_embeddings.weight", "input_ids"], "word_emb"),
                          node("Gather", ["embeddings.token_type_embeddings.weight", "token_type_ids"], "type_emb")],
                  "emb_sum")
    summed = node("Add", [summed, node("Gather", ["embeddings.position_embeddings.weight", positions], "pos_emb")],
                  "emb_sum_pos")
    x = layer_norm(summed, "embeddings.LayerNorm", "emb_out")

    # The extended mask: (1 - mask[:, None, None, :]) * -10000.
    mask = node("Unsqueeze", [node("Unsqueeze", ["attention_mask", const("ax1", np.array([1], np.int64))], "mask_u1"),
                              const("ax2", np.array([2], np.int64))], "mask_u2")
    mask = node("Cast", [mask], "mask_f", to=TensorProto.FLOAT)
    mask_bias = node("Mul", [node("Sub", [one, mask], "mask_inv"), minus], "mask_bias")

    split_shape = const("split_shape", np.array([0, 0, heads, head_dim], np.int64))
    merge_shape = const("merge_shape", np.array([0, 0, hidden], np.int64))
    scale = const("sqrt_head_dim", np.array(np.sqrt(head_dim), np.float32))
    sqrt2, half = const("sqrt2", np.array(np.sqrt(2.0), np.float32)), const("half", np.array(0.5, np.float32))
    for i in range(cfg["num_hidden_layers"]):
        p = f"encoder.layer.{i}"
        n = f"l{i}"

        def heads_of(kind, perm):
            projected = linear(x, f"{p}.attention.self.{kind}", f"{n}_{kind}")
            return node("Transpose", [node("Reshape", [projected, split_shape], f"{n}_{kind}_split")],
                        f"{n}_{kind}_heads", perm=perm)

        q, k, v = heads_of("query", [0, 2, 1, 3]), heads_of("key", [0, 2, 3, 1]), heads_of("value", [0, 2, 1, 3])
        scores = node("Add", [node("Div", [node("MatMul", [q, k], f"{n}_qk"), scale], f"{n}_scaled"), mask_bias],
                      f"{n}_masked")
        context = node("MatMul", [node("Softmax", [scores], f"{n}_probs", axis=-1), v], f"{n}_context")
        context = node("Reshape", [node("Transpose", [context], f"{n}_context_t", perm=[0, 2, 1, 3]), merge_shape],
                       f"{n}_context_merged")
        attended = node("Add", [linear(context, f"{p}.attention.output.dense", f"{n}_attn_out"), x], f"{n}_attn_res")
        attended = layer_norm(attended, f"{p}.attention.output.LayerNorm", f"{n}_attn_norm")
        inner = linear(attended, f"{p}.intermediate.dense", f"{n}_inter")
        gelu = node("Mul", [node("Mul", [inner, node("Add", [node("Erf", [node("Div", [inner, sqrt2], f"{n}_g_div")],
                                                                  f"{n}_g_erf"), one], f"{n}_g_add")], f"{n}_g_mul"),
                            half], f"{n}_gelu")
        out = node("Add", [linear(gelu, f"{p}.output.dense", f"{n}_ffn_out"), attended], f"{n}_ffn_res")
        x = layer_norm(out, f"{p}.output.LayerNorm", f"{n}_out")
    nodes.append(helper.make_node("Identity", [x], ["last_hidden_state"], name="last_hidden_state"))

    ids = lambda name: helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "seq"])
    graph = helper.make_graph(
        nodes, "all-MiniLM-L6-v2", [ids("input_ids"), ids("attention_mask"), ids("token_type_ids")],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, ["batch", "seq", hidden])], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="resonance bench_onnx")


class Encoder:
    """Texts -> unit-length embeddings with ONNX Runtime (sentence-transformers' pooling)."""

    def __init__(self, model, tokenizer_json, threads, spinning=True):
        import onnxruntime as ort
        from tokenizers import Tokenizer

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        if not spinning:  # idle worker threads sleep instead of spinning (ORT spins by default)
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(str(model), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(tokenizer_json))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_SEQ_LENGTH)
        self.tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")  # to the longest of the batch

    def token_counts(self, batch):
        return [sum(e.attention_mask) for e in self.tokenizer.encode_batch(batch)]

    def encode(self, batch):
        encoded = self.tokenizer.encode_batch(batch)
        ids = np.array([e.ids for e in encoded], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encoded], dtype=np.int64)
        (hidden,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(1) / np.clip(weights.sum(1), 1e-9, None)
        return pooled / np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)


def export(args):
    import onnx
    from onnxruntime.transformers import optimizer

    cfg = json.loads((args.model_dir / "config.json").read_text())
    raw = args.out.with_suffix(".raw.onnx")
    onnx.save(bert_graph(read_safetensors(args.model_dir / "model.safetensors"), cfg), str(raw))
    optimized = optimizer.optimize_model(str(raw), model_type="bert", num_heads=cfg["num_attention_heads"],
                                         hidden_size=cfg["hidden_size"], opt_level=0)
    fused = {k: v for k, v in optimized.get_fused_operator_statistics().items() if v}
    layers = cfg["num_hidden_layers"]
    expected = {"EmbedLayerNormalization": 1, "Attention": layers, "SkipLayerNormalization": 2 * layers}
    print(f"[onnx] fused operators: {fused}")
    gelu = fused.get("BiasGelu", 0) + fused.get("Gelu", 0) + fused.get("FastGelu", 0)
    if any(fused.get(op, 0) != n for op, n in expected.items()) or gelu != layers:
        sys.exit(f"[onnx] the optimizer did not fuse the whole graph (expected {expected} and {layers} GELUs)")
    optimized.save_model_to_file(str(args.out))
    raw.unlink()
    got = Encoder(args.out, args.model_dir / "tokenizer.json", 1).encode([REFERENCE[0]])[0][:5]
    if not np.allclose(got, REFERENCE[1], atol=1e-4):
        sys.exit(f"[onnx] reference sentence gives {got}, expected {REFERENCE[1]}")
    print(f"[onnx] wrote {args.out}; reference sentence starts {', '.join(f'{v:.4f}' for v in got)}")


def percentile(sorted_ms, p):
    return sorted_ms[round((len(sorted_ms) - 1) * p)]


def bench(args):
    """The measures of encode_bench, same texts, same counts, same output format."""
    import onnxruntime as ort

    enc = Encoder(args.model, args.tokenizer, args.threads, spinning=not args.no_spinning)
    who = f"ort threads={args.threads}" + (" no_spinning" if args.no_spinning else "")
    single = texts(105, REPEATS_64)
    counts = (set(enc.token_counts(single)), set(enc.token_counts(texts(128, REPEATS_256))))
    if counts != ({64}, {256}):
        sys.exit(f"{who}: the texts have {counts} tokens, not 64 and 256")
    print(f"{who} onnxruntime={ort.__version__} tokens=64/256")
    ms = []
    for i, t in enumerate(single):
        start = time.perf_counter()
        enc.encode([t])
        if i >= 5:  # 5 warm-up calls, as encode_bench
            ms.append((time.perf_counter() - start) * 1e3)
    ms.sort()
    for p in (50, 95, 99):
        print(f"{who} single_64tok_p{p}_ms={percentile(ms, p / 100):.2f}")
    if args.latencies:
        Path(args.latencies).write_text("".join(f"{v:.4f}\n" for v in ms))
    for label, repeats, count in [("64tok", REPEATS_64, 256), ("256tok", REPEATS_256, 128)]:
        batch = texts(count, repeats)
        enc.encode(batch[:32])  # warm-up
        start = time.perf_counter()
        for i in range(0, count, 32):
            enc.encode(batch[i:i + 32])
        print(f"{who} batch32_{label}_texts_per_s={count / (time.perf_counter() - start):.1f}")


def compare(args):
    """Cosine of each text's ONNX Runtime embedding with encode_bench's (--dump file)."""
    dumped = [json.loads(line) for line in Path(args.candle).read_text().splitlines()]
    enc = Encoder(args.model, args.tokenizer, args.threads)
    ours = np.array([d["embedding"] for d in dumped], dtype=np.float32)
    theirs = np.concatenate([enc.encode([d["text"] for d in dumped[i:i + 32]]) for i in range(0, len(dumped), 32)])
    cosines = (ours * theirs).sum(1) / (np.linalg.norm(ours, axis=1) * np.linalg.norm(theirs, axis=1))
    tokens = enc.token_counts([d["text"] for d in dumped])
    worst = int(cosines.argmin())
    print(f"agreement texts={len(dumped)} tokens={min(tokens)}..{max(tokens)} cosine_min={cosines.min():.6f} "
          f"cosine_mean={cosines.mean():.6f} max_abs_diff={np.abs(ours - theirs).max():.2e} (worst: text {worst})")
    if cosines.min() < args.min_cosine:
        sys.exit(f"agreement FAILED: cosine {cosines.min():.6f} < {args.min_cosine}")


def summary(args):
    """Throughput: median over the rounds (min-max); latency: percentiles of all rounds'
    calls pooled. ONNX Runtime runs with its default settings and with spinning off (its idle
    threads then sleep, which on busy shared cores is faster); ratios are candle / the better
    of the two (issue 11's targets: >= 1.2 for the 256-token throughput, <= 1.0 for the
    64-token latency). The "candle_f32" side (the same binary with f32 products) and a
    "baseline" side (an earlier build of encode_bench, bench_onnx.sh's BASELINE) get a column
    when their files exist."""
    def measures(side):
        rounds = []
        for r in range(1, args.rounds + 1):
            kv = dict(w.split("=", 1) for w in (args.dir / f"{side}_{r}.txt").read_text().split() if "=" in w)
            rounds.append(kv)
        lat = sorted(float(v) for r in range(1, args.rounds + 1)
                     for v in (args.dir / f"{side}_{r}.lat").read_text().split())
        return rounds, lat

    names = ["ort", "ort_nospin", "candle"] + [side for side in ("candle_f32", "baseline")
                                               if (args.dir / f"{side}_1.txt").exists()]
    sides = {name: measures(name) for name in names}
    # Ratios against the better of ONNX Runtime's two settings for each measure.
    rows = []
    for label, key, target in [("batch of 256-token texts, texts/s", "batch32_256tok_texts_per_s", ">= 1.2"),
                               ("batch of 64-token texts, texts/s", "batch32_64tok_texts_per_s", "")]:
        cells = {}
        for side in names:
            values = sorted(float(kv[key]) for kv in sides[side][0])
            cells[side] = (values[len(values) // 2], f"{values[len(values) // 2]:.1f} ({values[0]:.1f}-{values[-1]:.1f})")
        best = max(cells["ort"][0], cells["ort_nospin"][0])
        rows.append((label, {k: v[1] for k, v in cells.items()}, cells["candle"][0] / best, target))
    for p, target in [(50, "<= 1.0"), (95, "")]:
        ms = {s: percentile(sides[s][1], p / 100) for s in names}
        best = min(ms["ort"], ms["ort_nospin"])
        rows.append((f"one 64-token text, P{p} ms", {k: f"{v:.2f}" for k, v in ms.items()}, ms["candle"] / best, target))
    calls = len(sides["ort"][1])
    print(f"encode, {args.threads} threads, batches of 32, {args.rounds} rounds alternated "
          f"(latency: {calls} calls per side pooled; throughput: median (min-max) of the rounds)")
    titles = {"candle_f32": "candle, f32 products", "baseline": "baseline (earlier build)"}
    extra_sides = [side for side in names if side in titles]
    print("| measure | ONNX Runtime | ONNX Runtime, no spinning | candle (ours) | candle / better ORT | target |"
          + "".join(f" {titles[side]} |" for side in extra_sides))
    print("|---|---|---|---|---|---|" + "---|" * len(extra_sides))
    for label, cells, ratio, target in rows:
        extra = "".join(f" {cells[side]} |" for side in extra_sides)
        print(f"| {label} | {cells['ort']} | {cells['ort_nospin']} | {cells['candle']} | {ratio:.2f} | {target} |{extra}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export")
    e.add_argument("--model-dir", type=Path, required=True)
    e.add_argument("--out", type=Path, required=True)
    for name in ("bench", "compare"):
        s = sub.add_parser(name)
        s.add_argument("--model", type=Path, required=True)
        s.add_argument("--tokenizer", type=Path, required=True)
        s.add_argument("--threads", type=int, default=2)
    sub.choices["bench"].add_argument("--latencies", help="write the single-text latencies (ms) here")
    sub.choices["bench"].add_argument("--no-spinning", action="store_true", help="ORT's threads sleep when idle")
    sub.choices["compare"].add_argument("--candle", required=True, help="encode_bench --dump output")
    sub.choices["compare"].add_argument("--min-cosine", type=float, default=0.999)
    s = sub.add_parser("summary")
    s.add_argument("--dir", type=Path, required=True, help="holds <side>_<round>.txt/.lat for ort, candle (and baseline)")
    s.add_argument("--rounds", type=int, required=True)
    s.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    {"export": export, "bench": bench, "compare": compare, "summary": summary}[args.cmd](args)


if __name__ == "__main__":
    main()
