"""Write-audit-publish: copy the audited marts into a read-only file BI tools open.

The pipeline writes only its working warehouse. Once every blocking check has passed, this
builds a fresh analytics file beside the published one and swaps it in with an atomic rename.
A reader holding the old file open keeps reading the old snapshot (its open descriptor still
points at the old inode) and is never blocked; the next connection sees the new one. A failed
build leaves the last good file untouched. ``meta.publications`` records every publish.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

# What analysts get: the marts, the reference seeds that explain them, and the aligned daily
# series (for charts of the inputs).
PUBLISHED_SCHEMAS = ("marts", "reference")
EXTRA_TABLES = (("intermediate", "int_observations_daily", "series", "observations_daily"),)


@dataclass(frozen=True)
class Publication:
    path: Path
    published_at: datetime
    run_id: str
    source: str
    tables: dict[str, int]  # "schema.table" -> rows


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(warehouse: Path, target: Path, *, run_id: str) -> Publication:
    """Build ``target`` from ``warehouse`` beside it, then atomically replace it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    building = target.with_name(f".{target.name}.building-{run_id}")
    # A run killed while publishing leaves its half-built file (and WAL) behind. Publishes of
    # one warehouse run under its writer lock, so any such file here is stale: remove it.
    for stale in target.parent.glob(f".{target.name}.building-*"):
        stale.unlink(missing_ok=True)
    now = datetime.now(UTC).replace(tzinfo=None)
    tables: dict[str, int] = {}
    try:
        con = duckdb.connect(str(building))
        try:
            # Attach under the catalog name dbt gave it (the file's stem): dbt-duckdb views
            # such as staging.stg_warehouse_source name their tables "<stem>".raw.<table>,
            # so under any other alias they fail with 'Catalog "<stem>" does not exist'.
            working = _catalog_name(warehouse)
            con.execute(f"attach '{warehouse}' as \"{working}\" (read_only)")
            source, is_synthetic, label = con.execute(
                "select data_source, is_synthetic, data_source_label "
                f'from "{working}".staging.stg_warehouse_source'
            ).fetchone()
            relations = con.execute(
                "select schema_name, table_name from duckdb_tables() "
                "where database_name = ? and schema_name in "
                f"({', '.join(repr(s) for s in PUBLISHED_SCHEMAS)}) order by 1, 2",
                [working],
            ).fetchall()
            copies = [(s, t, s, t) for s, t in relations] + list(EXTRA_TABLES)
            for src_schema, src_table, dst_schema, dst_table in copies:
                con.execute(f"create schema if not exists {dst_schema}")
                con.execute(
                    f'create table {dst_schema}."{dst_table}" as '
                    f'select * from "{working}".{src_schema}."{src_table}"'
                )
                _copy_comments(con, working, (src_schema, src_table), (dst_schema, dst_table))
                rows = con.execute(f'select count(*) from {dst_schema}."{dst_table}"').fetchone()
                tables[f"{dst_schema}.{dst_table}"] = rows[0]
            con.execute(f'detach "{working}"')
            _write_meta(con, target, now, run_id, source, is_synthetic, label, tables)
            con.execute("checkpoint")
        finally:
            con.close()
        with open(building, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(building, target)
        _fsync_dir(target.parent)
    finally:
        building.unlink(missing_ok=True)
        Path(str(building) + ".wal").unlink(missing_ok=True)
    return Publication(target, now, run_id, source, tables)


def _copy_comments(con, working: str, src: tuple[str, str], dst: tuple[str, str]) -> None:
    """Carry the table's and its columns' COMMENTs (dbt persist_docs) over to the copy.

    ``create table ... as select`` keeps the data, not the comments; BI tools show these as
    table and column descriptions.
    """
    table_comment = con.execute(
        "select comment from duckdb_tables() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [working, *src],
    ).fetchone()
    relation = f'{dst[0]}."{dst[1]}"'
    if table_comment and table_comment[0]:
        con.execute(f"comment on table {relation} is {_sql_string(table_comment[0])}")
    for column, comment in con.execute(
        "select column_name, comment from duckdb_columns() where database_name = ? "
        "and schema_name = ? and table_name = ? and comment is not null and comment <> ''",
        [working, *src],
    ).fetchall():
        name = column.replace('"', '""')
        con.execute(f'comment on column {relation}."{name}" is {_sql_string(comment)}')


def _sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _catalog_name(warehouse: Path) -> str:
    """DuckDB's (and dbt-duckdb's) database name for a file: its name up to the first dot."""
    return Path(warehouse).name.split(".")[0]


def _write_meta(con, target, now, run_id, source, is_synthetic, label, tables) -> None:
    con.execute("create schema if not exists meta")
    con.execute(
        """
        create table meta.publications (
            published_at timestamp, run_id varchar, data_source varchar,
            is_synthetic boolean, data_source_label varchar, tables integer, total_rows bigint
        )
        """
    )
    if target.exists():  # keep the history of earlier publishes
        try:
            con.execute(f"attach '{target}' as previous (read_only)")
            con.execute("insert into meta.publications select * from previous.meta.publications")
            con.execute("detach previous")
        except duckdb.Error:
            pass  # an unreadable old file is replaced; its history cannot be carried over
    con.execute(
        "insert into meta.publications values (?, ?, ?, ?, ?, ?, ?)",
        [now, run_id, source, is_synthetic, label, len(tables), sum(tables.values())],
    )
    con.execute(
        "create table meta.published_tables as select * from (values "
        + ", ".join(f"('{k}', {v})" for k, v in tables.items())
        + ") as t(table_name, row_count)"
    )


def latest_publication(target: Path) -> tuple | None:
    """The newest publish record of ``target`` (read-only), or None if never published."""
    if not target.exists():
        return None
    with duckdb.connect(str(target), read_only=True) as con:
        return con.execute(
            "select * from meta.publications order by published_at desc limit 1"
        ).fetchone()
