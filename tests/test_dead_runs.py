"""A run killed in any step never holds the run queue (issue 14, case 1).

Real processes throughout: a `dagster job execute` run in a sandbox instance (the repository's
dagster.yaml, a tmp DAGSTER_HOME), killed -9 in its report step (outside the writer pool, so the
in-run pool cleanup never saw it); then a real `dagster-daemon` and a run submitted to its queue
with `dagster job launch`. Before the fix the dead run stayed STARTED and the queued run waited
forever ("1 runs are currently in progress. Maximum is 1, won't launch more.").
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import dagster as dg
import pytest

from tests.test_faults import BIN, Run, Sandbox, wait_until


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    sb = Sandbox(tmp_path_factory.mktemp("dead_runs"))
    (sb.root / "workspace.yaml").write_text(
        "load_from:\n"
        "  - python_module:\n"
        "      module_name: orchestration.definitions\n"
        f"      working_directory: {sb.root}\n"
    )
    yield sb
    for run in sb.runs:
        if run.proc.poll() is None:
            os.killpg(run.proc.pid, signal.SIGKILL)
            run.proc.wait()


def run_status(sb: Sandbox, run_id: str) -> dg.DagsterRunStatus:
    with sb.instance() as instance:
        return instance.get_run_by_id(run_id).status


@pytest.mark.slow
def test_run_killed_in_report_step_does_not_hold_the_queue(sandbox):
    sb = sandbox
    killed = Run(sb, "killed_in_report")
    wait_until(
        lambda: killed.count("reports__hedge_report - STEP_START") > 0,
        900,
        "the report step",
        killed,
        every=0.2,
    )
    killed.kill()
    with sb.instance() as instance:
        (dead,) = instance.get_runs(limit=1)
    assert dead.status == dg.DagsterRunStatus.STARTED  # what a kill -9 leaves behind

    daemon = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
        cwd=sb.root, env=sb.env(), stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    try:
        launched = subprocess.run(
            [str(BIN / "dagster"), "job", "launch", "-w", "workspace.yaml", "-j", "transform_only"],
            cwd=sb.root, env=sb.env(), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
        assert launched.returncode == 0, launched.stdout + launched.stderr
        with sb.instance() as instance:
            queued = next(r for r in instance.get_runs(limit=2) if r.run_id != dead.run_id)
        # the daemon's run monitoring fails the dead run, then the queue starts the new one
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if run_status(sb, queued.run_id) not in (
                dg.DagsterRunStatus.QUEUED,
                dg.DagsterRunStatus.NOT_STARTED,
            ):
                break
            time.sleep(1)
        else:
            pytest.fail(
                f"the queued run never started; the killed run is {run_status(sb, dead.run_id)}"
            )
        assert run_status(sb, dead.run_id) == dg.DagsterRunStatus.FAILURE
        with sb.instance() as instance:
            failure = instance.all_logs(dead.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
        assert "is gone (killed or crashed)" in failure[-1].message
        assert "Relaunch it" in failure[-1].message
    finally:
        import psutil

        children = psutil.Process(daemon.pid).children(recursive=True)
        os.killpg(daemon.pid, signal.SIGKILL)
        for child in children:  # the code server and the run worker it started
            with contextlib.suppress(psutil.Error):
                child.kill()
        daemon.wait()
