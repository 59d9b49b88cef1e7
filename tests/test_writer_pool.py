"""The writer pool's slot is never held by two runs, even when they claim it in the same instant.

Real processes claim the ``duckdb_writer`` slot through real instances built from the
repository's ``dagster.yaml`` (Dagster's SQLite storage under a temporary DAGSTER_HOME), all
aiming at the same instants, as two runs starting together do. Each records when its claim
returned and when it began to free the slot: the true holding time contains that span, so two
spans that overlap are two holders. Without the pool's trigger (``ensure_writer_pool``) this
harness found 41, 31 and 24 overlapping holds in three trials of 40 rounds on Dagster's SQLite
claim alone; with it, none.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

import dagster as dg

from orchestration.run_launcher import ONE_HOLDER_TRIGGER, WRITER_POOL, ensure_writer_pool

CLAIMERS = 4
ROUNDS = 40
#: seconds between rounds: every claimer claims at the round's start, a winner holds the slot
#: for half the round, then each frees what it got
ROUND = 0.25

CLAIMER = """
import json, sys, time
import dagster as dg
home, index, start, rounds, period, pool = sys.argv[1:7]
index, start, rounds, period = int(index), float(start), int(rounds), float(period)
storage = dg.DagsterInstance.from_config(home).event_log_storage
held, blocked = [], 0
for r in range(rounds):
    run_id = f"claimer{index}-round{r}"
    at = start + r * period
    while time.time() < at:
        pass
    status = storage.claim_concurrency_slot(pool, run_id, "land_raw_series")
    claimed = time.time()
    while time.time() < at + period / 2:
        pass
    if status.is_claimed:
        held.append([claimed, time.time()])
    else:
        blocked += 1
    storage.free_concurrency_slots_for_run(run_id)
print(json.dumps({"held": held, "blocked": blocked}))
"""


def test_the_pool_has_one_slot_and_a_held_slot_is_never_given_again(instance_home):
    home = instance_home
    with dg.DagsterInstance.from_config(str(home)) as instance:
        storage = instance.event_log_storage
        ensure_writer_pool(instance)
        ensure_writer_pool(instance)  # every run calls it: idempotent
        assert storage.get_concurrency_info(WRITER_POOL).slot_count == 1
        status = storage.claim_concurrency_slot(WRITER_POOL, "run-a", "land_raw_series")
        assert status.is_claimed
        blocked = storage.claim_concurrency_slot(WRITER_POOL, "run-b", "land_raw_series")
        assert not blocked.is_claimed
        # Dagster's own claim of a slot by id, as a racing run issues it after reading the slot
        # as free: the trigger leaves the holder in place and the claim reads as blocked
        with storage.index_connection() as conn:
            slot_id = conn.exec_driver_sql("SELECT id FROM concurrency_slots").scalar_one()
        assert storage._claim_concurrency_slot(WRITER_POOL, "run-b", "land_raw_series").name == (
            "BLOCKED"
        )
        with storage.index_connection() as conn:
            taken = conn.exec_driver_sql(
                "UPDATE concurrency_slots SET run_id = 'run-c', step_key = 's' WHERE id = ?",
                (slot_id,),
            ).rowcount
        assert taken == 0
        assert [s.run_id for s in storage.get_concurrency_info(WRITER_POOL).claimed_slots] == [
            "run-a"
        ]
        storage.free_concurrency_slots_for_run("run-a")
        # the waiting step gets the slot once it is free, as with Dagster's storage alone
        assert storage.claim_concurrency_slot(WRITER_POOL, "run-b", "land_raw_series").is_claimed
        storage.free_concurrency_slots_for_run("run-b")
        assert storage.get_concurrency_info(WRITER_POOL).claimed_slots == []
    with sqlite3.connect(home / "history" / "runs" / "index.db") as db:
        names = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='trigger'")}
    assert ONE_HOLDER_TRIGGER in names


def test_claims_in_the_same_instant_never_give_the_slot_to_two_runs(instance_home):
    home = instance_home
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    with dg.DagsterInstance.from_config(str(home)) as instance:
        ensure_writer_pool(instance)
    start = time.time() + 8.0  # every claimer imported and waiting before the first round
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                CLAIMER,
                str(home),
                str(i),
                repr(start),
                str(ROUNDS),
                str(ROUND),
                WRITER_POOL,
            ],
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )  # fmt: skip
        for i in range(CLAIMERS)
    ]
    outputs = [json.loads(p.communicate(timeout=180)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    held = sorted(span for o in outputs for span in o["held"])
    overlaps = [(a, b) for a, b in zip(held, held[1:], strict=False) if b[0] < a[1]]
    assert not overlaps, f"{len(overlaps)} times two claimers held the slot at once: {overlaps[:3]}"
    # the slot was contended: it was won in most rounds, and claims were turned away
    assert len(held) >= ROUNDS // 2, f"the slot was held in only {len(held)} of {ROUNDS} rounds"
    assert sum(o["blocked"] for o in outputs) >= ROUNDS, outputs
