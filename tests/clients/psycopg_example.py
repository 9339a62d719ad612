"""resonance_match from Python with psycopg 3: ranked jobs and their explanations.

    python3 tests/clients/psycopg_example.py "host=/tmp port=55432 dbname=resonance_demo user=postgres"
"""
import sys
import uuid

import psycopg
from psycopg.types.json import Jsonb


def top_matches(conn, resume_id, filters=None, options=None):
    """(job_id, rank, title, final_score, explanation) rows, best first; jsonb arrives as a dict."""
    return conn.execute(
        "SELECT job_id, rank, title, final_score, explanation"
        " FROM resonance_match(%s, %s, %s) ORDER BY rank",
        (resume_id, Jsonb(filters or {}), Jsonb(options or {})),
    ).fetchall()


if __name__ == "__main__":
    dsn = sys.argv[1] if len(sys.argv) > 1 else "host=/tmp port=55432 dbname=resonance_demo user=postgres"
    resume = uuid.UUID("00000000-0000-4000-b000-000000000001")
    with psycopg.connect(dsn) as conn:
        for job_id, rank, title, score, why in top_matches(conn, resume, {"country": "Germany"})[:3]:
            print(f"{rank}. {title}: {score:.3f} ({why['overall_strength']})")
            print(f"   matched: {', '.join(why['skills']['matched']) or '-'}")
            print(f"   {why['summary']}")
