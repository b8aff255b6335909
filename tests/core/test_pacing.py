"""The import's pacing: a share of a core while the machine is busy, full speed while it is not."""

from __future__ import annotations

import time

import pytest

from lanyan.core.pacing import CpuPacer, _machine_busy_s


def _spin(seconds: float) -> None:
    end = time.process_time() + seconds
    while time.process_time() < end:
        pass


class _Machine:
    """A machine whose other processes keep ``others`` cores busy (plus this process's own CPU)."""

    def __init__(self, others: float) -> None:
        self.others = others
        self._t0 = time.monotonic()
        self._cpu0 = time.process_time()

    def busy_s(self) -> float:
        return (time.monotonic() - self._t0) * self.others + time.process_time() - self._cpu0


def _share_of_work(others: float, share: float) -> tuple[float, float]:
    """Spin 0.3 s of CPU in 10 ms steps, pacing after each; (CPU / wall, seconds slept)."""
    machine = _Machine(others)
    pacer = CpuPacer(share, interval_s=0.02, cores=2, machine_busy_s=machine.busy_s)
    wall0, cpu0 = time.monotonic(), time.process_time()
    for _ in range(30):
        _spin(0.01)
        pacer.pace()
    return (time.process_time() - cpu0) / (time.monotonic() - wall0), pacer.slept_s


def test_a_busy_machine_gets_most_of_the_work_back() -> None:
    used, slept = _share_of_work(others=1.8, share=0.25)
    assert slept > 0.5
    assert used < 0.35


def test_a_quiet_machine_lets_the_work_run_flat_out() -> None:
    used, slept = _share_of_work(others=0.1, share=0.25)
    assert slept == 0
    assert used > 0.6


def test_without_a_view_of_the_machine_the_share_always_holds() -> None:
    pacer = CpuPacer(0.5, interval_s=0.02, machine_busy_s=lambda: None)
    wall0, cpu0 = time.monotonic(), time.process_time()
    for _ in range(20):
        _spin(0.01)
        pacer.pace()
    assert (time.process_time() - cpu0) / (time.monotonic() - wall0) < 0.65


def test_the_share_is_checked() -> None:
    with pytest.raises(ValueError):
        CpuPacer(0)
    with pytest.raises(ValueError):
        CpuPacer(1.5)


def test_the_machine_view_reads_this_linux_machine() -> None:
    first = _machine_busy_s()
    assert first is not None
    _spin(0.05)
    second = _machine_busy_s()
    assert second is not None and second >= first
