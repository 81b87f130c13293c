"""Every benchmark, one after the other: `python benchmarks/run.py` (add --quick for small sizes).

Each prints its figures next to a baseline measured in the same run (a bare numpy import, or
nbgrader autograde on the same notebooks), so ratios stay meaningful on a noisy shared machine.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    quick = "--quick" in sys.argv[1:]
    runs = [
        ["bench_check.py"],
        ["bench_grade.py"],
        ["bench_sandbox.py", *(["--runs", "5", "--repeat", "1"] if quick else [])],
        ["bench_batch.py", *(["--sizes", "20", "40", "--nbgrader", "5"] if quick else [])],
        ["bench_serve.py", *(["--submissions", "60", "--clients", "10", "--references", "20"] if quick else [])],
    ]
    failed = 0
    for script, *args in runs:
        print(f"\n== {script} {' '.join(args)}", flush=True)
        failed += subprocess.run([sys.executable, str(HERE / script), *args], cwd=HERE.parent).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
