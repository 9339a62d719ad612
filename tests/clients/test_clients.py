"""The Python clients of the README, run against a live database (scripts/test_http.sh):
psycopg 3 and SQLAlchemy calling resonance_match and reading the explanation JSON.
Each check prints "ok <name>" or "not ok <name>: <why>"; exits 1 when one fails.

    python3 tests/clients/test_clients.py --dsn "host=/tmp port=55450 dbname=resonance_http user=postgres"

The database needs the sample data (sql/sample_data.sql) and the small taxonomy of
tests/clients/taxonomy.sql, so that explanations list matched skills.
"""
import argparse
import os
import sys
import uuid

import psycopg
from sqlalchemy import create_engine

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import psycopg_example  # noqa: E402
import sqlalchemy_example  # noqa: E402

RESUME = uuid.UUID("00000000-0000-4000-b000-000000000001")  # the Python/Django backend resume
STRENGTHS = {"strong", "moderate", "weak", "missing"}
failures = 0


def check(name, ok, detail=""):
    global failures
    print(f"ok {name}" if ok else f"not ok {name}: {detail}")
    failures += 0 if ok else 1


def sqlalchemy_url(dsn):
    """The same database as a SQLAlchemy URL (psycopg 3 driver, Unix socket)."""
    parts = dict(p.split("=", 1) for p in dsn.split())
    return f"postgresql+psycopg://{parts['user']}@/{parts['dbname']}?host={parts['host']}&port={parts['port']}"


def check_ranked(client, rows):
    """What every default match must be: 25 rows ranked 1..25 by descending score, each
    explained with a strength and a list of matched skills."""
    check(f"{client}: 25 rows ranked 1..25", [r[1] for r in rows] == list(range(1, 26)), [r[1] for r in rows])
    scores = [r[3] for r in rows]
    check(f"{client}: final_score descends with rank", all(a >= b for a, b in zip(scores, scores[1:])), scores)
    explained = all(isinstance(r[4], dict) and r[4]["overall_strength"] in STRENGTHS
                    and isinstance(r[4]["skills"]["matched"], list) for r in rows)
    check(f"{client}: every explanation is a JSON object with a strength and a matched-skills list", explained)
    top = rows[0][4]
    check(f"{client}: the top job's explanation lists Python and Django as matched",
          {"Python", "Django"} <= set(top["skills"]["matched"]), top["skills"])
    check(f"{client}: explanation overall_score is the row's final_score (4 digits)",
          abs(top["overall_score"] - rows[0][3]) < 1e-4, (top["overall_score"], rows[0][3]))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dsn", required=True, help="libpq key=value string with host, port, dbname, user")
    args = parser.parse_args()

    with psycopg.connect(args.dsn, autocommit=True) as conn:
        rows = psycopg_example.top_matches(conn, RESUME)
        check_ranked("psycopg", rows)
        germany = psycopg_example.top_matches(conn, RESUME, {"country": "Germany"}, {"explain": False})
        countries = {c for (c,) in conn.execute(
            "SELECT country FROM resonance.jobs WHERE id = ANY(%s)", ([r[0] for r in germany],))}
        check("psycopg: filters as a dict (country Germany) keep only German jobs",
              len(germany) > 0 and countries == {"Germany"}, countries)
        check("psycopg: options as a dict (explain false) leave explanations NULL",
              all(r[4] is None for r in germany), [r[4] for r in germany][:2])
        try:
            psycopg_example.top_matches(conn, RESUME, {"contry": "Germany"})
            check("psycopg: an unknown filter key raises SQLSTATE 22023 naming it", False, "no error")
        except psycopg.errors.InvalidParameterValue as e:
            check("psycopg: an unknown filter key raises SQLSTATE 22023 naming it",
                  e.sqlstate == "22023" and '"contry"' in str(e), str(e))

    engine = create_engine(sqlalchemy_url(args.dsn))
    orm_rows = sqlalchemy_example.top_matches(engine, RESUME)
    check_ranked("sqlalchemy", orm_rows)
    check("sqlalchemy: same jobs, ranks and scores as psycopg",
          [(r[0], r[1], round(r[3], 6)) for r in orm_rows] == [(r[0], r[1], round(r[3], 6)) for r in rows])
    orm_options = sqlalchemy_example.top_matches(engine, RESUME, {"remote_only": True}, {"top_k_final": 3})
    check("sqlalchemy: filters and options bound as JSONB (remote_only, top_k_final 3)",
          len(orm_options) == 3 and all(r.explanation["location"]["remote"] for r in orm_options),
          [(r.title, r.explanation["location"]) for r in orm_options])
    engine.dispose()

    # The README quotes the client examples: they must be these very files.
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    readme = open(os.path.join(root, "README.md"), encoding="utf-8").read()
    for path in ("tests/clients/psycopg_example.py", "tests/clients/sqlalchemy_example.py",
                 "crates/http/examples/encode_client.rs"):
        code = open(os.path.join(root, path), encoding="utf-8").read()
        check(f"README quotes {path} as it is", code.strip() in readme)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
