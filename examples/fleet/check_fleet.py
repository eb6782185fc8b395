"""Checks the fleet recipes against each other and against the summaries.

    python examples/fleet/check_fleet.py CASES SPARK_OUT

CASES holds one folder per case written by `ctsleuth analyze --format
json,parquet` (summary.json and parquet/); SPARK_OUT is what
fleet_spark.py wrote for `CASES/*/parquet`. Runs fleet.sql with DuckDB,
then asserts that every rollup of DuckDB equals Spark's (numbers within
1e-9) and that both agree with the cases' summary.json files. Exits 1 with
the first difference.
"""

import glob
import json
import math
import os
import sys

import duckdb

HERE = os.path.dirname(os.path.abspath(__file__))
ROLLUPS = ("nodes_by_peak_fill", "workloads_by_share", "bursts_by_hour", "findings_by_kind", "growth")


def fail(msg):
    print(f"fleet check: {msg}", file=sys.stderr)
    sys.exit(1)


def same(a, b):
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, (int, float)) or isinstance(b, (int, float)) or hasattr(a, "as_tuple"):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return a == b


def norm(x):
    """A sort key that orders DuckDB's doubles and Spark's decimals alike."""
    if x is None:
        return (2, 0.0, "")
    if isinstance(x, (int, float)) or hasattr(x, "as_tuple"):
        return (0, round(float(x), 9), "")
    return (1, 0.0, str(x))


def rows(con, sql):
    return [tuple(r) for r in con.execute(sql).fetchall()]


def main(argv):
    if len(argv) != 3:
        fail("usage: check_fleet.py CASES SPARK_OUT")
    cases, spark_out = argv[1], argv[2]
    con = duckdb.connect()
    con.execute("SET VARIABLE dataset = ?", [f"{cases}/*/parquet"])
    with open(os.path.join(HERE, "fleet.sql"), encoding="utf-8") as f:
        con.execute(f.read())

    for name in ROLLUPS:
        duck = rows(con, f"SELECT * FROM {name}")
        cols = [c[0] for c in con.execute(f"DESCRIBE {name}").fetchall()]
        files = glob.glob(f"{spark_out}/{name}/*.parquet")
        if not files:
            fail(f"{name}: Spark wrote nothing in {spark_out}/{name}")
        select = ", ".join(f'"{c}"' for c in cols)
        spark = [
            tuple(r) for r in con.execute(f"SELECT {select} FROM read_parquet(?)", [files]).fetchall()
        ]

        def key(r):
            return tuple(norm(x) for x in r)

        duck_sorted, spark_sorted = sorted(duck, key=key), sorted(spark, key=key)
        if len(duck) != len(spark):
            fail(f"{name}: DuckDB has {len(duck)} rows, Spark {len(spark)}")
        for d, s in zip(duck_sorted, spark_sorted):
            if not all(same(a, b) for a, b in zip(d, s)):
                fail(f"{name}: DuckDB {d} != Spark {s} ({cols})")
        print(f"{name}: {len(duck)} rows, DuckDB and Spark agree")

    # Both against the summaries.
    peaks, bursts, finding_ids, n_cases = {}, 0, set(), 0
    for summary_path in sorted(glob.glob(f"{cases}/*/summary.json")):
        n_cases += 1
        case = os.path.basename(os.path.dirname(summary_path))
        with open(summary_path, encoding="utf-8") as f:
            s = json.load(f)
        for snap in s["snapshots"]:
            k = (case, snap["node"])
            peaks[k] = max(peaks.get(k, 0), snap["entries"])
        bursts += sum(1 for b in s["bursts"] if b.get("start"))
        finding_ids.update(f["id"] for f in s["findings"])
    if n_cases < 2:
        fail(f"{cases}: expected two cases or more, found {n_cases}")
    got = {(c, n): p for c, n, _, p, _, _ in rows(con, "SELECT * FROM nodes_by_peak_fill")}
    if got != peaks:
        fail(f"nodes_by_peak_fill {got} != summaries {peaks}")
    got = rows(con, "SELECT coalesce(sum(bursts), 0) FROM bursts_by_hour")[0][0]
    if got != bursts:
        fail(f"bursts_by_hour counts {got} bursts, the summaries {bursts}")
    got = {r[0] for r in rows(con, "SELECT id FROM findings_by_kind")}
    if got != finding_ids:
        fail(f"findings_by_kind {sorted(got)} != summaries {sorted(finding_ids)}")
    print(f"{n_cases} cases: peaks of {len(peaks)} nodes, {bursts} bursts and "
          f"{len(finding_ids)} kinds of finding match the summaries")


if __name__ == "__main__":
    main(sys.argv)
