#!/usr/bin/env python3
"""Top-1 / top-5 accuracy of the occupations a database stored for its jobs or resumes
(resonance.jobs.occupations / resonance.resumes.occupations, inferred on write) against the
labelled occupation of a benchmark track (the `occupation` field of its JSON lines, which
scripts/load_eval.sql never loads), and the mean confidence of the top guess.

A stored guess names a kg_titles row by name; a benchmark label is an O*NET code or ESCO URI
(kg_titles.source_key). A guess is right when its name equals, lowercased and without plural
s, the name of a kg_titles row with that key (an O*NET and an ESCO title of one name are one
occupation, as in the skill index).

Usage: stored_occupation_accuracy.py --port 55432 --db resonance_eval_onet \
           --table resumes --rows ../shared/eval/onet/resumes.jsonl [--only-judged qrels.tsv]
"""
import argparse
import json
import subprocess
import sys


def query(args, sql):
    out = subprocess.run(["psql", "-h", "/tmp", "-p", str(args.port), "-U", "postgres", "-d", args.db,
                          "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                         capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"stored_occupation_accuracy: {out.stderr.strip()}")
    return [line.split("\t") for line in out.stdout.splitlines()]


def name_key(name):
    return " ".join(w[:-1] if w.endswith("s") else w for w in name.lower().replace(",", " ").split())


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, default=55432)
    p.add_argument("--db", required=True)
    p.add_argument("--table", choices=["jobs", "resumes"], required=True)
    p.add_argument("--rows", required=True, help="the track's jobs.jsonl or resumes.jsonl")
    p.add_argument("--only-judged", help="a qrels.tsv: count only the resumes it judges")
    args = p.parse_args()

    truth = {}
    with open(args.rows) as f:
        for line in f:
            if line.strip():
                row = json.loads(line)
                truth[row["id"]] = row["occupation"]
    judged = None
    if args.only_judged:
        with open(args.only_judged) as f:
            judged = {line.split("\t")[0] for line in f if line.strip()}
    names = {}
    for key, name in query(args, "SELECT source_key, name FROM resonance.kg_titles WHERE source_key IS NOT NULL"):
        names.setdefault(key, set()).add(name_key(name))

    counted = top1 = top5 = 0
    confidence = 0.0
    for row_id, stored in query(args, f"SELECT id, coalesce(occupations, '[]')::text FROM resonance.{args.table}"):
        wanted = names.get(truth.get(row_id), set())
        if not wanted or (judged is not None and row_id not in judged):
            continue
        guesses = json.loads(stored)
        keys = [name_key(g["occupation"]) for g in guesses]
        counted += 1
        top1 += bool(keys) and keys[0] in wanted
        top5 += any(k in wanted for k in keys[:5])
        confidence += guesses[0]["confidence"] if guesses else 0.0
    if counted == 0:
        sys.exit("stored_occupation_accuracy: no row with a known label")
    print(f"{args.db} {args.table}: {counted} rows, top-1 {top1 / counted:.3f}, top-5 {top5 / counted:.3f}, "
          f"mean confidence of the top guess {confidence / counted:.3f}")


if __name__ == "__main__":
    main()
