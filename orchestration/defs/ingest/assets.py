"""Raw landing as Dagster assets: every catalog series into ``raw.observations``.

One multi-asset lands all series (writes to the single DuckDB file are serialized anyway) and
reports each series on its own: one landing check (``valid_series``) whose result holds a
per-series table (status, rule, error, counts), and a per-series table (dates, last value,
counts) in the materialization metadata. A series that fails is named with its rule and value
in the check's description and table and in ``raw.load_log``; the others still land, and the
run goes on to dbt with them.
"""

import dagster as dg

from ingestion.catalog import load_catalog
from ingestion.landing import (
    DEFAULT_LOOKBACK_DAYS,
    DEFAULT_MAX_FAILED_SHARE,
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


#: the one landing check on raw/observations: every selected series, one row each in its
#: metadata table (issue 15: one check spec per series cost run creation and one event each)
SERIES_CHECK = "valid_series"


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


_CHECK_SCHEMA = dg.TableSchema(
    columns=[
        dg.TableColumn("series_id", "string"),
        dg.TableColumn("status", "string"),
        dg.TableColumn("last_date", "string"),
        dg.TableColumn("rows_fetched", "int"),
        dg.TableColumn("rows_inserted", "int"),
        dg.TableColumn("rows_updated", "int"),
        dg.TableColumn("rule", "string"),
        dg.TableColumn("error", "string"),
    ]
)


def _check_row(r: SeriesResult) -> dict:
    c = r.counts
    return {
        "series_id": r.series_id,
        "status": r.status,
        "last_date": str(r.last_date) if r.last_date else None,
        "rows_fetched": c.fetched if c else None,
        "rows_inserted": c.inserted if c else None,
        "rows_updated": c.updated if c else None,
        "rule": r.rule,
        "error": r.error,
    }


def _check_result(results: list[SeriesResult]) -> dg.AssetCheckResult:
    """The landing check: passed when every selected series landed.

    A failed series is named, with its status, rule and error, in the check's description, in
    ``failed_series`` and in its row of the ``series`` table (and in ``raw.load_log``). Bad
    data makes it an error; series the source does not offer alone make it a warning.
    """
    failed = [r for r in results if not r.ok]
    bad = [r for r in failed if r.status != UNAVAILABLE]
    if failed:
        description = (
            f"landed {len(results) - len(failed)} of {len(results)} series; not landed: "
            + "; ".join(
                f"{r.series_id} ({r.status}{', ' + r.rule if r.rule else ''}): {r.error}"
                for r in failed
            )
        )
    else:
        description = f"all {len(results)} series passed their rules and landed"
    return dg.AssetCheckResult(
        asset_key=OBSERVATIONS,
        check_name=SERIES_CHECK,
        passed=not failed,
        severity=dg.AssetCheckSeverity.ERROR if bad else dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={
            "series_checked": len(results),
            "series_failed": len(failed),
            "failed_series": ", ".join(r.series_id for r in failed) or "none",
            "series": dg.MetadataValue.table(
                records=[dg.TableRecord(_check_row(r)) for r in results], schema=_CHECK_SCHEMA
            ),
        },
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
            SERIES_CHECK,
            asset=OBSERVATIONS,
            description=(
                "Every selected catalog series: pandera rules before landing - ISO dates, "
                "unique and increasing; values finite and inside the series' catalog range "
                "(valid_min, valid_max). One row per series in the result's `series` table; "
                "failed series are named in its description and `failed_series`."
            ),
        )
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
    check = _check_result(report.results)
    failure = report.failure(config.max_failed_share)
    if failure:
        # the check's table still says what happened to each series; raw/observations is not
        # materialized, so its freshness policy sees the outage and nothing downstream runs
        yield check
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
        check_results=[check],
    )
    for key in (LOAD_LOG, REVISIONS, WAREHOUSE_META):
        yield dg.MaterializeResult(asset_key=key)
