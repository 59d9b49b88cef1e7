"""Build the report only when what it reads changed (issue 15: the report when its marts changed).

A warm run republishes the same marts; redrawing seven matplotlib charts for them is the
report step's whole cost. The fingerprint covers every published table the report can read
(all but ``meta``: each table's name, row count and an order-free sum of row hashes, floats
rounded to ``FLOAT_DECIMALS``, without ``built_at``: an incremental model restamps the rows of
its look-back window when their values did not change) and the report package's own source,
so a new chart or wording rebuilds too. ``report.json`` beside ``report.html`` keeps the
fingerprint and the summary the Dagster asset attaches, so a kept report is announced with the
same headline and charts. Plain Python, no Dagster.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from orchestration.lib.report import ReportResult, build_report, connect

STATE_FILE = "report.json"
_PACKAGE = Path(__file__).resolve().parent


#: decimals a float is compared at: two builds of the same data differ in the last bits
#: (DuckDB's parallel sums are not associative; main vs main ~1e-14), far below what any
#: chart or percentage shows
FLOAT_DECIMALS = 6


def _comparable(column: str, data_type: str) -> str:
    quoted = '"' + column.replace('"', '""') + '"'
    if data_type in ("DOUBLE", "FLOAT", "REAL"):
        return f"round({quoted}, {FLOAT_DECIMALS}) as {quoted}"
    if data_type in ("DOUBLE[]", "FLOAT[]"):
        return f"list_transform({quoted}, x -> round(x, {FLOAT_DECIMALS})) as {quoted}"
    return quoted


def fingerprint(published: Path) -> str:
    """SHA-256 (hex) of the published tables' content and of the report's code."""
    con = connect(published)
    try:
        columns = con.execute(
            """
            select table_schema, table_name, column_name, data_type
            from information_schema.columns
            where table_catalog = current_database() and table_schema <> 'meta'
              and column_name <> 'built_at'
            order by table_schema, table_name, ordinal_position
            """
        ).fetchall()
        tables: dict[tuple[str, str], list[str]] = {}
        for schema, table, column, data_type in columns:
            tables.setdefault((schema, table), []).append(_comparable(column, data_type))
        parts = [
            f"select '{s}.{t}', count(*), coalesce(sum(hash(r)), 0)::varchar from "
            f'(select {", ".join(exprs)} from "{s}"."{t}") as r'
            for (s, t), exprs in tables.items()
        ]
        rows = con.execute(" union all ".join(parts) + " order by 1").fetchall() if parts else []
    finally:
        con.close()
    digest = hashlib.sha256(json.dumps(rows).encode())
    for source in sorted(_PACKAGE.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()


def summary(result: ReportResult) -> dict:
    """What the asset attaches, as plain JSON values (charts' thumbnails base64)."""
    prov = result.provenance
    return {
        "headline": result.headline_markdown,
        "html": str(result.html),
        "data_source": prov.data_source,
        "synthetic": prov.is_synthetic,
        "published_run_id": prov.run_id or "",
        "published_at": prov.published_at.isoformat(timespec="seconds")
        if prov.published_at
        else "",
        "charts": [
            {
                "name": c.name,
                "title": c.title,
                "caption": c.caption,
                "path": str(c.path),
                "thumbnail_png_base64": base64.b64encode(c.thumbnail_png).decode("ascii"),
            }
            for c in result.charts
        ],
    }


def kept_summary(out_dir: Path, current: str) -> dict | None:
    """The stored summary when the report in ``out_dir`` was built from content with this
    fingerprint and its files are all still there; otherwise None (rebuild), also for a
    missing, unreadable or differently shaped ``report.json``."""
    state = Path(out_dir) / STATE_FILE
    try:
        stored = json.loads(state.read_text(encoding="utf-8"))
        if stored["fingerprint"] != current:
            return None
        kept = stored["summary"]
        files = [kept["html"], *(c["path"] for c in kept["charts"])]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return kept if all(Path(f).is_file() for f in files) else None


def build_if_changed(published: Path, out_dir: Path) -> tuple[dict, bool]:
    """(summary, rebuilt): the report rebuilt when its content's fingerprint changed."""
    out_dir = Path(out_dir)
    current = fingerprint(published)
    kept = kept_summary(out_dir, current)
    if kept is not None:
        return kept, False
    result = summary(build_report(published, out_dir))
    state = out_dir / STATE_FILE
    tmp = state.with_name(f".{state.name}.tmp")
    tmp.write_text(json.dumps({"fingerprint": current, "summary": result}), encoding="utf-8")
    os.replace(tmp, state)
    return result, True
