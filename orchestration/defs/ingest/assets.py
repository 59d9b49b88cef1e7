"""Raw landing as Dagster assets: every catalog series into ``raw.observations``.

One multi-asset lands all series (writes to the single DuckDB file are serialized anyway) and
reports each series on its own: a pandera check result per series, and a per-series table
(dates, last value, counts) in the materialization metadata. A series that fails is named with
its rule and value in its check and in ``raw.load_log``; the others still land, and the run goes
on to dbt with them.
"""

import dagster as dg

from ingestion.catalog import load_catalog
from ingestion.landing import (
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_MAX_FAILED_SHARE,
    LANDED,
    UNAVAILABLE,
    SeriesResult,
    land_series_batch,
)
from orchestration.defs.resources import SourceResource, WarehouseResource
from orchestration.defs.transform.project import source_freshness_policy
from orchestration.run_launcher import WRITER_POOL

RAW_GROUP = "raw"
OBSERVATIONS = dg.AssetKey(["raw", "observations"])
LOAD_LOG = dg.AssetKey(["raw", "load_log"])
REVISIONS = dg.AssetKey(["raw", "revisions"])
WAREHOUSE_META = dg.AssetKey(["raw", "warehouse_meta"])

# One rule for raw data, stated once: the dbt source's freshness in _sources.yml.
RAW_FRESHNESS = source_freshness_policy("raw", "observations")


def series_check_name(series_id: str) -> str:
    """The landing check of one series (``valid_dgs10``)."""
    return f"valid_{series_id.lower()}"


class LandingConfig(dg.Config):
    """Operators may re-land a subset of series (default: the whole catalog)."""

    series: list[str] = []
    lookback_days: int = DEFAULT_LOOKBACK_DAYS
    max_failed_share: float = DEFAULT_MAX_FAILED_SHARE
    """Fail the run (nothing rebuilt or republished) when more than this share of the series
    did not land; a run where no series landed always fails."""


def _series_row(r: SeriesResult) -> dict:
    c = r.counts
    return {
        "series_id": r.series_id,
        "status": r.status,
        "first_date": str(r.first_date) if r.first_date else None,
        "last_date": str(r.last_date) if r.last_date else None,
        "last_value": r.last_value,
        "stored_rows": r.stored_rows,
        "inserted": c.inserted if c else None,
        "updated": c.updated if c else None,
    }


def _check_result(r: SeriesResult) -> dg.AssetCheckResult:
    meta: dict = {"status": r.status}
    if r.last_date:
        meta["last_date"] = str(r.last_date)
    if r.counts:
        meta.update(
            rows_fetched=r.counts.fetched,
            rows_inserted=r.counts.inserted,
            rows_updated=r.counts.updated,
        )
    if r.error:
        meta["error"] = r.error
    if r.rule:
        meta["rule"] = r.rule
    # a series the source does not offer is a warning; bad data is an error
    severity = (
        dg.AssetCheckSeverity.WARN if r.status == UNAVAILABLE else dg.AssetCheckSeverity.ERROR
    )
    return dg.AssetCheckResult(
        asset_key=OBSERVATIONS,
        check_name=series_check_name(r.series_id),
        passed=r.status == LANDED,
        severity=severity,
        metadata=meta,
    )


_TABLE_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("series_id", "string"),
        dg.TableColumn("status", "string"),
        dg.TableColumn("first_date", "string"),
        dg.TableColumn("last_date", "string"),
        dg.TableColumn("last_value", "float"),
        dg.TableColumn("stored_rows", "int"),
        dg.TableColumn("inserted", "int"),
        dg.TableColumn("updated", "int"),
    ]
)


@dg.multi_asset(
    name="land_raw_series",
    specs=[
        dg.AssetSpec(
            OBSERVATIONS,
            description=(
                "Every catalog series, one row per series and date, upserted "
                "(reruns never duplicate; revisions replace values, old ones kept)."
            ),
            group_name=RAW_GROUP,
            kinds={"duckdb", "python"},
            freshness_policy=RAW_FRESHNESS,
        ),
        dg.AssetSpec(
            LOAD_LOG,
            description="One row per series per landing attempt.",
            group_name=RAW_GROUP,
            kinds={"duckdb"},
        ),
        dg.AssetSpec(
            REVISIONS,
            description="Values replaced by a later fetch.",
            group_name=RAW_GROUP,
            kinds={"duckdb"},
        ),
        dg.AssetSpec(
            WAREHOUSE_META,
            description="The warehouse's one source and creation time.",
            group_name=RAW_GROUP,
            kinds={"duckdb"},
        ),
    ],
    check_specs=[
        dg.AssetCheckSpec(
            series_check_name(s.series_id),
            asset=OBSERVATIONS,
            description=(
                f"{s.series_id} ({s.title}): pandera rules before landing - ISO dates, "
                f"unique and increasing; values finite, in [{s.valid_min:g}, {s.valid_max:g}] "
                f"{s.unit}."
            ),
        )
        for s in load_catalog()
    ],
    pool=WRITER_POOL,
)
def land_raw_series(
    context: dg.AssetExecutionContext,
    config: LandingConfig,
    warehouse: WarehouseResource,
    source: SourceResource,
):
    catalog = load_catalog()
    wanted = {s.upper() for s in config.series}
    unknown = wanted - {s.series_id for s in catalog}
    if unknown:
        raise dg.Failure(f"series not in the catalog: {', '.join(sorted(unknown))}")
    selected = [s for s in catalog if not wanted or s.series_id in wanted]

    def progress(r: SeriesResult) -> None:
        if r.ok:
            c = r.counts
            context.log.info(
                f"{r.series_id}: landed {c.fetched} rows ({c.inserted} new, {c.updated} revised)"
                f" through {r.last_date}"
            )
        else:
            context.log.warning(f"{r.series_id}: {r.status}: {r.error}")

    # validated per series, written in one transaction (issue 15: per-series transactions
    # made landing super-linear in the number of series)
    report = land_series_batch(
        warehouse.file,
        source.build(),
        selected,
        run_id=context.run.run_id,
        lookback_days=config.lookback_days,
        fetch_workers=source.fetch_workers,
        lock_timeout_seconds=warehouse.lock_timeout_seconds,
        on_result=progress,
    )
    checks = [_check_result(r) for r in report.results]
    failure = report.failure(config.max_failed_share)
    if failure:
        # the per-series checks still say what happened to each; raw/observations is not
        # materialized, so its freshness policy sees the outage and nothing downstream runs
        yield from checks
        raise dg.Failure(
            description=failure,
            metadata={
                "failed_series": ", ".join(r.series_id for r in report.failed),
                "series_landed": len(report.results) - len(report.failed),
            },
        )
    if report.failed:
        context.log.warning(
            f"{len(report.failed)} of {len(report.results)} series not landed (the run goes on "
            "without them): "
            + "; ".join(f"{r.series_id} ({r.status}): {r.error}" for r in report.failed)
        )
    rows = [_series_row(r) for r in report.results]
    landed = [r for r in report.results if r.ok]
    total_rows = sum(r.stored_rows or 0 for r in report.results)
    yield dg.MaterializeResult(
        asset_key=OBSERVATIONS,
        metadata={
            "source": source.name,
            "warehouse": dg.MetadataValue.path(str(warehouse.file)),
            "series_landed": len(landed),
            "series_failed": len(report.failed),
            "failed_series": ", ".join(r.series_id for r in report.failed) or "none",
            "dagster/row_count": total_rows,
            "rows_inserted": sum(r.counts.inserted for r in landed),
            "rows_updated": sum(r.counts.updated for r in landed),
            "series": dg.MetadataValue.table(
                records=[dg.TableRecord(row) for row in rows], schema=_TABLE_SCHEMA
            ),
        },
        check_results=checks,
    )
    for key in (LOAD_LOG, REVISIONS, WAREHOUSE_META):
        yield dg.MaterializeResult(asset_key=key)
