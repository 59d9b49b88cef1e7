"""Compare two builds of the same dbt models table by table, inside DuckDB: same keys and row
counts, non-float columns equal, floats within a tolerance, NULLs in the same places.

Used by tests/test_spark_parity.py (DuckDB vs Spark's Parquet export) and as a script that
shows a change left DuckDB's output as it was (two DuckDB warehouses, e.g. main vs a branch):

    .venv/bin/python -m tests.parity OLD.duckdb NEW.duckdb [--tol 0]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from ingestion.spark_port import PORTED_KEYS  # the one list of ported models (re-exported)

# When dbt built the row: differs between any two builds by design.
IGNORED_COLUMNS = ("built_at",)
FLOAT_TYPES = ("DOUBLE", "FLOAT", "REAL")


@dataclass
class TableParity:
    table: str
    rows: int
    max_abs_diff: dict[str, float] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def compare(
    con: duckdb.DuckDBPyConnection,
    table: str,
    left: str,
    right: str,
    keys: tuple[str, ...],
    tol: float = 1e-9,
) -> TableParity:
    """Compare relation ``left`` (the reference: its columns are compared) with ``right``."""
    described = con.execute(f"describe select * from {left}").fetchall()
    columns = [(name, kind) for name, kind, *_ in described if name not in IGNORED_COLUMNS]
    right_columns = {r[0] for r in con.execute(f"describe select * from {right}").fetchall()}
    missing = [c for c, _ in columns if c not in right_columns]
    n_left = con.execute(f"select count(*) from {left}").fetchone()[0]
    n_right = con.execute(f"select count(*) from {right}").fetchone()[0]
    result = TableParity(table, n_left)
    if missing:
        result.problems.append(f"columns missing on the right: {missing}")
        return result
    if n_left != n_right:
        result.problems.append(f"row counts differ: {n_left} vs {n_right}")
    on = " and ".join(f"l.{k} is not distinct from r.{k}" for k in keys)
    checks, diffs = [], []
    for name, kind in columns:
        if name in keys:
            continue
        if kind.upper() in FLOAT_TYPES:
            bad = (
                f"(l.{name} is null) <> (r.{name} is null) or isnan(l.{name}) <> isnan(r.{name})"
                f" or (not isnan(l.{name}) and not isnan(r.{name})"
                f" and abs(l.{name} - r.{name}) > {tol})"
            )
            diffs.append(
                f"max(abs(l.{name} - r.{name})) filter (where not isnan(l.{name}) "
                f"and not isnan(r.{name})) as {name}"
            )
        else:
            bad = f"l.{name} is distinct from r.{name}"
        checks.append((name, bad))
    only_left = " and ".join(f"r.{k} is null" for k in keys)
    only_right = " and ".join(f"l.{k} is null" for k in keys)
    select = [f"count(*) filter (where {only_left})", f"count(*) filter (where {only_right})"]
    select += [
        f"count(*) filter (where l.{keys[0]} is not null and r.{keys[0]} is not null and ({bad}))"
        for _, bad in checks
    ]
    select += [d.rsplit(" as ", 1)[0] for d in diffs]
    row = con.execute(
        f"select {', '.join(select)} from {left} as l full outer join {right} as r on {on}"
    ).fetchone()
    if row[0] or row[1]:
        result.problems.append(f"keys only left: {row[0]}, only right: {row[1]}")
    for (name, _), n_bad in zip(checks, row[2 : 2 + len(checks)], strict=True):
        if n_bad:
            example = con.execute(
                f"select {', '.join('l.' + k for k in keys)}, l.{name}, r.{name} "
                f"from {left} as l join {right} as r on {on} where {dict(checks)[name]} limit 3"
            ).fetchall()
            result.problems.append(f"{name}: {n_bad} rows differ, e.g. {example}")
    for d, value in zip(diffs, row[2 + len(checks) :], strict=True):
        result.max_abs_diff[d.rsplit(" as ", 1)[1]] = float(value or 0.0)
    return result


def compare_duckdb_files(old: str, new: str, tables=None, tol: float = 0.0) -> list[TableParity]:
    """Every model in ``tables`` (default: every table and view of ``old`` outside raw).

    Views name their file's catalog, so an attached copy cannot resolve them: each file's
    views are first written to Parquet through a connection of its own."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach '{old}' as old_wh (read_only)")
    con.execute(f"attach '{new}' as new_wh (read_only)")
    relations = con.execute(
        "select schema_name || '.' || table_name, false from duckdb_tables() "
        "where database_name = 'old_wh' and schema_name <> 'raw' union all "
        "select schema_name || '.' || view_name, true from duckdb_views() "
        "where database_name = 'old_wh' and not internal and schema_name <> 'raw' order by 1"
    ).fetchall()
    views = {name for name, is_view in relations if is_view}
    tables = tables or {name: None for name, _ in relations}
    scratch = Path(tempfile.mkdtemp(prefix="parity_"))
    try:
        for side, path in (("old", old), ("new", new)):
            own = duckdb.connect(path, read_only=True)
            try:
                for view in views & set(tables):
                    own.execute(f"copy (select * from {view}) to '{scratch / side}_{view}.parquet'")
            finally:
                own.close()
        results = []
        for table, keys in tables.items():
            if table in views:
                left = f"read_parquet('{scratch / 'old'}_{table}.parquet')"
                right = f"read_parquet('{scratch / 'new'}_{table}.parquet')"
            else:
                left, right = f"old_wh.{table}", f"new_wh.{table}"
            keys = keys or PORTED_KEYS.get(table) or _all_columns(con, left)
            results.append(compare(con, table, left, right, keys, tol))
        return results
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _all_columns(con, relation: str) -> tuple[str, ...]:
    """No declared key: every non-float column is the key (floats are compared within the
    tolerance, so float noise shows as a difference, not as a missing row)."""
    return tuple(
        r[0]
        for r in con.execute(f"describe select * from {relation}").fetchall()
        if r[0] not in IGNORED_COLUMNS and r[1].upper() not in FLOAT_TYPES
    )


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="compare every model of two DuckDB files")
    parser.add_argument("old")
    parser.add_argument("new")
    parser.add_argument("--tol", type=float, default=0.0, help="float tolerance (default 0)")
    args = parser.parse_args(argv)
    results = compare_duckdb_files(args.old, args.new, tol=args.tol)
    for r in results:
        diff = max(r.max_abs_diff.values(), default=0.0)
        status = "SAME" if not r.problems else "DIFFERENT: " + "; ".join(r.problems)
        print(f"{r.table:45s} {r.rows:>9d} rows  max |diff| {diff:.3g}  {status}")
    return 1 if any(r.problems for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
