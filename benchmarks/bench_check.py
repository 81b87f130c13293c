"""Student check latency: `grader check a03_multichannel <solution>` vs a bare numpy import.

Goal (issue: course kit foundation): under 1 s wall on a 2-core machine.
Run: python benchmarks/bench_check.py
"""

from __future__ import annotations

import statistics
import sys

from _timing import ROOT, numpy_baseline, row, wall


def main() -> None:
    baseline = numpy_baseline()
    check = wall([sys.executable, "-m", "grader", "check", "a03_multichannel", str(ROOT / "solutions/a03_multichannel")])
    median = statistics.median(check)
    print(row('python -c "import numpy"  (baseline)', baseline, baseline))
    print(row("grader check a03_multichannel solutions/a03_multichannel", median, baseline))
    print(f"  runs: {', '.join(f'{t:.2f}' for t in check)} s; goal < 1.0 s: {'met' if median < 1.0 else 'NOT met'}")


if __name__ == "__main__":
    main()
