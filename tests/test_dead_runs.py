"""A run killed in any step never holds the run queue (issue 14, case 1).

Real processes throughout, in a sandbox instance (the repository's dagster.yaml, a tmp
DAGSTER_HOME) with a real `dagster-daemon`: for each step, a `dagster job execute` run is killed
-9 in that step (the report step is outside the writer pool, so the old in-run pool cleanup never
saw it), then a run submitted to the daemon's queue with `dagster job launch` must start; that
run is killed -9 in turn and must be failed too. Before the fix the dead run stayed STARTED and
the queued run waited forever ("1 runs are currently in progress. Maximum is 1, won't launch
more.").
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time

import dagster as dg
import psutil
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
    with sb.instance():  # create the run storage once: the daemon and a run racing to create
        pass  # it on a fresh DAGSTER_HOME stamp two alembic heads
    yield sb
    for run in sb.runs:
        if run.proc.poll() is None:
            os.killpg(run.proc.pid, signal.SIGKILL)
            run.proc.wait()


def run_status(sb: Sandbox, run_id: str) -> dg.DagsterRunStatus:
    with sb.instance() as instance:
        return instance.get_run_by_id(run_id).status


def kill_tree(pid: int) -> None:
    try:
        proc = psutil.Process(pid)
        procs = [*proc.children(recursive=True), proc]
    except psutil.Error:
        return
    for p in procs:
        with contextlib.suppress(psutil.Error):
            p.kill()


@pytest.fixture(scope="module")
def daemon(sandbox):
    proc = subprocess.Popen(
        [str(BIN / "dagster-daemon"), "run", "-w", "workspace.yaml"],
        cwd=sandbox.root, env=sandbox.env(), stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    yield proc
    children = psutil.Process(proc.pid).children(recursive=True)
    os.killpg(proc.pid, signal.SIGKILL)
    for child in children:  # the code server and any run worker it started
        with contextlib.suppress(psutil.Error):
            child.kill()
    proc.wait()


def wait_for_status(sb, run_id, done, timeout, what) -> dg.DagsterRunStatus:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = run_status(sb, run_id)
        if done(status):
            return status
        time.sleep(1)
    pytest.fail(f"timed out after {timeout}s waiting for {what}; run {run_id} is {status}")


def assert_failed_as_dead(sb: Sandbox, run_id: str, ours: bool = True) -> None:
    status = wait_for_status(
        sb, run_id, lambda s: s != dg.DagsterRunStatus.STARTED, 120, "the dead run to be failed"
    )
    assert status == dg.DagsterRunStatus.FAILURE
    if not ours:  # the code server that started it may notice its worker's death first
        return
    with sb.instance() as instance:
        failure = instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    assert "is gone (killed or crashed)" in failure[-1].message
    assert "Relaunch it" in failure[-1].message


@pytest.mark.slow
@pytest.mark.parametrize(
    "step",
    ["land_raw_series", "bondhedge_dbt_models", "published__bondhedge", "reports__hedge_report"],
)
def test_a_run_killed_in_any_step_does_not_hold_the_queue(sandbox, daemon, step):
    sb = sandbox
    killed = Run(sb, f"killed_in_{step}")
    wait_until(
        lambda: killed.count(f"{step} - STEP_START") > 0, 900, f"step {step}", killed, every=0.2
    )
    killed.kill()
    with sb.instance() as instance:
        dead = instance.get_runs(limit=1)[0]

    launched = subprocess.run(
        [str(BIN / "dagster"), "job", "launch", "-w", "workspace.yaml", "-j", "transform_only"],
        cwd=sb.root, env=sb.env(), capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert launched.returncode == 0, launched.stdout + launched.stderr
    with sb.instance() as instance:
        queued = instance.get_runs(limit=1)[0]
    assert queued.run_id != dead.run_id and queued.job_name == "transform_only"
    # the daemon's run monitoring fails the dead run, then the queue starts the new one
    wait_for_status(
        sb,
        queued.run_id,
        lambda s: s not in (dg.DagsterRunStatus.QUEUED, dg.DagsterRunStatus.NOT_STARTED),
        240,
        f"the queued run to start (the run killed in {step} is {run_status(sb, dead.run_id)})",
    )
    assert_failed_as_dead(sb, dead.run_id)

    # a run the daemon launched, killed in turn, is failed the same way
    wait_for_status(
        sb, queued.run_id, lambda s: s != dg.DagsterRunStatus.STARTING, 120, "run start"
    )
    with sb.instance() as instance:
        starts = instance.all_logs(queued.run_id, of_type=dg.DagsterEventType.RUN_START)
    if run_status(sb, queued.run_id) == dg.DagsterRunStatus.STARTED:
        kill_tree(starts[-1].dagster_event.pid)
        assert_failed_as_dead(sb, queued.run_id, ours=False)
