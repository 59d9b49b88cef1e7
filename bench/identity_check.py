"""Are the marts of a new revision identical to those of an old one? (issue 11's identity check)

    .venv/bin/python bench/identity_check.py OLD.duckdb NEW.duckdb [--noise OLD_AGAIN.duckdb]

OLD and NEW are two warehouses (or two published files) built from the same raw data by two
revisions; OLD_AGAIN, when given, is the old revision built a second time from the same raw
data: its differences from OLD are the build-to-build noise (DuckDB's parallel sums change the
last bits of a float from one build to the next, and the Markov-switching fit amplifies that).

Every relation of OLD is compared with the same relation of NEW (``RENAMED`` maps the relations
a revision moved), with tests/parity.py: keys, row counts, NULL and NaN placement and every
non-float column must be exactly equal; for floats the script prints the largest absolute
difference beside the noise floor. Exit status 1 when any key, row count or non-float value
differs, or a float differs by more than ``--factor`` x the noise floor (and more than 1e-12).
A script, not a test: it needs builds of two revisions.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests import parity  # noqa: E402
from tests.parity import PORTED_KEYS, _all_columns, compare  # noqa: E402

#: when and by which run a row was landed or built: differs between any two runs by design
#: (two `make run`s land the same sample at different times)
parity.IGNORED_COLUMNS = ("built_at", "loaded_at", "run_id", "started_at", "finished_at")

#: relations a revision renamed: old name -> new name (issue 11: the published aligned series
#: became a mart)
RENAMED = {"series.observations_daily": "marts.observations_daily"}
#: float noise any two builds may show regardless of the noise run
FLOOR = 1e-12
HUGE = 1e300


def _relations(con: duckdb.DuckDBPyConnection, db: str) -> list[str]:
    rows = con.execute(
        "select schema_name || '.' || table_name from duckdb_tables() "
        "where database_name = ? and schema_name not in ('raw', 'meta') union all "
        "select schema_name || '.' || view_name from duckdb_views() "
        "where database_name = ? and not internal and schema_name not in ('raw', 'meta') "
        "order by 1",
        [db, db],
    ).fetchall()
    return [r[0] for r in rows]


def _materialise_views(path: str, alias: str, con: duckdb.DuckDBPyConnection) -> None:
    """Views name their own file's catalog: copy each into a temp table of ``con``."""
    own = duckdb.connect(path, read_only=True)
    try:
        views = own.execute(
            "select schema_name, view_name from duckdb_views() where not internal "
            "and schema_name not in ('raw', 'meta', 'information_schema', 'pg_catalog', 'main')"
        ).fetchall()
        for schema, view in views:
            frame = own.execute(f'select * from "{schema}"."{view}"').arrow()  # noqa: F841
            con.execute(f'create temp table "{alias}__{schema}__{view}" as select * from frame')
    finally:
        own.close()


def _relation_sql(con, alias: str, name: str) -> str:
    schema, table = name.split(".", 1)
    temp = f"{alias}__{schema}__{table}"
    exists = con.execute(
        "select count(*) from duckdb_tables() where temporary and table_name = ?", [temp]
    ).fetchone()[0]
    return f'"{temp}"' if exists else f'{alias}."{schema}"."{table}"'


def compare_files(old: str, new: str) -> dict[str, tuple[list[str], float, int]]:
    """relation -> (exact problems, largest float difference, rows)."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach '{old}' as old_wh (read_only)")
    con.execute(f"attach '{new}' as new_wh (read_only)")
    _materialise_views(old, "old_wh", con)
    _materialise_views(new, "new_wh", con)
    new_relations = set(_relations(con, "new_wh"))
    results = {}
    for name in _relations(con, "old_wh"):
        target = RENAMED.get(name, name)
        if target not in new_relations:
            results[name] = ([f"missing in NEW (as {target})"], 0.0, 0)
            continue
        left = _relation_sql(con, "old_wh", name)
        right = _relation_sql(con, "new_wh", target)
        keys = tuple(k for k in PORTED_KEYS.get(name, ()) if k not in parity.IGNORED_COLUMNS)
        keys = keys or _all_columns(con, left)
        exact = compare(con, name, left, right, keys, tol=HUGE)  # everything but float sizes
        sized = compare(con, name, left, right, keys, tol=0.0)
        diff = max(sized.max_abs_diff.values(), default=0.0)
        results[name] = (exact.problems, diff, exact.rows)
    return results


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--noise", help="the old revision built a second time")
    parser.add_argument("--factor", type=float, default=10.0)
    args = parser.parse_args(argv)
    changed = compare_files(args.old, args.new)
    noise = compare_files(args.old, args.noise) if args.noise else {}
    failed = False
    print(f"ignored columns: {', '.join(parity.IGNORED_COLUMNS)}; renamed: {RENAMED}")
    print(f"{'relation':45s} {'rows':>9s}  {'max |diff|':>10s}  {'noise':>10s}  verdict")
    for name, (problems, diff, rows) in changed.items():
        floor = max(noise.get(name, ([], 0.0, 0))[1], FLOOR)
        bad = problems or diff > args.factor * floor
        failed |= bool(bad)
        verdict = (
            "DIFFERENT: " + "; ".join(problems)[:300]
            if problems
            else ("FLOAT DIFFERENCE ABOVE NOISE" if bad else "identical")
        )
        noise_txt = f"{noise[name][1]:10.3g}" if name in noise else f"{'-':>10s}"
        print(f"{name:45s} {rows:>9d}  {diff:10.3g}  {noise_txt}  {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
