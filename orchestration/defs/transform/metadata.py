"""What the Dagster UI shows for each dbt model and test.

* models and seeds: row count, the time axis's range, a preview and business metrics, which
  dbt measures as it builds each node (``orchestration/lib/table_stats.py`` has the rules);
* every dbt test gets a sentence saying what it checks.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg

from orchestration.lib import table_stats


def table_metadata(measured: Mapping[str, Any]) -> dict[str, Any]:
    """The post-hook's measurements of one node as Dagster metadata (preview as markdown)."""
    meta = table_stats.summary(measured)
    meta["preview"] = dg.MetadataValue.md(meta["preview"])
    return meta


def describe_test(test: Mapping[str, Any]) -> str:
    """One sentence for a dbt test: its own description, or what its macro and arguments check."""
    if test.get("description"):
        return test["description"]
    meta = test.get("test_metadata") or {}
    kwargs = {k: v for k, v in (meta.get("kwargs") or {}).items() if k != "model"}
    column = kwargs.get("column_name")
    on = f"`{column}`" if column else "the table"
    kind = meta.get("name")
    severity = (test.get("config") or {}).get("severity", "error").lower()
    blocks = " Blocks downstream assets when it fails." if severity == "error" else ""
    sentences = {
        "not_null": f"{on} is never null.",
        "unique": f"{on} is unique: no two rows share a value.",
        "unique_combination": (
            f"One row per ({', '.join(kwargs.get('columns', []))}): no duplicate keys."
        ),
        "accepted_values": (
            f"{on} takes only the values {', '.join(map(str, kwargs.get('values', [])))}."
        ),
        "accepted_range": (
            f"{on} lies in [{kwargs.get('min_value', '−∞')}, {kwargs.get('max_value', '∞')}]."
        ),
        "relationships": (
            f"Every {on} exists in {str(kwargs.get('to', '')).replace('ref(', '').strip(')')}"
            f".{kwargs.get('field', '')}."
        ),
        "row_condition": f"Every row satisfies `{kwargs.get('expression', '')}`.",
        "min_row_count": f"The table has at least {kwargs.get('min_rows')} rows.",
        "exact_row_count": f"The table has exactly {kwargs.get('n_rows')} row(s).",
    }
    text = sentences.get(kind) or f"dbt test {test.get('name')}: returns no failing rows."
    return text + blocks
