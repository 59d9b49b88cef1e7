"""Write-audit-publish: copy the audited marts into a read-only file BI tools open.

The pipeline writes only its working warehouse. Once every blocking check has passed, this
builds a fresh analytics file beside the published one and swaps it in with an atomic rename.
A reader holding the old file open keeps reading the old snapshot (its open descriptor still
points at the old inode) and is never blocked; the next connection sees the new one. A failed
build leaves the last good file untouched. ``meta.publications`` records every publish.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingestion.sql_quote import ident, literal
from ingestion.warehouse import ensure_folder
from orchestration.lib import spark_tables

log = logging.getLogger(__name__)

# What analysts get: the marts (the aligned daily series among them, marts.observations_daily)
# and the reference seeds that explain them.
PUBLISHED_SCHEMAS = ("marts", "reference")
#: where the published file's data source and its label come from
SOURCE_RELATION = "staging.stg_warehouse_source"


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


def publish(
    warehouse: Path, target: Path, *, run_id: str, spark_export: Path | None = None
) -> Publication:
    """Build ``target`` from ``warehouse`` beside it, then atomically replace it.

    With ``spark_export`` (the dbt ``spark`` target) the tables come from Spark's Parquet export
    of the published schemas (``<dir>/<schema>/<table>/``) instead of the working warehouse,
    typed and commented as the DuckDB build would have them (lib/spark_tables.py), so a BI
    client sees the same file; the working warehouse still keeps the publication history.
    """
    ensure_folder(target, "published path (BONDHEDGE_PUBLISHED, or the resource's published_path)")
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
            db = ident(working)
            con.execute(f"attach {literal(warehouse)} as {db} (read_only)")
            if spark_export is None:
                relations = con.execute(
                    "select schema_name, table_name from duckdb_tables() "
                    "where database_name = ? and list_contains(?, schema_name) order by 1, 2",
                    [working, list(PUBLISHED_SCHEMAS)],
                ).fetchall()
                source_sql = f"{db}.{SOURCE_RELATION}"
            else:
                con.execute("set TimeZone = 'UTC'")
                relations = spark_tables.exported(spark_export, PUBLISHED_SCHEMAS)
                source_sql = spark_tables.select_sql(con, spark_export, SOURCE_RELATION)
            source, is_synthetic, label = con.execute(
                f"select data_source, is_synthetic, data_source_label from {source_sql}"
            ).fetchone()
            for schema, table in relations:
                dst = f"{ident(schema)}.{ident(table)}"
                con.execute(f"create schema if not exists {ident(schema)}")
                if spark_export is None:
                    select = f"select * from {db}.{ident(schema)}.{ident(table)}"
                    con.execute(f"create table {dst} as {select}")
                    _copy_comments(con, working, (schema, table), dst)
                else:
                    relation = f"{schema}.{table}"
                    select = spark_tables.select_sql(con, spark_export, relation)
                    con.execute(f"create table {dst} as select * from {select}")
                    spark_tables.comment(con, relation, dst)
                rows = con.execute(f"select count(*) from {dst}").fetchone()
                tables[f"{schema}.{table}"] = rows[0]
            kept = _working_history(con, working, target)
            con.execute(f"detach {db}")
            _write_meta(con, target, now, run_id, source, is_synthetic, label, tables, kept)
            history = con.execute("select * from meta.publications").fetchall()
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
    _keep_history_in_working(warehouse, target, history)
    return Publication(target, now, run_id, source, tables)


#: the publication history's columns (in the published file and the working warehouse)
_HISTORY_DDL = """(
    published_at timestamp, run_id varchar, data_source varchar,
    is_synthetic boolean, data_source_label varchar, tables integer, total_rows bigint
)"""


#: the working warehouse's copy, one history per published path (a warehouse may be published
#: to more than one file; a new path starts its own history)
_MIRROR = "meta.publication_history"


def _working_history(con: duckdb.DuckDBPyConnection, working: str, target: Path) -> list[tuple]:
    """The working warehouse's copy of ``target``'s publication history (may be empty)."""
    found = con.execute(
        "select count(*) from duckdb_tables() where database_name = ? "
        "and schema_name = 'meta' and table_name = 'publication_history'",
        [working],
    ).fetchone()[0]
    if not found:
        return []
    return con.execute(
        "select * exclude (published_path) "
        f"from {ident(working)}.{_MIRROR} where published_path = ? order by published_at",
        [_path_key(target)],
    ).fetchall()


def _path_key(target: Path) -> str:
    return str(Path(target).resolve())


def _keep_history_in_working(warehouse: Path, target: Path, history: list[tuple]) -> None:
    """Mirror ``target``'s history into the working warehouse (the caller holds its writer
    lock), so a damaged published file does not take the history with it."""
    key = _path_key(target)
    try:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("create schema if not exists meta")
            con.execute(
                f"create table if not exists {_MIRROR} "
                + _HISTORY_DDL.replace("(", "(published_path varchar, ", 1)
            )
            con.execute("begin transaction")
            con.execute(f"delete from {_MIRROR} where published_path = ?", [key])
            con.executemany(
                f"insert into {_MIRROR} values (?, ?, ?, ?, ?, ?, ?, ?)",
                [(key, *row) for row in history],
            )
            con.execute("commit")
            con.execute("checkpoint")
    except duckdb.Error as exc:  # the publish itself is done and good: say so, go on
        log.warning(
            "published, but the publication history could not be copied into the working "
            "warehouse %s (%s); it stays in the published file",
            warehouse,
            str(exc).splitlines()[0][:200],
        )


def _copy_comments(con, working: str, src: tuple[str, str], relation: str) -> None:
    """Carry the table's and its columns' COMMENTs (dbt persist_docs) over to the copy.

    ``create table ... as select`` keeps the data, not the comments; BI tools show these as
    table and column descriptions.
    """
    table_comment = con.execute(
        "select comment from duckdb_tables() "
        "where database_name = ? and schema_name = ? and table_name = ?",
        [working, *src],
    ).fetchone()
    if table_comment and table_comment[0]:
        con.execute(f"comment on table {relation} is {literal(table_comment[0])}")
    for column, comment in con.execute(
        "select column_name, comment from duckdb_columns() where database_name = ? "
        "and schema_name = ? and table_name = ? and comment is not null and comment <> ''",
        [working, *src],
    ).fetchall():
        con.execute(f"comment on column {relation}.{ident(column)} is {literal(comment)}")


def _catalog_name(warehouse: Path) -> str:
    """DuckDB's (and dbt-duckdb's) database name for a file: its name up to the first dot."""
    return Path(warehouse).name.split(".")[0]


def _write_meta(con, target, now, run_id, source, is_synthetic, label, tables, kept) -> None:
    """meta.publications: the earlier history (from the old published file and the working
    warehouse's copy, merged: either may have been lost or rebuilt), then this publish."""
    con.execute("create schema if not exists meta")
    con.execute(f"create table meta.publications {_HISTORY_DDL}")
    if target.exists():
        try:
            con.execute(f"attach {literal(target)} as previous (read_only)")
            try:
                con.execute(
                    "insert into meta.publications select * from previous.meta.publications"
                )
            finally:
                con.execute("detach previous")
        except duckdb.Error as exc:
            log.warning(
                "published file %s could not be read (%s); it is replaced, and its publication "
                "history restored from the working warehouse's copy (%d rows)",
                target,
                str(exc).splitlines()[0][:200],
                len(kept),
            )
    if kept:
        con.execute("create temp table kept_history " + _HISTORY_DDL)
        con.executemany("insert into kept_history values (?, ?, ?, ?, ?, ?, ?)", kept)
        con.execute(
            "insert into meta.publications select * from kept_history k where not exists "
            "(select 1 from meta.publications p where p.run_id is not distinct from k.run_id "
            "and p.published_at = k.published_at)"
        )
        con.execute("drop table kept_history")
    con.execute(
        "insert into meta.publications values (?, ?, ?, ?, ?, ?, ?)",
        [now, run_id, source, is_synthetic, label, len(tables), sum(tables.values())],
    )
    con.execute("create table meta.published_tables (table_name varchar, row_count bigint)")
    con.executemany("insert into meta.published_tables values (?, ?)", list(tables.items()))
