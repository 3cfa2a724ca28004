"""The connection ledger that evens out keep-alive connections over ``modops serve`` workers.

Workers are separate processes, so the other workers here are real child processes holding
their own slots of the same ledger file.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from modops.serving.balance import ConnectionLedger

CHILD = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from modops.serving.balance import ConnectionLedger
    book = ConnectionLedger(Path(sys.argv[1]))
    for _ in range(int(sys.argv[2])):
        book.opened()
    print(book.slot, flush=True)
    sys.stdin.read()  # hold the slot until the parent closes our stdin
    if sys.argv[3] == "close":
        book.close()
    """
)


class Worker:
    """Another worker process with ``n`` open connections in the ledger at ``path``."""

    def __init__(self, path: Path, n: int, close: bool = True) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(path), str(n), "close" if close else "crash"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.slot = int(self.proc.stdout.readline())
        self.pid = self.proc.pid

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        self.proc.wait(30)


@pytest.fixture()
def path(tmp_path: Path) -> Path:
    return tmp_path / "connections"


def test_each_worker_gets_its_own_slot_and_sees_the_others(path: Path) -> None:
    a, b = Worker(path, 3), Worker(path, 1)
    try:
        book = ConnectionLedger(path)
        try:
            assert len({a.slot, b.slot, book.slot}) == 3
            book.opened()
            book.opened()
            assert book.counts() == {a.pid: 3, b.pid: 1, os.getpid(): 2}
        finally:
            book.close()
    finally:
        a.stop()
        b.stop()


def test_one_ledger_per_process(path: Path) -> None:
    book = ConnectionLedger(path)
    try:
        with pytest.raises(RuntimeError, match="already has a ledger"):
            ConnectionLedger(path)
    finally:
        book.close()


def test_sheds_only_the_excess_over_the_least_loaded_worker(path: Path) -> None:
    other = Worker(path, 0)
    book = ConnectionLedger(path)
    try:
        for _ in range(8):  # all 8 connections of a burst landed on this worker
            book.opened()
        decisions = [book.should_shed() for _ in range(8)]
        # 8/0 → 4/4: four connections are told to close, and no more while those are in flight
        assert decisions.count(True) == 4 and decisions[:4] == [True] * 4
        for _ in range(4):
            book.closed(shed=True)
        # those four have not reconnected (elsewhere) yet: 4/0 is still uneven, on to 2/2
        assert book.count == 4 and [book.should_shed() for _ in range(4)] == [True, True, False, False]
    finally:
        book.close()
        other.stop()


@pytest.mark.parametrize(
    ("mine", "theirs", "sheds"),
    [
        (5, 4, 0),  # odd total: 5/4 is as even as it gets
        (6, 3, 1),  # 9 over 2 workers: one moves (5/4)
        (6, 2, 2),
        (1, 0, 0),  # a single connection never moves
        (4, 4, 0),
        (3, 4, 0),  # the other worker is the busier one: it sheds, not us
    ],
)
def test_shed_rule(path: Path, mine: int, theirs: int, sheds: int) -> None:
    other = Worker(path, theirs)
    book = ConnectionLedger(path)
    try:
        for _ in range(mine):
            book.opened()
        assert sum(book.should_shed() for _ in range(mine)) == sheds
    finally:
        book.close()
        other.stop()


def test_alone_it_never_sheds(path: Path) -> None:
    book = ConnectionLedger(path)
    try:
        for _ in range(10):
            book.opened()
        assert not any(book.should_shed() for _ in range(10))
    finally:
        book.close()


def test_a_crashed_worker_is_forgotten(path: Path) -> None:
    crashed = Worker(path, 5, close=False)  # exits without clearing its slot
    book = ConnectionLedger(path)
    try:
        assert book.counts()[crashed.pid] == 5
        crashed.stop()
        time.sleep(0.05)
        assert crashed.pid not in book.counts()  # its lock went with it: slot cleared
        for _ in range(4):
            book.opened()
        assert not book.should_shed()  # nobody left to hand connections to
        # its slot is free for a new worker
        again = Worker(path, 0)
        try:
            assert again.slot == crashed.slot
        finally:
            again.stop()
    finally:
        book.close()


def test_an_unusable_ledger_turns_balancing_off(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from modops.serving import balance

    monkeypatch.setattr(balance, "_ledger_pid", 0)
    monkeypatch.setattr(balance, "_ledger", None)
    monkeypatch.setenv(balance.LEDGER_ENV, str(tmp_path / "no-such-dir" / "connections"))
    with caplog.at_level("WARNING", logger="modops.serving"):
        assert balance.ledger() is None  # the worker serves, just without balancing
    assert "connection balancing off" in caplog.text
    monkeypatch.delenv(balance.LEDGER_ENV)
    monkeypatch.setattr(balance, "_ledger_pid", 0)
    assert balance.ledger() is None  # a single worker: no ledger at all
