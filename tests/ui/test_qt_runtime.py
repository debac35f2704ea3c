"""The Qt binding itself: defects of a PySide6 release that would take the editor down."""

from __future__ import annotations

import sys

from PySide6.QtCore import QObject, Signal


class _Emitter(QObject):
    fired = Signal(object)


def test_emitting_signals_keeps_the_reference_counts_of_true_and_none():
    # PySide6 6.12.0 returns True from Signal.emit() without a reference of its
    # own: every emit drops one, and after some ten thousand signals (progress,
    # results, status) the interpreter aborts with "deallocating True or False".
    emitter = _Emitter()
    received = [0]

    def count(value) -> None:          # keeps no reference to what it receives
        received[0] += 1

    emitter.fired.connect(count)
    before = sys.getrefcount(True), sys.getrefcount(None)
    for i in range(500):
        emitter.fired.emit(None if i % 2 else i)
    after = sys.getrefcount(True), sys.getrefcount(None)
    assert received[0] == 500
    assert abs(after[0] - before[0]) < 50, f"True lost {before[0] - after[0]} references"
    assert abs(after[1] - before[1]) < 50, f"None lost {before[1] - after[1]} references"
