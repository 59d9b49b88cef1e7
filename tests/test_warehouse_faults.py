"""The working warehouse under a corrupt file and a stray reader (issue 14, case 4).

Real DuckDB files and a real second process: only DuckDB's lock conflict is waited out;
corruption fails at once naming the file and the recovery; a reader holding the working file is
named (pid, command line) in a log line within seconds, with the fix.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time

import duckdb
import pytest

from ingestion.warehouse import WarehouseBusy, WarehouseDamaged, open_warehouse

READER = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1], read_only=True); "
    "print('open', flush=True); time.sleep(120)"
)


def corrupt(path) -> None:
    """Garbage over the first data blocks ("block" contains "lock": the old retry matched it)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create table t as select range as a from range(100000)")
    with open(path, "r+b") as fh:
        fh.seek(12288)
        fh.write(os.urandom(3 * 262144))


def test_corruption_fails_at_once_naming_the_file_and_the_recovery(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    corrupt(path)
    began = time.monotonic()
    with pytest.raises(WarehouseDamaged) as info, open_warehouse(path, lock_timeout_seconds=20):
        pass
    assert time.monotonic() - began < 5  # not the lock timeout
    message = str(info.value)
    assert str(path) in message and "checksum" in message
    assert "rebuilds the working warehouse" in message and "published file" in message


def test_not_a_duckdb_file_fails_at_once(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    path.write_bytes(b"garbage" * 1000)
    with (
        pytest.raises(WarehouseDamaged, match="not a valid DuckDB"),
        open_warehouse(path, lock_timeout_seconds=20),
    ):
        pass


@pytest.fixture
def reader(tmp_path):
    path = tmp_path / "warehouse.duckdb"
    with open_warehouse(path):
        pass
    proc = subprocess.Popen(
        [sys.executable, "-c", READER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().strip() == "open"
    yield path, proc
    proc.kill()
    proc.wait()


def test_a_reader_on_the_working_file_is_named_within_seconds(reader, caplog):
    path, proc = reader
    caplog.set_level(logging.WARNING, logger="ingestion.warehouse")
    opened = threading.Event()

    def writer() -> None:
        with open_warehouse(path, lock_timeout_seconds=60):
            opened.set()

    thread = threading.Thread(target=writer, daemon=True)
    began = time.monotonic()
    thread.start()
    while time.monotonic() - began < 5 and not caplog.records:
        time.sleep(0.1)
    assert caplog.records, "no log line while a reader held the working warehouse"
    line = caplog.records[0].getMessage()
    assert f"process {proc.pid}" in line and str(path) in line
    assert "close it" in line and "published file" in line
    assert not opened.is_set()
    proc.kill()  # the reader goes away: the writer gets the file
    thread.join(timeout=30)
    assert opened.is_set()


def test_a_reader_outlasting_the_timeout_fails_naming_it(reader):
    path, proc = reader
    with pytest.raises(WarehouseBusy) as info, open_warehouse(path, lock_timeout_seconds=2):
        pass
    assert f"process {proc.pid}" in str(info.value) and "close it" in str(info.value)
