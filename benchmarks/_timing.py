"""Timing helpers shared by the benchmarks: wall time of whole commands, repeated, median reported."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def wall(command: list[str], repeat: int = 5, **kwargs) -> list[float]:
    """Wall-clock seconds of ``command`` run ``repeat`` times (output discarded)."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, **kwargs)
        times.append(time.perf_counter() - started)
    return times


def numpy_baseline(repeat: int = 5) -> float:
    """Median wall time of a bare ``python -c "import numpy"``: the floor of any numpy tool."""
    return statistics.median(wall([sys.executable, "-c", "import numpy"], repeat))


def row(label: str, seconds: float, baseline: float) -> str:
    return f"{label:<58} {seconds * 1000:8.0f} ms   {seconds / baseline:6.1f}x baseline"
