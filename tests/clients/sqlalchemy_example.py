"""resonance_match from SQLAlchemy 2: the set-returning function as a table-valued function.

    python3 tests/clients/sqlalchemy_example.py "postgresql+psycopg://postgres@/resonance_demo?host=/tmp&port=55432"
"""
import sys
import uuid

from sqlalchemy import Float, Integer, Text, column, create_engine, func, literal, select
from sqlalchemy.dialects.postgresql import JSONB, UUID


def top_matches(engine, resume_id, filters=None, options=None):
    """(job_id, rank, title, final_score, explanation) rows, best first."""
    match = func.resonance_match(
        literal(resume_id, UUID), literal(filters or {}, JSONB), literal(options or {}, JSONB)
    ).table_valued(
        column("job_id", UUID), column("rank", Integer), column("title", Text),
        column("final_score", Float), column("explanation", JSONB),
    )
    query = select(match.c.job_id, match.c.rank, match.c.title, match.c.final_score, match.c.explanation)
    with engine.connect() as conn:
        return conn.execute(query.order_by(match.c.rank)).all()


if __name__ == "__main__":
    url = sys.argv[1] if len(sys.argv) > 1 else "postgresql+psycopg://postgres@/resonance_demo?host=/tmp&port=55432"
    engine = create_engine(url)
    resume = uuid.UUID("00000000-0000-4000-b000-000000000001")
    for row in top_matches(engine, resume, options={"top_k_final": 3}):
        skills = row.explanation["skills"]
        print(f"{row.rank}. {row.title}: {row.final_score:.3f}, matched {skills['matched']}, related {skills['related']}")
