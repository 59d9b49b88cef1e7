"""``bondhedge``: the answer, the report and the pipeline's state from a terminal.

    bondhedge answer  [--published PATH]              headline, answer table, regime tables
    bondhedge report  [--published PATH] [--out DIR]  charts + report.html
    bondhedge status  [--published PATH]              published file age, source, last publish
    bondhedge land    [--source sample|fred|csv]      land every series, one line per series

Every command but ``land`` reads only the published analytics file, read-only, like a BI
client; ``land`` writes the working warehouse under its writer lock. Paths default to the
same environment variables the pipeline uses (BONDHEDGE_SOURCE, BONDHEDGE_PUBLISHED,
BONDHEDGE_WAREHOUSE, BONDHEDGE_CSV_DIR).
"""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import time
from datetime import UTC, date, datetime
from pathlib import Path

from ingestion.sources import SOURCE_NAMES
from orchestration.lib import settings

WIDTH = 100


def _published(args) -> Path:
    if args.published:
        return Path(args.published).expanduser().resolve()
    return settings.published_path(args.source)


#: how to build each source's published file (bondhedge_<source>.duckdb; sample: bondhedge)
BUILD_COMMANDS = {
    "sample": "make run",
    "fred": "make run SOURCE=fred",
    "csv": "make run SOURCE=csv CSV_DIR=path/to/folder-of-FRED-csv-files",
}


def _missing(path: Path) -> int:
    stem = path.name.removesuffix(".duckdb")
    source = stem.removeprefix("bondhedge_") if stem.startswith("bondhedge_") else "sample"
    command = BUILD_COMMANDS.get(source, "make run")
    print(
        f"bondhedge: no published analytics file at {path}\n"
        f"  build one with `{command}` (or `python -m orchestration.run` with "
        f"BONDHEDGE_SOURCE={source}), or pass --published PATH",
        file=sys.stderr,
    )
    return 2


def _banner(text: str) -> str:
    line = f"!! {text} !!"
    if sys.stdout.isatty() and not os.environ.get("NO_COLOR"):
        return f"\033[1;97;41m {line} \033[0m"
    bar = "!" * len(line)
    return f"{bar}\n{line}\n{bar}"


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min" if minutes else f"{seconds} s"


# --------------------------------------------------------------------------------------------
# commands


def cmd_answer(args) -> int:
    from orchestration.lib import report

    path = _published(args)
    if not path.is_file():
        return _missing(path)
    con = report.connect(path)
    try:
        prov = report.read_provenance(con, path)
        answer = report.read_answer(con)
        paragraphs = report.headline(con, answer)
        regimes = [
            (title, *report.regime_table(con, dimension, values))
            for dimension, values, title in report.REGIME_TABLES
        ]
    finally:
        con.close()
    out = []
    if prov.is_synthetic:
        out += [_banner(f"{report.SYNTHETIC_BANNER}: simulated series, not FRED"), ""]
    out += [
        "Do bonds go up when stocks fall? (monthly total returns, S&P 500 down months)",
        textwrap.fill(prov.footer(), WIDTH, break_on_hyphens=False),
        "",
        report.wrap(paragraphs, WIDTH),
        "",
        report.format_answer_text(answer, WIDTH),
    ]
    for title, header, rows in regimes:
        if rows:
            out += ["", f"By {title} (hit rate, 95% CI, down months):"]
            out.append(report.format_table_text(header, rows))
    if prov.is_synthetic:
        out += ["", _banner(report.SYNTHETIC_BANNER)]
    print("\n".join(out))
    return 0


def cmd_report(args) -> int:
    from orchestration.lib import report

    path = _published(args)
    if not path.is_file():
        return _missing(path)
    out_dir = Path(args.out).expanduser().resolve() if args.out else report.default_report_dir(path)
    started = time.monotonic()
    result = report.build_report(path, out_dir)
    if result.provenance.is_synthetic:
        print(_banner(report.SYNTHETIC_BANNER))
    print(f"report: {result.html}")
    for chart in result.charts:
        print(f"  {chart.name:<20} {chart.path}")
    print(f"built in {time.monotonic() - started:.1f} s from {path} ({result.provenance.footer()})")
    return 0


def cmd_status(args) -> int:
    from orchestration.lib.report import connect, default_report_dir, read_provenance

    path = _published(args)
    now = time.time()
    rows: list[tuple[str, str]] = []
    if not path.is_file():
        rows.append(("published file", f"{path} (missing: nothing published yet)"))
    else:
        stat = path.stat()
        modified = datetime.fromtimestamp(stat.st_mtime, UTC)
        rows.append(("published file", str(path)))
        rows.append(
            (
                "  file age",
                f"{_age(now - stat.st_mtime)} (modified {modified:%Y-%m-%d %H:%M} UTC, "
                f"{stat.st_size / 1e6:.1f} MB)",
            )
        )
        con = connect(path)
        try:
            prov = read_provenance(con, path)
            tables, total = con.execute(
                "select count(*), coalesce(sum(row_count), 0) from meta.published_tables"
            ).fetchone()
            as_of = con.execute("select max(as_of_date) from marts.hedge_monitor_latest").fetchone()
        finally:
            con.close()
        source = f"{prov.data_source}: {prov.label}"
        rows.append(("  source", source + ("  <-- SYNTHETIC" if prov.is_synthetic else "")))
        if prov.published_at:
            ago = _age(now - prov.published_at.replace(tzinfo=UTC).timestamp())
            rows.append(
                (
                    "  last publish",
                    f"{prov.published_at:%Y-%m-%d %H:%M:%S} UTC ({ago} ago), run {prov.run_id}",
                )
            )
        rows.append(("  publications", str(prov.publications)))
        rows.append(("  tables", f"{tables} ({total:,} rows)"))
        rows.append(("  data as of", str(as_of[0]) if as_of and as_of[0] else "?"))
    source = args.source or settings.source_name()
    warehouse = settings.warehouse_path(source)
    if warehouse.is_file():
        age = _age(now - warehouse.stat().st_mtime)
        rows.append(("working warehouse", f"{warehouse} (modified {age} ago)"))
    else:
        rows.append(("working warehouse", f"{warehouse} (missing)"))
    html = default_report_dir(path) / "report.html"
    if html.is_file():
        note = ""
        if path.is_file() and html.stat().st_mtime < path.stat().st_mtime:
            note = "; older than the published file: run `bondhedge report`"
        rows.append(("report", f"{html} (built {_age(now - html.stat().st_mtime)} ago{note})"))
    else:
        rows.append(("report", f"{html} (not built: run `bondhedge report`)"))
    width = max(len(k) for k, _ in rows) + 2
    print("\n".join(f"{k:<{width}}{v}" for k, v in rows))
    return 0 if path.is_file() else 1


def cmd_land(args) -> int:
    from ingestion.catalog import load_catalog
    from ingestion.landing import FAILED, INVALID, LANDED, land_series_batch
    from ingestion.sources import make_source

    source_name = args.source or settings.source_name()
    options: dict = {}
    end = args.sample_end_date or os.environ.get("BONDHEDGE_SAMPLE_END_DATE")
    if source_name == "sample" and end:
        options["end_date"] = date.fromisoformat(end)
    if source_name == "csv":
        options["csv_dir"] = args.csv_dir or os.environ.get("BONDHEDGE_CSV_DIR")
    try:
        source = make_source(source_name, **options)
    except Exception as exc:  # a missing API key or csv folder: say so, no traceback
        print(f"bondhedge land: cannot use source {source_name!r}: {exc}", file=sys.stderr)
        return 2
    catalog = load_catalog()
    if args.series:
        wanted = {s.upper() for s in args.series}
        unknown = wanted - {s.series_id for s in catalog}
        if unknown:
            print(
                f"bondhedge land: not in the catalog: {', '.join(sorted(unknown))}", file=sys.stderr
            )
            return 2
        catalog = [s for s in catalog if s.series_id in wanted]
    warehouse = (
        Path(args.warehouse).expanduser().resolve()
        if args.warehouse
        else settings.warehouse_path(source_name)
    )
    total = len(catalog)
    print(f"landing {total} series from {source_name} into {warehouse}", flush=True)
    started = time.monotonic()
    done = 0

    def progress(result) -> None:
        nonlocal done
        done += 1
        counts = result.counts
        if result.status == LANDED and counts:
            detail = (
                f"{result.stored_rows or 0:>7,} rows  +{counts.inserted:,} new "
                f"~{counts.updated:,} revised  to {result.last_date}"
            )
        else:
            detail = (result.error or "").splitlines()[0][:60] if result.error else ""
        print(
            f"[{done:>{len(str(total))}}/{total}] {result.series_id:<14} {result.status:<11} "
            f"{detail}  ({time.monotonic() - started:.1f} s)",
            flush=True,
        )

    report = land_series_batch(
        warehouse,
        source,
        catalog,
        lookback_days=args.lookback_days,
        fetch_workers=args.workers,
        on_result=progress,
    )
    statuses = [r.status for r in report.results]
    summary = ", ".join(
        f"{statuses.count(s)} {s}" for s in dict.fromkeys(statuses) if statuses.count(s)
    )
    print(f"done in {time.monotonic() - started:.1f} s: {summary} (run {report.run_id})")
    if any(s in (INVALID, FAILED) for s in statuses):
        print("some series were not landed: see the lines above and raw.load_log", file=sys.stderr)
        return 1
    return 0


# --------------------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="bondhedge",
        description="Do bonds go up when stocks fall, and when don't they?",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def published_options(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--published",
            metavar="PATH",
            help="published analytics file (default: BONDHEDGE_PUBLISHED or the source's)",
        )
        p.add_argument(
            "--source",
            choices=SOURCE_NAMES,
            help="which source's default files to use (default: BONDHEDGE_SOURCE or sample)",
        )

    p = sub.add_parser("answer", help="print the headline answer table")
    published_options(p)
    p.set_defaults(func=cmd_answer)

    p = sub.add_parser("report", help="build the charts and report.html")
    published_options(p)
    p.add_argument("--out", metavar="DIR", help="output folder (default: data/reports/<file>)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("status", help="published file age, source and last publish run")
    published_options(p)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("land", help="land every catalog series, with a line per series")
    p.add_argument("--source", choices=SOURCE_NAMES, help="default: BONDHEDGE_SOURCE")
    p.add_argument("--csv-dir", metavar="DIR", help="folder of FRED-format CSVs (source csv)")
    p.add_argument("--warehouse", metavar="PATH", help="working warehouse (default: settings)")
    p.add_argument("--series", nargs="+", metavar="ID", help="only these series (e.g. DGS10)")
    p.add_argument("--sample-end-date", metavar="YYYY-MM-DD", help="last date of the sample")
    p.add_argument("--lookback-days", type=int, default=30, help="revision look-back (30)")
    p.add_argument("--workers", type=int, default=4, help="parallel fetches (4)")
    p.set_defaults(func=cmd_land)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # `bondhedge answer | head`
        return 0


if __name__ == "__main__":
    sys.exit(main())
