"""Benchmark ``grader batch`` against ``nbgrader autograde`` on the same a03 notebooks.

One command: ``python benchmarks/bench_batch.py`` (options: ``--sizes 50 100 200 --jobs 2
--nbgrader 20 --engine process|thread --repeat 3 --pictures``).

For each size it writes that many a03 notebooks (a mix of correct and wrong solutions from
``demo/make_class.py``), runs ``python -m grader batch ... --jobs 2`` in a fresh process and reports wall
time (the median of ``--repeat`` runs), submissions per second and the peak RSS of the whole process tree (the batch, its sandbox
workers; sampled from /proc every 50 ms). The baseline is ``nbgrader autograde`` on a minimal
nbgrader course holding the first ``--nbgrader`` notebooks (a subset: autograde is serial and
slow), with a solution cell and a test cell comparing against fixed answers in the kernel, as
nbgrader courses do. Its per-notebook time is extrapolated to each size, and the ratio printed is
labelled as such.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STYLES = ["loops", "einsum", "im2col", "float32", "flipped", "same_symmetric", "no_channel_sum", "missing_bias",
          "stride_swapped", "nchw", "integer_truncation", "stub"]


def make_class_module():
    spec = importlib.util.spec_from_file_location("make_class", ROOT / "demo" / "make_class.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write_notebooks(dest: Path, count: int) -> list[tuple[str, str]]:
    """``count`` students ``s000..``, each a folder with one notebook; returns (student, module source)."""
    make = make_class_module()
    students = []
    for i in range(count):
        style = STYLES[i % len(STYLES)]
        source = make.module(style)
        folder = dest / f"s{i:03d}"
        folder.mkdir(parents=True)
        (folder / "a03_multichannel.ipynb").write_text(make.notebook(source), encoding="utf-8")
        students.append((folder.name, source))
    return students


# --- measuring a process tree ------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                ppid = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and all its descendants (kB), summed."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_kb(pid)
        todo.extend(tree.get(pid, []))
    return total


def timed(command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float | None = None) -> tuple[float, int, int]:
    """Run a command; return (wall seconds, peak tree RSS in MB, exit code; -9 when it ran past ``timeout``)."""
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)
    peak = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, tree_rss_kb(proc.pid))
            stop.wait(0.05)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # with its kernels
        _, err = proc.communicate()
    stop.set()
    sampler.join()
    if proc.returncode:
        sys.stderr.write(err.decode(errors="replace")[-2000:])
    return time.perf_counter() - started, peak // 1024, proc.returncode


# --- the two graders ---------------------------------------------------------------------------------


def run_grader(
    students_dir: Path, out: Path, jobs: int, engine: str, pictures: bool, similarity: bool = True
) -> tuple[float, int, int]:
    """The instructor's command, as typed: ``grader batch a03_multichannel DIR --out OUT --jobs N``."""
    command = [sys.executable, "-m", "grader", "batch", "a03_multichannel", str(students_dir), "--out", str(out),
               "--jobs", str(jobs), "--engine", engine]
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    return timed(command + (["--pictures"] if pictures else []) + ([] if similarity else ["--no-similarity"]), ROOT, env)


TEST_CELL = """\
import numpy as np
_cases = {cases}
_score = 0
for _args, _kwargs, _expected in _cases:
    _got = conv2d(*[np.array(a) for a in _args], **_kwargs)
    assert np.allclose(_got, np.array(_expected)), "wrong"
"""


def nbgrader_course(root: Path, students: list[tuple[str, str]]) -> None:
    """A minimal nbgrader course: one notebook with a solution cell and a graded test cell."""
    import nbformat
    import numpy as np
    from nbformat.v4 import new_code_cell, new_notebook

    sys.path.insert(0, str(ROOT / "solutions" / "a03_multichannel"))
    import multichannel  # the instructor's solution gives the fixed answers of the test cell

    rng = np.random.default_rng(0)
    cases = []
    for stride, padding in ((1, "VALID"), (2, "SAME"), ((2, 1), "SAME")):
        x, w, b = rng.standard_normal((2, 6, 5, 3)), rng.standard_normal((3, 2, 3, 2)), rng.standard_normal(2)
        cases.append(((x.tolist(), w.tolist()), {"b": b.tolist(), "stride": stride, "padding": padding},
                      multichannel.conv2d(x, w, b, stride, padding).tolist()))
    answer_meta = {"nbgrader": {"solution": True, "grade": False, "locked": False, "grade_id": "conv2d", "schema_version": 3}}
    test_meta = {"nbgrader": {"solution": False, "grade": True, "locked": True, "grade_id": "test_conv2d", "points": 16, "schema_version": 3}}
    test = TEST_CELL.format(cases=json.dumps(cases))

    def notebook(answer: str):
        nb = new_notebook(cells=[new_code_cell(answer, metadata=answer_meta), new_code_cell(test, metadata=test_meta)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
        return nb

    (root / "source" / "a03").mkdir(parents=True)
    solution = (ROOT / "solutions" / "a03_multichannel" / "multichannel.py").read_text(encoding="utf-8")
    nbformat.write(notebook(solution), root / "source" / "a03" / "a03.ipynb")
    for sid, source in students:
        folder = root / "submitted" / sid / "a03"
        folder.mkdir(parents=True)
        nbformat.write(notebook(source), folder / "a03.ipynb")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        "c.CourseDirectory.course_id = 'bench'\n"
        "c.Autograde.create_student = True\n"
        "c.Execute.timeout = 60\n",
        encoding="utf-8",
    )


def run_nbgrader(root: Path) -> tuple[float, int, int]:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
    for command in (["nbgrader", "db", "assignment", "add", "a03"], ["nbgrader", "generate_assignment", "a03", "--force"]):
        subprocess.run(command, cwd=root, env=env, check=True, capture_output=True)
    # A kernel that cannot bind its ports can hang autograde (jupyter_client): bounded, reported.
    return timed(["nbgrader", "autograde", "a03", "--force"], root, env, timeout=60 + 30 * len(list((root / "submitted").iterdir())))


# --- main --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[50, 100, 200])
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--nbgrader", type=int, default=20, help="notebooks in the nbgrader baseline (0: skip)")
    parser.add_argument("--engine", choices=["process", "thread"], default="process")
    parser.add_argument("--repeat", type=int, default=3, help="runs per size; the median wall time is reported")
    parser.add_argument("--pictures", action="store_true",
                        help="heatmaps in feedback.html (grader batch --pictures; off by default)")
    parser.add_argument("--compare-similarity", action="store_true",
                        help="each size also with --no-similarity, runs interleaved: the cost of flagging similar submissions")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    print(f"cpus={os.cpu_count()} jobs={args.jobs} engine={args.engine} pictures={args.pictures} "
          f"repeat={args.repeat} (median wall) work={work}")
    try:
        baseline = None
        if args.nbgrader:
            students = write_notebooks(work / "nb-students", args.nbgrader)
            nbgrader_course(work / "nbcourse", students)
            wall, rss, code = run_nbgrader(work / "nbcourse")
            print(f"nbgrader autograde: {args.nbgrader} notebooks in {wall:.1f}s ({wall / args.nbgrader:.2f} s/notebook, "
                  f"{args.nbgrader / wall:.2f}/s), peak RSS {rss} MB, exit {code}  [measured on a subset]")
            if code == 0:
                baseline = wall / args.nbgrader
            else:
                print("nbgrader autograde failed: no baseline, no speed-up in this run")
        print(f"{'n':>5} {'wall s':>8} {'subs/s':>8} {'peak MB':>8} {'nbgrader s (extrap.)':>21} {'speed-up':>9}")
        walls: dict[int, float] = {}
        for n in args.sizes:
            students_dir = work / f"students-{n}"
            write_notebooks(students_dir, n)
            runs = [run_grader(students_dir, work / f"out-{n}-{r}", args.jobs, args.engine, args.pictures)
                    for r in range(args.repeat)]
            wall = statistics.median(w for w, _, _ in runs)
            rss, code = max(r for _, r, _ in runs), max(c for _, _, c in runs)
            extra = f"{baseline * n:>21.1f} {baseline * n / wall:>8.2f}x" if baseline else ""
            print(f"{n:>5} {wall:>8.1f} {n / wall:>8.2f} {rss:>8} {extra}  exit {code}", flush=True)
            if args.compare_similarity:
                # Interleaved with a second set of runs with similarity (same machine load, same run).
                off, on = [], []
                for r in range(args.repeat):
                    off.append(run_grader(students_dir, work / f"off-{n}-{r}", args.jobs, args.engine, args.pictures, False)[0])
                    on.append(run_grader(students_dir, work / f"on-{n}-{r}", args.jobs, args.engine, args.pictures, True)[0])
                a, b = statistics.median(off), statistics.median(on)
                print(f"      --no-similarity {a:.2f}s, with similarity {b:.2f}s: +{b - a:.2f}s "
                      f"({100 * (b - a) / a:+.0f}%), runs off {[round(x, 2) for x in off]} on {[round(x, 2) for x in on]}",
                      flush=True)
            walls[n] = wall
        sizes = sorted(walls)
        for small, large in zip(sizes, sizes[1:]):
            # The fixed cost (TensorFlow's import, nbformat's) cancels out: what each further student costs.
            rate = (large - small) / max(walls[large] - walls[small], 1e-9)
            print(f"marginal {small}->{large}: {rate:.1f} submissions/s "
                  f"({(walls[large] - walls[small]) / (large - small) * 1000:.0f} ms each)")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
