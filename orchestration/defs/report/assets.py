"""The hedge report asset: charts and one HTML page built from the published file.

It reads only the published analytics file (read-only, like any BI client), so it never takes
the working warehouse's writer lock and runs after every successful publish. The headline, the
HTML's path and every chart (inline, as a small PNG) are attached as metadata, so the answer is
readable in the Dagster UI without opening a file.
"""

import base64

import dagster as dg

from orchestration.defs.publish import assets as publish
from orchestration.defs.resources import WarehouseResource


@dg.asset(
    key=["reports", "hedge_report"],
    deps=[publish.published_warehouse],
    group_name="reports",
    kinds={"python", "html"},
    description=(
        "Do bonds go up when stocks fall? A generated headline, the answer table and five "
        "charts in one self-contained report.html (plus the PNGs), built from the published "
        "file. Carries a SYNTHETIC banner when the data is the offline sample."
    ),
)
def hedge_report(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    # matplotlib loads here, not when the definitions load (about 0.7 s of every process start)
    from orchestration.lib.report import build_report, default_report_dir

    published = warehouse.published_file
    result = build_report(published, default_report_dir(published))
    prov = result.provenance
    context.log.info("report written to %s", result.html)
    metadata: dict = {
        "headline": dg.MetadataValue.md(result.headline_markdown),
        "html": dg.MetadataValue.path(str(result.html)),
        "data_source": prov.data_source,
        "synthetic": prov.is_synthetic,
        "published_run_id": prov.run_id or "",
        "published_at": prov.published_at.isoformat(timespec="seconds")
        if prov.published_at
        else "",
    }
    for chart in result.charts:
        image = base64.b64encode(chart.thumbnail_png).decode("ascii")
        metadata[f"chart_{chart.name}"] = dg.MetadataValue.md(
            f"**{chart.title}**\n\n![{chart.name}](data:image/png;base64,{image})\n\n"
            f"{chart.caption}\n\nFull size: `{chart.path}`"
        )
    return dg.MaterializeResult(metadata=metadata)
