"""Headless-Chromium screenshots of the Dagster UI (and, if running, the Superset dashboard).

    .venv/bin/python docs/screenshots.py OUT_DIR [--superset http://127.0.0.1:8088]

Starts ``dagster-webserver`` on 127.0.0.1 with a free port against this clone's instance
(``.dagster_home``, so the runs of ``make run`` are there), captures the asset graph, the
``marts/hedge_scorecard`` page, its Plots tab and the latest run, then stops the server. Needs
the Debian ``chromium`` package. The images are for people to look at; nothing is asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--hide-scrollbars",
]


def shoot(url: str, out: Path, size: str = "1600,1000", wait_ms: int = 25000) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        sys.exit("chromium not found: apt-get install chromium")
    subprocess.run(
        [
            chromium,
            *CHROMIUM_FLAGS,
            f"--window-size={size}",
            f"--virtual-time-budget={wait_ms}",
            f"--screenshot={out}",
            url,
        ],
        check=True,
        timeout=400,
        capture_output=True,
    )
    print(f"{out}  <- {url}")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _latest_run_id() -> str | None:
    import dagster as dg

    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(limit=1)
        return runs[0].run_id if runs else None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("out", type=Path)
    parser.add_argument("--superset", help="base URL of a running `make bi`")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("DAGSTER_HOME", str(ROOT / ".dagster_home"))
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-webserver")), "-h", "127.0.0.1",
         "-p", str(port)],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/server_info", timeout=5)
                break
            except OSError:
                time.sleep(1)
        # the "join the community" dialog covers the page until dismissed once per instance
        request = urllib.request.Request(
            f"{base}/graphql",
            data=b'{"query": "mutation SetNuxSeen { setNuxSeen }"}',
            headers={"Content-Type": "application/json"},
        )
        urllib.request.urlopen(request, timeout=30).read()
        shoot(f"{base}/asset-groups", args.out / "dagster_asset_graph.png", "1800,1100")
        shoot(f"{base}/assets/marts/hedge_scorecard", args.out / "dagster_mart_page.png")
        shoot(
            f"{base}/assets/marts/hedge_scorecard?view=events",
            args.out / "dagster_mart_events.png",
        )
        shoot(f"{base}/assets/marts/hedge_scorecard?view=checks", args.out / "dagster_checks.png")
        run_id = _latest_run_id()
        if run_id:
            shoot(f"{base}/runs/{run_id}", args.out / "dagster_run.png", "1800,1100")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
    if args.superset:
        shoot(
            f"{args.superset}/superset/dashboard/bondhedge/?standalone=1",
            args.out / "superset_dashboard.png",
            "1600,1900",
            40000,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
