"""Export the raw landing tables from the DuckDB warehouse to Parquet, for engines that read
files (the dbt `spark` target registers them as its `raw` source tables, so models keep
reading `source('raw', 'observations')`). One folder per table; each is written beside the
old one and renamed over it, so a reader never sees a half-written table."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import duckdb

RAW_TABLES = ("observations", "load_log", "warehouse_meta", "revisions")


def export_raw(warehouse: Path, out_dir: Path, tables: tuple[str, ...] = RAW_TABLES) -> dict:
    """Write ``raw.<table>`` of ``warehouse`` to ``out_dir/<table>/data.parquet``; row counts."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = {}
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        for table in tables:
            final = out_dir / table
            staging = out_dir / f".{table}.tmp"
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir()
            con.execute(
                f"copy (select * from raw.{table}) to '{staging / 'data.parquet'}' "
                "(format parquet, compression zstd)"
            )
            counts[table] = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
            old = out_dir / f".{table}.old"
            shutil.rmtree(old, ignore_errors=True)
            if final.exists():
                final.rename(old)
            staging.rename(final)
            shutil.rmtree(old, ignore_errors=True)
    finally:
        con.close()
    return counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("warehouse", type=Path)
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    for table, n in export_raw(args.warehouse, args.out_dir).items():
        print(f"raw.{table}: {n} rows -> {args.out_dir / table}")


if __name__ == "__main__":
    main()
