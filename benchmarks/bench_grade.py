"""Full grading latency (public + hidden, against TensorFlow) of correct a03 submissions.

Goals (issue: trusted hidden grading): the first submission in a fresh process, TensorFlow import
included, under 3 s wall; each further submission inside one grader process under 0.3 s.
Run: python benchmarks/bench_grade.py
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time

from _timing import ROOT, numpy_baseline, row, wall

FURTHER = r"""
import sys, time
from pathlib import Path
from grader.course import load_course
from grader.grading import grade_path
course = load_course(sys.argv[1])
a = course.assignment("a03_multichannel")
path = Path(sys.argv[2])
grade_path(course, a, path, student_id="warm-up")          # TensorFlow import and first calls
times = []
for i in range(int(sys.argv[3])):
    t = time.perf_counter()
    r = grade_path(course, a, path, student_id=f"student-{i}")
    times.append(time.perf_counter() - t)
    assert r.score == r.max_score, (r.status, r.message)
print(" ".join(f"{t:.4f}" for t in times))
"""


def main() -> None:
    baseline = numpy_baseline()
    tf_import = statistics.median(wall([sys.executable, "-c", "import tensorflow"], repeat=3))
    solution = ROOT / "solutions/a03_multichannel"
    with tempfile.TemporaryDirectory() as out:
        first = wall([sys.executable, "-m", "grader", "grade", "a03_multichannel", str(solution), "--out", out], repeat=3)
    further = subprocess.run(
        [sys.executable, "-c", FURTHER, str(ROOT), str(solution / "multichannel.py"), "20"],
        capture_output=True, text=True, cwd=ROOT, check=True,
    ).stdout.split()
    further_s = [float(t) for t in further]
    print(row('python -c "import numpy"  (baseline)', baseline, baseline))
    print(row('python -c "import tensorflow"  (with Keras; the grader skips it)', tf_import, baseline))
    print(row("grader grade a03 (fresh process, TF import included)", statistics.median(first), baseline))
    print(row("each further submission in one process (median of 20)", statistics.median(further_s), baseline))
    print(f"  first: {', '.join(f'{t:.2f}' for t in first)} s (goal < 3 s: {'met' if statistics.median(first) < 3 else 'NOT met'})")
    print(f"  further: min {min(further_s):.3f} max {max(further_s):.3f} s (goal < 0.3 s: {'met' if statistics.median(further_s) < 0.3 else 'NOT met'})")


if __name__ == "__main__":
    main()
