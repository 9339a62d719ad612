#!/usr/bin/env python3
"""A bounded, seeded SQL fuzz test of every function of the resonance extension.

It calls the functions as hostile and careless users do (NULLs, empty and whitespace-only
text, zero-width and control characters, megabyte texts, SQL-ish strings, unknown uuids,
malformed and deeply nested JSON, absurd numbers, wrong types for every filter and option
key) and fails on what a user must never see: an internal error (any SQLSTATE of class
XX, XX000 above all), a backend crash (the connection is lost), or the server going into
recovery. Every other error is the function saying no, which is fine: the run prints a
histogram of SQLSTATEs with examples, so a reader sees what users get.

Run it against a throwaway database: it creates the extension, inserts its own sample
jobs, resumes, skills and model rows, and changes which models are active.

    python3 tests/fuzz_sql.py --host /tmp --port 55450 --dbname fuzz --user postgres \
        --calls 2000 --seed 42

Prints `fuzz: N passed, M failed` last and exits 1 when M > 0 (2 when it cannot start).
The sequence of calls depends only on --seed, so a failure is replayed with --replay INDEX
(runs the setup, then only that call, printing it; what earlier calls left behind, such as
the active models and resonance.* settings, is not replayed). The cross-encoder paths run
when the tests' cross-encoder is installed (scripts/make_test_cross_encoder.py, written by
scripts/test.sh); without it they only fail cleanly.
"""
from __future__ import annotations

import argparse
import collections
import math
import random
import re
import sys
import time
import uuid
from dataclasses import dataclass, field

try:
    import psycopg
    from psycopg import errors as pg_errors
except ImportError:  # pragma: no cover
    print("fuzz: psycopg is missing: pip install 'psycopg[binary]==3.2.13' (scripts/setup.sh does)", file=sys.stderr)
    print("fuzz: 0 passed, 1 failed")
    sys.exit(2)

SAMPLE_TAG = "resonance-fuzz"
KNOWN_FILTER_KEYS = ["country", "city", "remote_only", "experience", "company"]
KNOWN_OPTION_KEYS = [
    "explain", "use_explainability", "top_k_retrieve", "top_k_final", "use_cross_encoder",
    "use_skill_graph", "use_resume_occupations", "weight_cross_encoder", "weight_bi_encoder",
    "weight_skill_graph", "model_version", "rerank_budget_ms",
]

# ------------------------------------------------------------------------------------------
# Sample data (kept small: every row is embedded on insert)
# ------------------------------------------------------------------------------------------

JOBS = [  # title, description, company, country, city, remote, experience_level
    ("Senior Python Developer", "Build data pipelines with Python, SQL and PostgreSQL. Kubernetes a plus.",
     "Acme", "Germany", "Berlin", False, "senior"),
    ("Rust Systems Engineer", "Write fast Rust services on Linux; networking and C++ experience.",
     "Ferris GmbH", "Germany", "Munich", True, "mid"),
    ("Data Scientist", "Machine learning, statistics, Python and pandas.", "Globex", "France", "Paris", False,
     "junior"),
    ("Ingénieur logiciel — Zürich", "Développement Java et Spring; anglais requis. 数据工程", "Initech",
     "Switzerland", "Zürich", False, None),
    ("Frontend Developer", "React, TypeScript and CSS.", None, None, None, True, "lead"),
    ("DBA", "", "Acme", "Germany", "Berlin", False, "principal"),
]
RESUMES = [  # text, title, country, city, remote_ok, experience_level, years_experience, pending
    ("Python developer with 6 years of PostgreSQL, SQL and Kubernetes experience.", "Python Developer",
     "Germany", "Berlin", True, "senior", 6.0, False),
    ("Rust and C++ engineer; Linux kernel, networking.", None, "Germany", "Munich", False, "mid", 3.5, False),
    ("Étudiante en apprentissage automatique, Python, statistiques. 机器学习", "Intern", "France", None, False,
     "intern", 0.0, False),
    # Left with a NULL embedding (embed_on_write off): matching encodes it on the fly, and
    # CALL resonance_embed_pending() fills it.
    ("Frontend engineer: React, TypeScript.", None, None, None, True, None, None, True),
]
SKILLS = [  # name, aliases
    ("python", ["python3", "py"]), ("sql", []), ("postgresql", ["postgres", "pg"]),
    ("kubernetes", ["k8s"]), ("machine learning", ["ml"]), ("rust", []), ("c++", ["cpp"]),
    ("react", ["react.js", "reactjs"]),
]
SKILL_RELATIONS = [  # source, target, relation, weight
    ("postgresql", "sql", "REQUIRES", 0.9), ("python", "machine learning", "RELATED_TO", 0.6),
    ("kubernetes", "postgresql", "RELATED_TO", 0.3), ("rust", "c++", "RELATED_TO", 0.7),
    ("react", "python", "RELATED_TO", 0.1),
]
# Cross-encoder rows for resonance_activate_model: the tests' cross-encoder
# (scripts/make_test_cross_encoder.py; used only if its file is installed) and rows whose
# paths point outside the model directory or nowhere, which must fail cleanly.
FUZZ_MODELS = [  # name, version, artifact_path, config (JSON text)
    ("fuzz-test-cross-encoder", "1", "test-cross-encoder", '{"base": "all-minilm-l6-v2"}'),
    ("fuzz-missing", "1", "does-not-exist", '{"base": "all-minilm-l6-v2"}'),
    ("fuzz-dotdot", "1", "../../../../../etc", '{"base": "all-minilm-l6-v2"}'),
    ("fuzz-absolute", "1", "/tmp", '{"base": "all-minilm-l6-v2"}'),
    ("fuzz-bad-base", "1", "test-cross-encoder", '{"base": "../../../../../etc"}'),
    ("fuzz-base-number", "1", "test-cross-encoder", '{"base": 42}'),
]
SHIPPED_BI_ENCODERS = [("all-minilm-l6-v2", "1"), ("resonance-bi-projection", "2")]

QRELS_TABLES = {
    # Labelled sets for resonance_evaluate, one good and the rest wrong in one way each
    # (setup fills them): name -> DDL.
    "fuzz_qrels": "CREATE TABLE {t} (resume_id uuid, job_id uuid, grade int)",
    "fuzz_qrels_negative": "CREATE TABLE {t} (resume_id uuid, job_id uuid, grade int)",
    "fuzz_qrels_text": "CREATE TABLE {t} (resume_id text, job_id text, grade text)",
    "fuzz_qrels_empty": "CREATE TABLE {t} (resume_id uuid, job_id uuid, grade int)",
    "fuzz_qrels_unknown": "CREATE TABLE {t} (resume_id uuid, job_id uuid, grade int)",
    "fuzz_qrels_bigint": "CREATE TABLE {t} (resume_id uuid, job_id uuid, grade bigint)",
    "fuzz_qrels_wrong": "CREATE TABLE {t} (a int, b int)",
}


@dataclass
class Fixture:
    resumes: list[uuid.UUID]
    jobs: list[uuid.UUID]
    cross_encoder: str  # whether setup could activate the tests' cross-encoder, and if not why


# ------------------------------------------------------------------------------------------
# Hostile values
# ------------------------------------------------------------------------------------------

WORDS = ("python sql postgresql postgres k8s kubernetes rust c++ react machine learning data engineer senior "
         "developer berlin remote team lead build services pipelines the and of with years experience "
         "Zürich Ingénieur 数据 工程师 مهندس разработчик 👩‍💻").split()
ODD_TEXTS = [
    "", " ", "   ", "\t\n\r ", "\u00a0", "\u3000", "\u2028\u2029",
    "\u200b", "\u200b\u200b\u200b", "\ufeff", "\u200c\u200d", "\u2060", "\u200b \u200b",
    "\x01", "\x01\x02\x03", "\x7f", "\x1b[31mred\x1b[0m", "\x08\x0b\x0c", "\x1f",
    "a", ".", "!!!", "-", "1", "0", "NULL", "null", "None", "undefined", "true",
    "'; DROP TABLE resonance.jobs; --", "' OR '1'='1", "$$", "$1", "%s", "%(x)s", "\\", "\\\\x00",
    "E'\\x01'", "pg_sleep(30)", "{}", "[]", '{"a": 1}', "<script>alert(1)</script>", "../../../etc/passwd",
    "e\u0301" * 50, "\u202eevil\u202c", "🚀" * 20, "👩‍👩‍👧‍👦", "ﷺ", "\U0001d54f\U0001d56a", "İstanbul ǅ ß ﬁ",
    "数据工程师 Python 北京", "مهندس برمجيات بايثون", "Разработчик Python, PostgreSQL",
    "PYTHON", "Python ", " python", "python3", "c#", ".net", "node.js", "c++", "C++ c++ cpp",
    "k8s", "react.js", "machine   learning", "machine\nlearning", "ml", "pg", "postgres",
]
SKILL_NAMES = [s for s, _ in SKILLS] + ["PostgreSQL", "PYTHON", " python ", "k8s", "unknown-skill", "Machine Learning"]


def rand_uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n))


def long_text(rng: random.Random, size: int) -> str:
    """About `size` characters of one of a few shapes (model input cost grows with it)."""
    shape = rng.randrange(5)
    if shape == 0:
        base = words(rng, 200) + " "
    elif shape == 1:
        base = "a"  # one enormous word
    elif shape == 2:
        base = "\u200b"  # nothing but zero-width spaces
    elif shape == 3:
        base = "数据工程师🚀 "
    else:
        base = "\n"
    return (base * (size // len(base) + 1))[:size]


def text(rng: random.Random, long_ok: bool = True, null_ok: bool = True) -> str | None:
    """A hostile text. `long_ok` allows the rare huge ones (each is a model pass)."""
    r = rng.random()
    if long_ok:
        if r < 0.005:
            return long_text(rng, 1_000_000)
        if r < 0.015:
            return long_text(rng, 100_000)
        if r < 0.035:
            return long_text(rng, 10_000)
    if null_ok and r < 0.10:
        return None
    if r < 0.50:
        return rng.choice(ODD_TEXTS)
    if r < 0.65:
        # A normal text with hostile characters spliced in.
        t = list(words(rng, rng.randint(1, 30)))
        for _ in range(rng.randint(1, 5)):
            t.insert(rng.randrange(len(t) + 1), rng.choice(["\u200b", "\x01", "'", "\\", "\u0301", "\ufeff", "\x7f"]))
        return "".join(t)
    return words(rng, rng.randint(1, 60))


def big_int(rng: random.Random) -> int | None:
    return rng.choice([None, 0, -1, 1, 2, 3, 6, 7, 10, 100, 1000, 1001,
                       -2**31, 2**31 - 1, 2**31, 2**63 - 1, 2**63, -2**63 - 1])


def hostile_uuid(rng: random.Random, fx: Fixture, kind: str) -> object:
    """A uuid argument: mostly known ids (so the call gets past the lookup), else others."""
    r = rng.random()
    if r < 0.55:
        return rng.choice(fx.resumes if kind == "resume" else fx.jobs)
    if r < 0.65:
        return rng.choice(fx.jobs if kind == "resume" else fx.resumes)  # the other table's id
    if r < 0.80:
        return rand_uuid(rng)
    if r < 0.88:
        return rng.choice([uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)])
    if r < 0.94:
        return None
    return rng.choice(["not-a-uuid", "", " ", "{}", "'; DROP TABLE x; --", "\u200b",
                       "00000000-0000-0000-0000-00000000000g", "{00000000-0000-0000-0000-000000000000}",
                       "0" * 32, "0" * 33])


def uuid_array(rng: random.Random, fx: Fixture) -> object:
    r = rng.random()
    if r < 0.05:
        return None
    if r < 0.12:
        return []
    if r < 0.17:
        return [None, None]
    if r < 0.20:
        return [rand_uuid(rng) for _ in range(rng.choice([1000, 10000]))]
    if r < 0.23:
        return fx.jobs * rng.choice([3, 20])  # duplicates (each one a cross-encoder pass)
    if r < 0.26:
        return [[fx.jobs[0], fx.jobs[1]], [fx.jobs[2], fx.jobs[3]]]  # two-dimensional
    if r < 0.29:
        return "[5:6]={%s,%s}" % (fx.jobs[0], fx.jobs[1])  # array literal, lower bound 5
    if r < 0.31:
        return ["not-a-uuid", str(fx.jobs[0])]
    out = []
    for _ in range(rng.randint(1, 8)):
        out.append(hostile_uuid(rng, fx, "job") if rng.random() < 0.8 else None)
    if any(isinstance(x, str) for x in out):
        out = [str(x) if x is not None else None for x in out]
    return out


def text_array(rng: random.Random, long_ok: bool = True, many: tuple[int, ...] = (100, 300)) -> object:
    """A text[] argument; `many` are the lengths of the rare long arrays (a model pass each)."""
    r = rng.random()
    if r < 0.05:
        return None
    if r < 0.10:
        return []
    if r < 0.14:
        return [None]
    if r < 0.17:
        return [[words(rng, 3), words(rng, 3)], [words(rng, 2), "\u200b"]]  # two-dimensional
    if r < 0.19:
        return [["a"], ["b", "c"]]  # ragged: rejected by the server
    if r < 0.22:
        return "[3:4]={%s,%s}" % ('"python developer"', '"rust engineer"')  # lower bound 3
    if long_ok and r < 0.235:
        return [rng.choice(ODD_TEXTS) or "x" for _ in range(rng.choice(many))]
    if long_ok and r < 0.24:
        return [long_text(rng, 100_000) for _ in range(2)]
    return [text(rng, long_ok=long_ok and rng.random() < 0.3) for _ in range(rng.randint(1, 6))]


# -- JSON, built as text so depth and number spelling are ours, never json.dumps's --------

def jstr(s: str) -> str:
    out = ['"']
    for ch in s:
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ord(ch) < 0x20:
            out.append("\\u%04x" % ord(ch))
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


NUMBERS = ["0", "-0", "1", "-1", "2", "25", "100", "1000", "1001", "0.5", "1.5", "-0.5", "1e3", "1E+2", "1e-7",
           "1e308", "-1e308", "1e400", "-1e400", "1e-400", "9223372036854775807", "9223372036854775808",
           "18446744073709551616", "-9223372036854775809", "123456789012345678901234567890", "0.0000000000000000001",
           "1.7976931348623157e309", "4294967296", "2147483648"]


def deep(rng: random.Random, depth: int | None = None) -> str:
    depth = depth or rng.choice([64, 127, 128, 129, 200, 1000, 5000, 10000, 10000, 100000])
    if rng.random() < 0.5:
        return "[" * depth + "1" + "]" * depth
    return '{"a":' * depth + "1" + "}" * depth


SANE_VALUES = {
    "country": ['"Germany"', '"France"', '"Nowhere"', "null"], "city": ['"Berlin"', '"Zürich"', "null"],
    "company": ['"Acme"', "null"], "remote_only": ["true", "false"],
    "experience": ['"senior"', '"Intern"', '"mid"', "null"], "explain": ["true", "false"],
    "use_explainability": ["true", "false"], "top_k_retrieve": ["1", "5", "100", "1000"],
    "top_k_final": ["1", "3", "25", "1000"], "use_cross_encoder": ["true", "false"],
    "use_skill_graph": ["true", "false"], "use_resume_occupations": ["true", "false"],
    "weight_cross_encoder": ["0", "0.5", "1", "3"], "weight_bi_encoder": ["0", "0.3", "1"],
    "weight_skill_graph": ["0", "0.2", "1e-30"], "model_version": ['"1"', "null", '"999"'],
    "rerank_budget_ms": ["null", "0", "1", "50", "100000"],
}


def jvalue(rng: random.Random, key: str | None = None, sane_p: float = 0.0) -> str:
    """Any JSON value, biased towards what `key` accepts and its edges; with probability
    `sane_p` a value the key accepts, so calls also reach the pipeline behind the checks."""
    if key in SANE_VALUES and rng.random() < sane_p:
        return rng.choice(SANE_VALUES[key])
    r = rng.random()
    if r < 0.20:
        return rng.choice(NUMBERS)
    if r < 0.30:
        return rng.choice(["true", "false", "null"])
    if r < 0.45:
        if key in ("experience",):
            return jstr(rng.choice(["senior", "SENIOR", " junior ", "intern", "executive", "guru", "", "\u200b"]))
        if key in ("country", "city", "company"):
            return jstr(rng.choice(["Germany", "Berlin", "Acme", "Zürich", "", " ", "\u200b", "germany", "'; --"]))
        if key == "model_version":
            return jstr(rng.choice(["1", "2", "999", "", "../..", "\u200b"]))
        return jstr(text(rng, long_ok=False, null_ok=False) or "")
    if r < 0.52:
        return jstr("x" * rng.choice([10_000, 1_000_000]))
    if r < 0.60:
        return rng.choice(["[]", "{}", "[1, 2]", '{"a": 1}', '["Germany"]', '[true]', '{"country": "Germany"}'])
    if r < 0.63:
        return deep(rng)
    if r < 0.66:
        return '"\\u0000"'  # NUL escape: jsonb refuses it
    if r < 0.68:
        return '"\\ud800"'  # lone surrogate escape
    return rng.choice(SANE_VALUES.get(key or "", ["1"]))


def jobject(rng: random.Random, keys: list[str], sane_p: float = 0.0) -> str:
    """A filters/options object: known keys with hostile values, sometimes unknown keys."""
    n = rng.choice([0, 1, 1, 1, 2, 3, len(keys)])
    parts = []
    for k in rng.sample(keys, min(n, len(keys))):
        parts.append(f"{jstr(k)}: {jvalue(rng, k, sane_p)}")
    if sane_p > 0.5:
        return "{" + ", ".join(parts) + "}"
    if rng.random() < 0.15:
        # Unknown keys, as JSON text (the last one is a NUL escape: jsonb refuses it).
        unknown = rng.choice([jstr(u) for u in ["Country", "COUNTRY", "top_k", "", " ", "\u200b", "explain ", "weights",
                                                "a" * 1000, "rerank_budget", "filters"]] + ['"country\\u0000"'])
        parts.append(f"{unknown}: {jvalue(rng)}")
    if rng.random() < 0.05 and parts:
        parts.append(parts[0])  # duplicate key: jsonb keeps the last
    if rng.random() < 0.01:
        parts = [f'"k{i}": {i}' for i in range(100_000)]  # wide: 1.5 MB
    if rng.random() < 0.5:
        rng.shuffle(parts)
    return "{" + ", ".join(parts) + "}"


def json_arg(rng: random.Random, keys: list[str], sql_null_ok: bool = True) -> str | None:
    """JSON text for a jsonb parameter (the server parses it: malformed text is 22P02).
    A third are objects of accepted values with an occasional hostile one."""
    if rng.random() < 0.33:
        return jobject(rng, keys, sane_p=0.93)
    r = rng.random()
    if sql_null_ok and r < 0.04:
        return None
    if r < 0.60:
        return jobject(rng, keys)
    if r < 0.66:
        return deep(rng)
    if r < 0.70:
        return "{" + f'"{rng.choice(keys)}": ' + deep(rng) + "}"
    if r < 0.78:
        number = rng.choice(["1e400", "-1e400", "18446744073709551616", "1e308", "-1", "0", "9223372036854775808"])
        return "{" + f'"{rng.choice(keys)}": {number}' + "}"
    if r < 0.86:
        return rng.choice(["[]", "[{}]", '[{"country": "Germany"}]', '"{}"', "null", "true", "42", "1e400", '""',
                           "[" + "1," * 1000 + "1]"])
    # Malformed: the server refuses it before the function runs.
    return rng.choice(["", " ", "{", "}", "{'a': 1}", '{"a":}', '{"a": 1,}', "[1,]", "NaN", '{"a": NaN}',
                       '{"a": Infinity}', "\u200b{}", '{"a": "\\ud800"}', '{"a": "\\u0000"}', "{" * 10000,
                       '{"top_k_final": 1e400', "undefined", "{}}", "// comment\n{}"])


# ------------------------------------------------------------------------------------------
# Calls
# ------------------------------------------------------------------------------------------

@dataclass
class Call:
    """One fuzz call: one statement, or `steps` run in one transaction that is rolled back.
    `before` runs first in a transaction of its own that commits (rows a CALL is to see),
    `after` last whatever happened (removing them)."""
    func: str
    sql: str = ""
    params: tuple = ()
    steps: list[tuple[str, tuple]] = field(default_factory=list)
    before: list[tuple[str, tuple]] = field(default_factory=list)
    after: list[tuple[str, tuple]] = field(default_factory=list)
    check_nan: bool = False

    def describe(self, width: int = 160) -> str:
        parts = self.before + (self.steps or [(self.sql, self.params)]) + self.after
        return " ; ".join(f"{s} {_params_repr(p, width)}" for s, p in parts)


def _params_repr(params: tuple, width: int) -> str:
    out = []
    for p in params:
        r = repr(p)
        if len(r) > width:
            r = f"{r[:width]}...<{len(p) if hasattr(p, '__len__') else '?'} long>"
        out.append(r)
    return "(" + ", ".join(out) + ")"


def gen_call(rng: random.Random, fx: Fixture) -> Call:
    ops = [
        (10, "encode_text"), (5, "encode_array"), (22, "match"), (6, "explain_text"), (6, "explain_ids"),
        (4, "rerank_text"), (5, "rerank_ids"), (8, "extract_skills"), (8, "related_skills"), (5, "evaluate"),
        (6, "ab_variant"), (3, "activate_model"), (1, "models_active"), (2, "last_match_stats"),
        (2, "embed_pending"), (1, "rerank_precompute"), (3, "internal"), (3, "guc"), (1, "guc_model_dir"),
        (4, "hostile_row"),
    ]
    op = rng.choices([o for _, o in ops], weights=[w for w, _ in ops])[0]
    return GENERATORS[op](rng, fx)


def g_encode_text(rng, fx):
    return Call("resonance_encode(text)", "SELECT resonance_encode(%s::text)", (text(rng),))


def g_encode_array(rng, fx):
    return Call("resonance_encode(text[])", "SELECT resonance_encode(%s::text[])", (text_array(rng),))


def g_match(rng, fx):
    rid = hostile_uuid(rng, fx, "resume")
    form = rng.random()
    if form < 0.1:
        return Call("resonance_match", "SELECT * FROM resonance_match(%s::uuid)", (rid,), check_nan=True)
    if form < 0.25:
        return Call("resonance_match", "SELECT * FROM resonance_match(%s::uuid, %s::jsonb)",
                    (rid, json_arg(rng, KNOWN_FILTER_KEYS)), check_nan=True)
    return Call("resonance_match", "SELECT * FROM resonance_match(%s::uuid, %s::jsonb, %s::jsonb)",
                (rid, json_arg(rng, KNOWN_FILTER_KEYS), json_arg(rng, KNOWN_OPTION_KEYS)), check_nan=True)


def g_explain_text(rng, fx):
    return Call("resonance_explain(text,text)", "SELECT resonance_explain(%s::text, %s::text)", (text(rng), text(rng)))


def g_explain_ids(rng, fx):
    return Call("resonance_explain(uuid,uuid)", "SELECT resonance_explain(%s::uuid, %s::uuid)",
                (hostile_uuid(rng, fx, "resume"), hostile_uuid(rng, fx, "job")))


def g_rerank_text(rng, fx):
    return Call("resonance_rerank(text,text[])", "SELECT resonance_rerank(%s::text, %s::text[])",
                (text(rng), text_array(rng, many=(20, 60))))


def g_rerank_ids(rng, fx):
    return Call("resonance_rerank(uuid,uuid[])", "SELECT * FROM resonance_rerank(%s::uuid, %s::uuid[])",
                (hostile_uuid(rng, fx, "resume"), uuid_array(rng, fx)))


def g_extract_skills(rng, fx):
    t = long_text(rng, 1_000_000) if rng.random() < 0.02 else text(rng)
    return Call("resonance_extract_skills", "SELECT * FROM resonance_extract_skills(%s::text)", (t,))


def g_related_skills(rng, fx):
    skill = rng.choice(SKILL_NAMES) if rng.random() < 0.6 else text(rng, long_ok=False)
    form = rng.random()
    if form < 0.15:
        return Call("resonance_related_skills", "SELECT * FROM resonance_related_skills(%s::text)", (skill,))
    if form < 0.3:
        return Call("resonance_related_skills", "SELECT * FROM resonance_related_skills(%s::text, %s::int)",
                    (skill, big_int(rng)))
    return Call("resonance_related_skills", "SELECT * FROM resonance_related_skills(%s::text, %s::int, %s::int)",
                (skill, big_int(rng), big_int(rng)))


def g_evaluate(rng, fx):
    r = rng.random()
    if r < 0.5:
        qrels = rng.choice(list(QRELS_TABLES) + ["public.fuzz_qrels", '"fuzz_qrels"', "FUZZ_QRELS", "fuzz_qrels_view"])
    elif r < 0.7:
        qrels = rng.choice(["pg_class", "resonance.jobs", "resonance.ml_models", "nonexistent", "pg_catalog.pg_proc",
                            "fuzz_qrels; DROP TABLE fuzz_qrels", "fuzz_qrels WHERE false", "(SELECT 1)", "1",
                            "pg_temp.x", "public.", ".fuzz_qrels", '"', "a" * 100_000])
    else:
        qrels = text(rng, long_ok=False)
    form = rng.random()
    if form < 0.2:
        return Call("resonance_evaluate", "SELECT resonance_evaluate(%s::text)", (qrels,))
    if form < 0.4:
        return Call("resonance_evaluate", "SELECT resonance_evaluate(%s::text, %s::jsonb)",
                    (qrels, json_arg(rng, KNOWN_OPTION_KEYS)))
    return Call("resonance_evaluate", "SELECT resonance_evaluate(%s::text, %s::jsonb, %s::text)",
                (qrels, json_arg(rng, KNOWN_OPTION_KEYS), text(rng, long_ok=False)))


def variants_json(rng) -> str | None:
    r = rng.random()
    if r < 0.3:
        return rng.choice(['{"control": 0.5, "treatment": 0.5}', '{"a": 1}', '{"a": 0}', '{"a": 0, "b": 0}',
                           '{"a": -1, "b": 2}', '{"a": 1e308, "b": 1e308}', '{"a": 1e-320}', '{"": 1}',
                           '{"\u200b": 1}', '{"a": "1"}', '{"a": null}', '{"a": true}', '{"a": [1]}',
                           '{"a": 1e400}', '{"a": -1e400}', '{}', "[]", "null", '"control"', "1",
                           '{"a": 18446744073709551616}', '{"a": 1, "a": 2}'])
    if r < 0.4:
        return "{" + ", ".join(f'"v{i}": {rng.random()}' for i in range(rng.choice([100, 10000]))) + "}"
    if r < 0.5:
        return '{"a": ' + deep(rng) + "}"
    if r < 0.55:
        return deep(rng)
    return json_arg(rng, ["control", "treatment", "a"], sql_null_ok=True)


def g_ab_variant(rng, fx):
    user = text(rng, long_ok=False) if rng.random() < 0.7 else rng.choice([f"user-{rng.randrange(50)}", "x" * 10_000])
    exp = rng.choice(["exp-1", "exp-2", "", "\u200b"]) if rng.random() < 0.6 else text(rng, long_ok=False)
    if rng.random() < 0.15:
        return Call("resonance_ab_variant", "SELECT resonance_ab_variant(%s::text, %s::text)", (user, exp))
    return Call("resonance_ab_variant", "SELECT resonance_ab_variant(%s::text, %s::text, %s::jsonb)",
                (user, exp, variants_json(rng)))


def g_activate_model(rng, fx):
    r = rng.random()
    if r < 0.3:  # mostly the working cross-encoder, so later calls reach the model
        name, version = FUZZ_MODELS[0][:2]
    elif r < 0.45:
        name, version = rng.choice(SHIPPED_BI_ENCODERS)
    elif r < 0.6:
        name, version = rng.choice(FUZZ_MODELS[1:])[:2]
    else:
        name, version = text(rng, long_ok=False), rng.choice(["1", "2", None, "", "999", text(rng, long_ok=False)])
    return Call("resonance_activate_model", "SELECT resonance_activate_model(%s::text, %s::text)", (name, version))


def g_models_active(rng, fx):
    return Call("resonance_models_active", "SELECT resonance_models_active()")


def g_last_match_stats(rng, fx):
    return Call("resonance_last_match_stats", "SELECT resonance_last_match_stats()")


PENDING_TAG = '{"fuzz_pending": true}'


def g_embed_pending(rng, fx):
    """The bulk path, half the time over pending rows of hostile text written just before."""
    if rng.random() < 0.2:
        call = Call("resonance_embed_pending", "CALL resonance_embed_pending()")
    else:
        call = Call("resonance_embed_pending", "CALL resonance_embed_pending(%s::int)",
                    (rng.choice([big_int(rng), 1, 2, 256]),))
    if rng.random() < 0.5:
        call.before.append(("SELECT set_config('resonance.embed_on_write', 'off', true)", ()))
        for _ in range(rng.randint(1, 3)):
            if rng.random() < 0.5:
                call.before.append(("INSERT INTO resonance.resumes (text, metadata) VALUES (%s::text, %s::jsonb)",
                                    (text(rng, null_ok=False), PENDING_TAG)))
            else:
                call.before.append(("INSERT INTO resonance.jobs (title, description, metadata) "
                                    "VALUES (%s::text, %s::text, %s::jsonb)",
                                    (text(rng, null_ok=False), text(rng, long_ok=False, null_ok=False), PENDING_TAG)))
        call.after = [(f"DELETE FROM resonance.{t} WHERE metadata @> %s::jsonb", (PENDING_TAG,))
                      for t in ("resumes", "jobs")]
    return call


def g_rerank_precompute(rng, fx):
    return Call("resonance_rerank_precompute", "CALL resonance_rerank_precompute(%s::int, %s::int)",
                (big_int(rng), rng.choice([None, 0, -1, 1, 5, 100, 1001, 2**31 - 1])))


def g_internal(rng, fx):
    """The Rust functions the SQL wrappers call: PUBLIC may call them directly too."""
    r = rng.random()
    if r < 0.35:
        return Call("resonance.encode_one", "SELECT resonance.encode_one(%s::text)", (text(rng),))
    if r < 0.55:
        return Call("resonance.encode_many", "SELECT * FROM resonance.encode_many(%s::text[])", (text_array(rng),))
    if r < 0.85:
        return Call("resonance.ab_draw", "SELECT resonance.ab_draw(%s::text, %s::text, %s::jsonb)",
                    (text(rng, long_ok=False), text(rng, long_ok=False), variants_json(rng)))
    vec = rng.choice(["[1,2,3]", "[" + ",".join(["0"] * 384) + "]", "[" + ",".join(["1e38"] * 384) + "]",
                      "[" + ",".join(["1"] * 384) + "]"])
    return Call("resonance.retrieve_jobs", "SELECT * FROM resonance.retrieve_jobs(%s::vector, %s::int, %s::text)",
                (vec, big_int(rng), rng.choice([None, "Germany", ""])))


GUC_VALUES = {
    "resonance.max_seq_length": ["8", "7", "9", "64", "256", "512", "513", "-1", "abc", "1e3", ""],
    "resonance.batch_size": ["1", "0", "2", "64", "1024", "1025", "-1", "x"],
    "resonance.threads": ["1", "2", "0", "65", "-1"],
    "resonance.rerank_budget_ms": ["0", "1", "100", "600000", "600001", "-5"],
    "resonance.embed_on_write": ["on", "off", "maybe"],
}


def g_guc(rng, fx):
    name = rng.choice(list(GUC_VALUES) + ["resonance.nonexistent"])
    value = rng.choice(GUC_VALUES.get(name, ["1"]))
    return Call("set_config(resonance.*)", "SELECT set_config(%s::text, %s::text, false)", (name, value))


def g_guc_model_dir(rng, fx):
    """resonance.model_dir (superuser only) pointing elsewhere, for one call."""
    d = rng.choice(["/nonexistent", "/tmp", "/", "relative/dir", "../..", "/etc/passwd", "\u200b", " "])
    return Call("set_config(resonance.model_dir)", steps=[
        ("SELECT set_config('resonance.model_dir', %s::text, true)", (d,)),
        ("SELECT resonance_encode(%s::text)", (words(rng, 5),)),
        ("SELECT * FROM resonance_match(%s::uuid, '{}', %s::jsonb)", (fx.resumes[0], '{"use_cross_encoder": true}')),
    ])


def g_hostile_row(rng, fx):
    """A resume or job with hostile text or a hostile stored embedding, used, rolled back."""
    emb = rng.choice([None, None, "zero", "huge", "ones", "short", "nan"])
    emb_sql = {None: "NULL", "zero": "array_fill(0::real, ARRAY[384])::vector",
               "huge": "array_fill(1e38::real, ARRAY[384])::vector", "ones": "array_fill(1::real, ARRAY[384])::vector",
               "short": "'[1,2,3]'::vector", "nan": "array_fill('NaN'::real, ARRAY[384])::vector"}[emb]
    steps = []
    if rng.random() < 0.5:
        steps.append(("SELECT set_config('resonance.embed_on_write', 'off', true)", ()))
    body = text(rng, null_ok=False) if rng.random() < 0.8 else rng.choice(["\u200b", "\x01\x02", " ", "…"])
    if rng.random() < 0.5:
        steps.append((f"INSERT INTO resonance.resumes (id, text, experience_level, years_experience, embedding) "
                      f"VALUES (%s::uuid, %s::text, %s::text, %s::real, {emb_sql})",
                      (uuid.UUID(int=rng.getrandbits(128), version=4), body,
                       rng.choice([None, "senior", "intern"]), rng.choice([None, 0.0, 1e30, 3.0]))))
        rid = steps[-1][1][0]
        use = rng.random()
        if use < 0.6:
            steps.append(("SELECT * FROM resonance_match(%s::uuid, '{}', %s::jsonb)",
                          (rid, json_arg(rng, KNOWN_OPTION_KEYS, False))))
        elif use < 0.8:
            steps.append(("SELECT resonance_explain(%s::uuid, %s::uuid)", (rid, rng.choice(fx.jobs))))
        else:
            steps.append(("SELECT * FROM resonance_rerank(%s::uuid, %s::uuid[])", (rid, fx.jobs)))
    else:
        jid = uuid.UUID(int=rng.getrandbits(128), version=4)
        steps.append((f"INSERT INTO resonance.jobs (id, title, description, country, remote, embedding) "
                      f"VALUES (%s::uuid, %s::text, %s::text, %s::text, %s::boolean, {emb_sql})",
                      (jid, body, text(rng, long_ok=False, null_ok=False), rng.choice([None, "Germany"]),
                       rng.random() < 0.5)))
        if rng.random() < 0.7:
            steps.append(("SELECT * FROM resonance_match(%s::uuid, %s::jsonb, %s::jsonb)",
                          (rng.choice(fx.resumes), rng.choice(['{}', '{"country": "Germany"}']),
                           '{"top_k_final": 50}')))
        else:
            steps.append(("SELECT resonance_explain(%s::uuid, %s::uuid)", (rng.choice(fx.resumes), jid)))
    return Call("hostile row + use", steps=steps, check_nan=True)


GENERATORS = {
    "encode_text": g_encode_text, "encode_array": g_encode_array, "match": g_match, "explain_text": g_explain_text,
    "explain_ids": g_explain_ids, "rerank_text": g_rerank_text, "rerank_ids": g_rerank_ids,
    "extract_skills": g_extract_skills, "related_skills": g_related_skills, "evaluate": g_evaluate,
    "ab_variant": g_ab_variant, "activate_model": g_activate_model, "models_active": g_models_active,
    "last_match_stats": g_last_match_stats, "embed_pending": g_embed_pending,
    "rerank_precompute": g_rerank_precompute, "internal": g_internal, "guc": g_guc,
    "guc_model_dir": g_guc_model_dir, "hostile_row": g_hostile_row,
}


# ------------------------------------------------------------------------------------------
# Running
# ------------------------------------------------------------------------------------------

class CannotConnect(Exception):
    pass


class Runner:
    def __init__(self, args):
        self.args = args
        self.conn: psycopg.Connection | None = None

    def connect(self, timeout_ms: int | None = None, attempts: int = 60) -> psycopg.Connection:
        """Connects, waiting out a server that restarts after a crash (57P03)."""
        timeout_ms = self.args.statement_timeout_ms if timeout_ms is None else timeout_ms
        last = None
        for _ in range(attempts):
            try:
                conn = psycopg.connect(
                    host=self.args.host, port=self.args.port, dbname=self.args.dbname, user=self.args.user,
                    autocommit=True, application_name="resonance-fuzz", connect_timeout=10,
                    options=f"-c statement_timeout={timeout_ms} -c client_min_messages=warning",
                )
                return conn
            except psycopg.OperationalError as e:
                last = e
                time.sleep(1)
        raise CannotConnect(str(last).strip())

    def in_recovery(self) -> bool | None:
        try:
            return bool(self.conn.execute("SELECT pg_is_in_recovery()").fetchone()[0])
        except psycopg.Error:
            return None


def setup(runner: Runner) -> Fixture:
    conn = runner.connect(timeout_ms=600_000, attempts=5)
    x = conn.execute
    x("CREATE EXTENSION IF NOT EXISTS resonance CASCADE")
    x("SELECT resonance_activate_model('all-minilm-l6-v2', '1')")

    # Taxonomy: a few skills and relations (ON CONFLICT keeps a loaded taxonomy's rows).
    for name, aliases in SKILLS:
        x("INSERT INTO resonance.kg_skills (name, aliases, source) VALUES (%s, %s, %s) ON CONFLICT (name) DO NOTHING",
          (name, aliases, SAMPLE_TAG))
    for src, dst, rel, w in SKILL_RELATIONS:
        x("""INSERT INTO resonance.kg_skill_relations (source_skill_id, target_skill_id, relation, weight, source)
             SELECT s.id, t.id, %s, %s, %s FROM resonance.kg_skills s, resonance.kg_skills t
             WHERE s.name = %s AND t.name = %s ON CONFLICT DO NOTHING""", (rel, w, SAMPLE_TAG, src, dst))

    # Jobs and resumes: reused from an earlier run when all are there, else inserted afresh.
    tag = '{"fuzz_sample": true}'

    def ids(table: str, order: str) -> list[uuid.UUID]:
        return [r[0] for r in x(f"SELECT id FROM resonance.{table} WHERE metadata @> %s::jsonb ORDER BY {order}, id",
                                (tag,))]

    jobs, resumes = ids("jobs", "title"), ids("resumes", "text")
    if len(jobs) != len(JOBS) or len(resumes) != len(RESUMES):
        x("DELETE FROM resonance.jobs WHERE metadata @> %s::jsonb", (tag,))
        x("DELETE FROM resonance.resumes WHERE metadata @> %s::jsonb", (tag,))
        for j in JOBS:
            x("""INSERT INTO resonance.jobs (title, description, company, country, city, remote, experience_level,
                                              metadata)
                 VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb)""", (*j, tag))
        for *r, pending in RESUMES:
            with conn.transaction():
                if pending:
                    x("SET LOCAL resonance.embed_on_write = off")
                x("""INSERT INTO resonance.resumes (text, title, country, city, remote_ok, experience_level,
                                                     years_experience, metadata)
                     VALUES (%s, %s, %s, %s, %s, %s, %s, %s::jsonb)""", (*r, tag))
        jobs, resumes = ids("jobs", "title"), ids("resumes", "text")
    for t in ("resumes", "jobs"):  # left by an interrupted run (g_embed_pending)
        x(f"DELETE FROM resonance.{t} WHERE metadata @> %s::jsonb", (PENDING_TAG,))
    # The pending resume is pending again on every run (an UPDATE keeping the text keeps NULL).
    x("UPDATE resonance.resumes SET embedding = NULL WHERE metadata @> %s::jsonb AND text = %s", (tag, RESUMES[3][0]))

    # Labelled sets for resonance_evaluate, good and bad.
    for t, ddl in QRELS_TABLES.items():
        x(f"DROP TABLE IF EXISTS public.{t} CASCADE")
        x(ddl.format(t=f"public.{t}"))
    pairs = [(resumes[i], jobs[j], g) for i, j, g in [(0, 0, 3), (0, 1, 1), (1, 1, 3), (2, 2, 2), (3, 4, 3)]]
    for r, j, g in pairs:
        x("INSERT INTO public.fuzz_qrels VALUES (%s, %s, %s)", (r, j, g))
        x("INSERT INTO public.fuzz_qrels_negative VALUES (%s, %s, %s)", (r, j, -g))
        x("INSERT INTO public.fuzz_qrels_bigint VALUES (%s, %s, %s)", (r, j, g + 2**40))
    x("INSERT INTO public.fuzz_qrels_text VALUES ('not-a-uuid', %s, 'x'), (%s, '', '1'), (NULL, NULL, NULL)",
      (str(jobs[0]), str(resumes[0])))
    x("INSERT INTO public.fuzz_qrels_unknown VALUES (%s, %s, 1)", (uuid.UUID(int=1), jobs[0]))
    x("CREATE VIEW public.fuzz_qrels_view AS SELECT * FROM public.fuzz_qrels")

    # Model rows for resonance_activate_model; the tests' cross-encoder is made active if
    # its file is installed, so the cross-encoder paths run too.
    for name, version, path, config in FUZZ_MODELS:
        x("""INSERT INTO resonance.ml_models (name, version, model_type, artifact_path, config)
             VALUES (%s, %s, 'cross_encoder', %s, %s::jsonb) ON CONFLICT (name, version) DO NOTHING""",
          (name, version, path, config))
    x("UPDATE resonance.ml_models SET is_active = false WHERE model_type = 'cross_encoder' AND is_active")
    cross = "active (fuzz-test-cross-encoder)"
    try:
        x("SELECT resonance_activate_model('fuzz-test-cross-encoder', '1')")
        x("SELECT resonance_rerank('python developer', ARRAY['python job'])")
    except psycopg.Error as e:
        cross = f"none (the tests' cross-encoder did not load: {e.sqlstate} {e.diag.message_primary})"
        x("UPDATE resonance.ml_models SET is_active = false WHERE model_type = 'cross_encoder' AND is_active")
    conn.close()
    return Fixture(resumes=resumes, jobs=jobs, cross_encoder=cross)


@dataclass
class Outcome:
    state: str  # 'ok', a SQLSTATE, 'crash', 'client:<Exception>'
    message: str = ""
    failed: bool = False
    nan: bool = False


def has_nan(rows) -> bool:
    for row in rows or ():
        for v in row:
            if isinstance(v, float) and math.isnan(v):
                return True
    return False


def execute(runner: Runner, call: Call) -> Outcome:
    conn = runner.conn
    try:
        return _execute(conn, call)
    finally:
        if call.after and not (conn.closed or conn.broken):
            for sql, params in call.after:
                try:
                    conn.execute(sql, params)
                except psycopg.Error:
                    pass


def _execute(conn: psycopg.Connection, call: Call) -> Outcome:
    try:
        nan = False
        if call.before:
            with conn.transaction():
                for sql, params in call.before:
                    conn.execute(sql, params)
        if call.steps:
            with conn.transaction(force_rollback=True):
                for sql, params in call.steps:
                    cur = conn.execute(sql, params)
                    if cur.description:
                        nan |= has_nan(cur.fetchall())
        else:
            cur = conn.execute(call.sql, call.params)
            if cur.description:
                nan = has_nan(cur.fetchall())
        return Outcome("ok", nan=nan and call.check_nan)
    except psycopg.Error as e:
        lost = conn.closed or conn.broken
        state = e.sqlstate
        msg = (e.diag.message_primary if state else None) or str(e).strip()
        if lost or state in ("57P01", "57P02", "57P03"):
            return Outcome("crash", f"connection lost ({state or type(e).__name__}): {msg}", failed=True)
        if state is None:
            return Outcome(f"client:{type(e).__name__}", msg)
        return Outcome(state, msg, failed=state.startswith("XX"))


# Not failures by this test's rule, but never right either: printed apart so they are seen.
SUSPICIOUS_STATES = {
    "2D000": "a CALL at top level in autocommit could not COMMIT: a procedure with a SET clause "
             "(e.g. SET search_path) cannot control transactions",
}


def state_name(state: str) -> str:
    if re.fullmatch(r"[0-9A-Z]{5}", state):
        try:
            return pg_errors.lookup(state).__name__
        except KeyError:
            return "?"
    return ""


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="/tmp")
    ap.add_argument("--port", type=int, default=5432)
    ap.add_argument("--dbname", default="postgres")
    ap.add_argument("--user", default="postgres")
    ap.add_argument("--calls", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--statement-timeout-ms", type=int, default=20_000)
    ap.add_argument("--examples", type=int, default=3, help="examples printed per SQLSTATE")
    ap.add_argument("--replay", type=int, default=None, help="run only the call of this index (after setup)")
    ap.add_argument("--verbose", action="store_true", help="print every call")
    args = ap.parse_args()

    started = time.monotonic()
    runner = Runner(args)
    try:
        fx = setup(runner)
        runner.conn = runner.connect()
    except (psycopg.Error, CannotConnect) as e:
        print(f"fuzz: setup failed: {getattr(e, 'sqlstate', None) or ''} {e}")
        print("fuzz: 0 passed, 1 failed")
        return 2
    setup_s = time.monotonic() - started
    print(f"fuzz: seed {args.seed}, {args.calls} calls, statement_timeout {args.statement_timeout_ms} ms, "
          f"{len(fx.jobs)} jobs, {len(fx.resumes)} resumes, cross-encoder {fx.cross_encoder}; setup {setup_s:.1f} s")

    rng = random.Random(args.seed)
    histogram: collections.Counter[str] = collections.Counter()
    by_func: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    examples: dict[str, list[str]] = collections.defaultdict(list)
    failures: list[tuple[int, Call, Outcome]] = []
    nan_calls: list[tuple[int, Call]] = []
    suspicious: list[tuple[int, Call, Outcome]] = []
    slow: list[tuple[float, int, Call]] = []
    passed = failed = 0
    fuzz_started = time.monotonic()
    for i in range(args.calls):
        call = gen_call(rng, fx)
        if args.replay is not None and i != args.replay:
            continue
        t0 = time.monotonic()
        out = execute(runner, call)
        dt = time.monotonic() - t0
        slow.append((dt, i, call))
        slow.sort(key=lambda s: -s[0])
        del slow[5:]
        histogram[out.state] += 1
        by_func[call.func][out.state] += 1
        if len(examples[out.state]) < args.examples:
            examples[out.state].append(f"#{i} {call.func}: {out.message[:200]!r}\n        {call.describe(80)}")
        if out.nan:
            nan_calls.append((i, call))
        if out.state in SUSPICIOUS_STATES:
            suspicious.append((i, call, out))
        if args.verbose or args.replay is not None:
            print(f"#{i} {dt * 1000:7.0f} ms {out.state} {out.message[:200]!r}\n    {call.describe()}", flush=True)
        if out.failed:
            failed += 1
            failures.append((i, call, out))
            if out.state == "crash":
                print(f"fuzz: call #{i} lost the connection: {call.describe()}", flush=True)
                try:
                    runner.conn = runner.connect()
                except CannotConnect as e:
                    print(f"fuzz: the server did not come back: {e}; stopping", flush=True)
                    failures.append((i, call, Outcome("down", f"server unreachable after the call: {e}", True)))
                    break
                rec = runner.in_recovery()
                if rec:
                    print("fuzz: the server is in recovery", flush=True)
                    failures.append((i, call, Outcome("recovery", "server in recovery after the call", True)))
        else:
            passed += 1
        if (i + 1) % 250 == 0 and not args.verbose and args.replay is None:
            print(f"fuzz: {i + 1} calls, {failed} failed, {time.monotonic() - fuzz_started:.0f} s", flush=True)

    rec = runner.in_recovery() if runner.conn is not None and not runner.conn.closed else None
    if rec is None or rec:
        failed += 1
        failures.append((args.calls, Call("(end of run)", "SELECT pg_is_in_recovery()"),
                         Outcome("recovery", "server in recovery or unreachable at the end", True)))
    if runner.conn is not None:
        runner.conn.close()
    elapsed = time.monotonic() - fuzz_started

    print(f"\nSQLSTATE histogram ({passed + failed} calls in {elapsed:.1f} s, setup {setup_s:.1f} s):")
    for state, n in sorted(histogram.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {state:<8} {n:6d}  {state_name(state)}")
    print("\nBy function:")
    for func in sorted(by_func):
        counts = ", ".join(f"{s} {n}" for s, n in sorted(by_func[func].items(), key=lambda kv: (-kv[1], kv[0])))
        print(f"  {func:<32} {counts}")
    print("\nExamples (what users get):")
    for state in sorted(examples, key=lambda s: (s != "ok", s)):
        if state == "ok":
            continue
        print(f"  {state} {state_name(state)}")
        for ex in examples[state]:
            print(f"    {ex}")
    print("\nSlowest calls:")
    for dt, i, call in slow:
        print(f"  #{i} {dt:6.2f} s {call.describe(60)}")
    if nan_calls:
        print(f"\nNot a failure, but suspicious: {len(nan_calls)} calls returned NaN, e.g.")
        for i, call in nan_calls[:5]:
            print(f"  #{i} {call.describe(80)}")
    for state, why in SUSPICIOUS_STATES.items():
        hits = [(i, call, out) for i, call, out in suspicious if out.state == state]
        if hits:
            print(f"\nNot a failure, but suspicious: {len(hits)} calls got {state} ({why}), e.g.")
            for i, call, out in hits[:3]:
                print(f"  #{i} {out.message[:150]!r}: {call.describe(80)}")
    if failures:
        print(f"\nFAILURES ({len(failures)}):")
        for i, call, out in failures[:40]:
            print(f"  #{i} {out.state} {call.func}: {out.message[:300]}\n      {call.describe(120)}")
        if len(failures) > 40:
            print(f"  ... {len(failures) - 40} more")
        groups = collections.Counter((call.func, out.state, out.message[:100]) for _, call, out in failures)
        print("  Grouped:")
        for (func, state, msg), n in groups.most_common():
            print(f"    {n:5d}  {state} {func}: {msg}")
    print(f"\nfuzz: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
