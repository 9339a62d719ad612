#!/usr/bin/env python3
"""What each connection costs the server: memory per backend at 1, 8, 32 and 64 connections
that each ran resonance_encode + resonance_match, first-call latency, and growth over 1,000
calls. Prints numbers; it is not a test. Run by scripts/bench_backends.sh.

Memory is read from /proc/<backend pid>/smaps (the script runs on the server's host): PSS
divides each shared page among the processes that map it, so the sum of PSS over the
backends is what they cost together, and its growth per added backend is what one more
connection costs. The server's shared memory (shared_buffers and the rest of the main
segment, dynamic shared memory) is counted apart: its pages count in a backend's RSS once
the backend has touched them, so a backend that reads many table pages "grows" up to
shared_buffers without allocating anything. "own" figures leave that memory out.
"""
import argparse
import os
import statistics
import time

import psycopg


def is_server_shared_memory(path):
    """Postgres's main shared segment (an anonymous shared mapping), its SysV header, and
    dynamic shared memory segments."""
    return path == "/dev/zero (deleted)" or path.startswith("/SYSV") or path.startswith("/dev/shm/PostgreSQL")


def rollup(pid):
    """Rss, Pss and Private of a process in MB, over all its mappings and, as own_*, over
    all but the server's shared memory."""
    values = {k: 0.0 for k in ("Rss", "Pss", "Private", "own_Rss", "own_Pss", "own_Private")}
    shared = False
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            parts = line.split()
            if not parts[0].endswith(":"):  # a mapping's header: address range, perms, ..., path
                shared = is_server_shared_memory(" ".join(parts[5:]))
                continue
            key = parts[0].rstrip(":")
            key = "Private" if key in ("Private_Clean", "Private_Dirty") else key
            if key in ("Rss", "Pss", "Private"):
                mb = int(parts[1]) / 1024
                values[key] += mb
                if not shared:
                    values["own_" + key] += mb
    return values


def connect(args):
    return psycopg.connect(host=args.host, port=args.port, dbname=args.dbname, user=args.user, autocommit=True)


def resume_ids(args):
    with connect(args) as c:
        return [r[0] for r in c.execute("SELECT id FROM resonance.resumes ORDER BY id")]


def first_calls(conn, resume, encode):
    """Runs the first match (and encode) of a new backend; returns the match's ms."""
    start = time.perf_counter()
    conn.execute("SELECT count(*) FROM resonance_match(%s)", (resume,)).fetchone()
    elapsed = (time.perf_counter() - start) * 1000
    if encode:
        conn.execute("SELECT resonance_encode('Senior nurse, ICU, 5 years')").fetchone()
    return elapsed


def connections_round(args, n, resumes):
    """n connections, each running encode + match; memory summed over their backends."""
    conns = [connect(args) for _ in range(n)]
    try:
        pids = [c.execute("SELECT pg_backend_pid()").fetchone()[0] for c in conns]
        firsts = [first_calls(c, resumes[i % len(resumes)], args.encode) for i, c in enumerate(conns)]
        mem = [rollup(p) for p in pids]
        return {
            "n": n,
            "pss_total": sum(m["Pss"] for m in mem),
            "own_pss_total": sum(m["own_Pss"] for m in mem),
            "rss_mean": statistics.mean(m["Rss"] for m in mem),
            "private_mean": statistics.mean(m["Private"] for m in mem),
            "own_private_mean": statistics.mean(m["own_Private"] for m in mem),
            "first_ms": firsts,
        }
    finally:
        for c in conns:
            c.close()


def growth(args, resumes, calls):
    """Memory of one backend after its first call and after every quarter of `calls` more."""
    with connect(args) as c:
        pid = c.execute("SELECT pg_backend_pid()").fetchone()[0]
        first_calls(c, resumes[0], args.encode)
        samples = [(0, rollup(pid))]
        for i in range(calls):
            c.execute("SELECT count(*) FROM resonance_match(%s)", (resumes[i % len(resumes)],)).fetchone()
            if (i + 1) % max(1, calls // 4) == 0 or i + 1 == calls:
                samples.append((i + 1, rollup(pid)))
    return samples


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="/tmp")
    p.add_argument("--port", type=int, default=55432)
    p.add_argument("--dbname", default="resonance_demo")
    p.add_argument("--user", default="postgres")
    p.add_argument("--connections", default="1,8,32,64")
    p.add_argument("--calls", type=int, default=1000)
    p.add_argument("--no-encode", dest="encode", action="store_false", help="match only")
    p.add_argument("--index-dir", help="$PGDATA/resonance: remove its files first, to time the build")
    args = p.parse_args()
    resumes = resume_ids(args)
    if args.index_dir:
        # The first match of a server with no index file builds it (once per taxonomy).
        for name in os.listdir(args.index_dir):
            if name.startswith("skills-"):
                os.remove(os.path.join(args.index_dir, name))
        build = connections_round(args, 1, resumes)
        print(f"[backends] first match with no index file (builds it): {build['first_ms'][0]:.0f} ms")
    # Warm the server-wide state (index file, page cache) so every round sees the same.
    connections_round(args, 1, resumes)
    rounds = [connections_round(args, int(n), resumes) for n in args.connections.split(",")]
    base = rounds[0]
    what = "encode + match" if args.encode else "match"
    print(f"[backends] each connection ran {what}; memory from /proc/<pid>/smaps, MB; "
          f"'own': without the server's shared memory")
    print(f"{'conns':>6} {'PSS total':>10} {'PSS/backend':>12} {'extra/backend':>14} {'own extra':>10} {'RSS mean':>9} "
          f"{'private':>8} {'own private':>12} {'1st match P50':>14} {'P95':>6}")
    for r in rounds:
        more = r["n"] - base["n"]
        extra = (r["pss_total"] - base["pss_total"]) / more if more else float("nan")
        own_extra = (r["own_pss_total"] - base["own_pss_total"]) / more if more else float("nan")
        print(f"{r['n']:>6} {r['pss_total']:>10.1f} {r['pss_total'] / r['n']:>12.1f} {extra:>14.1f} {own_extra:>10.1f} "
              f"{r['rss_mean']:>9.1f} {r['private_mean']:>8.1f} {r['own_private_mean']:>12.1f} "
              f"{statistics.median(r['first_ms']):>14.1f} {percentile(r['first_ms'], 0.95):>6.1f}")
    samples = growth(args, resumes, args.calls)
    (_, before), (_, after) = samples[0], samples[-1]
    print(f"[backends] one backend over {args.calls} more matches: RSS {before['Rss']:.1f} -> {after['Rss']:.1f} MB "
          f"(own {before['own_Rss']:.1f} -> {after['own_Rss']:.1f}), private {before['Private']:.1f} -> "
          f"{after['Private']:.1f} MB (own {before['own_Private']:.1f} -> {after['own_Private']:.1f}); own private after "
          + ", ".join(f"{n}: {m['own_Private']:.1f}" for n, m in samples))


if __name__ == "__main__":
    main()
