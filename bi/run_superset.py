"""``make bi``: Apache Superset on the published file, with the bondhedge dashboard.

Superset lives in its own venv (``.venv-superset``, from ``bi/requirements.txt``); this module
only drives it (stdlib only, so it runs from either venv):

    python -m bi.run_superset setup  [--published PATH]   metadata DB, admin, dashboard import
    python -m bi.run_superset serve  [--host H --port P]  setup, then serve on H:P

The dashboard's export files (``bi/dashboard/``, written by ``bi/build_dashboard.py``) are
zipped with the published file's absolute path filled in and imported by uuid, so re-running
updates it in place.
"""

from __future__ import annotations

import argparse
import os
import secrets
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BI = ROOT / "bi"
VENV = ROOT / ".venv-superset"
PLACEHOLDER = "__BONDHEDGE_PUBLISHED__"
ADMIN_PASSWORD_FILE = "admin_password"


def superset_env(home: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SUPERSET_HOME=str(home),
        SUPERSET_CONFIG_PATH=str(BI / "superset_config.py"),
        FLASK_APP="superset.app:create_app()",
        SUPERSET_LOAD_EXAMPLES="no",
        PYTHONWARNINGS="ignore",
        DO_NOT_TRACK="1",
        SCARF_ANALYTICS="false",
    )
    return env


def bundle(published: Path, out: Path) -> Path:
    """A Superset import zip of ``bi/dashboard`` pointing at ``published``."""
    src = BI / "dashboard"
    with zipfile.ZipFile(out, "w") as zf:
        for path in sorted(src.rglob("*.yaml")):
            text = path.read_text().replace(PLACEHOLDER, str(published.resolve()))
            zf.writestr(f"bondhedge_dashboard/{path.relative_to(src)}", text)
    return out


def setup(home: Path, published: Path, log=None) -> str:
    """Create or upgrade Superset's metadata DB, import the dashboard; return the admin password."""
    home.mkdir(parents=True, exist_ok=True)
    key = home / "secret_key"
    if not key.exists():
        key.write_text(secrets.token_urlsafe(42))
        key.chmod(0o600)
    pw_file = home / ADMIN_PASSWORD_FILE
    if not pw_file.exists():
        pw_file.write_text(secrets.token_urlsafe(12))
        pw_file.chmod(0o600)
    password = pw_file.read_text().strip()
    env = superset_env(home)
    out = log or sys.stdout
    subprocess.run(
        [str(VENV / "bin" / "superset"), "db", "upgrade"],
        env=env, check=True, stdout=out, stderr=subprocess.STDOUT, cwd=home,
    )  # fmt: skip
    zipped = bundle(published, home / "bondhedge_dashboard.zip")
    subprocess.run(
        [str(VENV / "bin" / "python"), str(BI / "superset_setup.py"), str(zipped), password],
        env=env, check=True, stdout=out, stderr=subprocess.STDOUT, cwd=home,
    )  # fmt: skip
    return password


def start(home: Path, host: str, port: int, log) -> subprocess.Popen:
    """Start Superset's web server (threaded) in the background; returns the process."""
    return subprocess.Popen(
        [str(VENV / "bin" / "superset"), "run", "-h", host, "-p", str(port), "--with-threads"],
        env=superset_env(home), stdout=log, stderr=subprocess.STDOUT, cwd=home,
        start_new_session=True,
    )  # fmt: skip


def wait_until_up(host: str, port: int, timeout: float = 180.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://{host}:{port}/health", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(1)
    raise TimeoutError(f"Superset did not answer on {host}:{port} within {timeout:.0f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bi.run_superset", description=__doc__)
    parser.add_argument("command", choices=("setup", "serve"))
    parser.add_argument("--published", type=Path, default=ROOT / "data/published/bondhedge.duckdb")
    parser.add_argument("--home", type=Path, default=ROOT / "data" / "superset")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8088)
    args = parser.parse_args(argv)
    if not (VENV / "bin" / "superset").exists():
        print("Superset is not installed: run `make bi` (it installs .venv-superset)")
        return 1
    if not args.published.exists():
        print(f"no published file at {args.published}: run `make run` first")
        return 1
    args.home.mkdir(parents=True, exist_ok=True)
    log_path = args.home / "setup.log"
    print(f"Superset: setting up (log: {log_path}) …", flush=True)
    with open(log_path, "w") as log:
        password = setup(args.home, args.published, log)
    if args.command == "setup":
        print("Superset: set up; start it with `make bi`")
        return 0
    url = f"http://{args.host}:{args.port}/superset/dashboard/bondhedge/"
    print(
        f"Superset: dashboard at {url}\n"
        f"  viewing needs no login; to edit: user admin, password {password}\n"
        f"  (stored in {args.home / ADMIN_PASSWORD_FILE}); Ctrl-C stops the server",
        flush=True,
    )
    with open(args.home / "server.log", "a") as log:
        proc = start(args.home, args.host, args.port, log)
        try:
            return proc.wait()
        except KeyboardInterrupt:
            proc.terminate()
            return proc.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
