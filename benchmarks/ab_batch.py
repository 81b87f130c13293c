"""Interleaved A/B of ``grader batch`` between two commits: wall time and CPU per submission.

    python benchmarks/ab_batch.py 7cc9fc1                  # that commit against the working tree
    python benchmarks/ab_batch.py 7cc9fc1 HEAD --size 200 --pairs 3

Each side is a detached ``git worktree`` of its commit (the working tree itself for ``.``). Both grade
the same class of a03 notebooks (bench_batch's 12 styles) with ``--jobs 2``, in alternating order
(A B, B A, ...): the machine's drift between runs (±15 % here) falls on both sides alike. The CPU of a
run is that of its whole process tree, jailed sandbox workers included: the run is started in a
cgroup of its own (cgroup v1 ``cpuacct`` or v2 ``cpu.stat``; needs root), else it is the batch's
``RUSAGE_CHILDREN``, which misses what the fork servers' children used (then said so). Prints each
run, the medians and the ratios after/before.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.bench_batch import write_notebooks

V1 = Path("/sys/fs/cgroup/cpuacct")
V2 = Path("/sys/fs/cgroup")


def cpu_group(name: str) -> tuple[Path, Path] | None:
    """A new cgroup to run one batch in, and the file that gives its CPU; None when none can be made."""
    for parent, usage in ((V1, "cpuacct.usage"), (V2, "cpu.stat")):
        if not (parent / usage).exists() and not (parent / "cgroup.procs").exists():
            continue
        group = parent / name
        try:
            group.mkdir()
        except OSError:
            continue
        if (group / usage).exists():
            return group, group / usage
        group.rmdir()
    return None


def cpu_seconds(usage: Path) -> float:
    text = usage.read_text()
    if usage.name == "cpuacct.usage":
        return int(text) / 1e9
    fields = dict(line.split() for line in text.splitlines())
    return int(fields["usage_usec"]) / 1e6


def tree_of(ref: str, keep: list[Path]) -> Path:
    if ref == ".":
        return ROOT
    folder = Path(tempfile.mkdtemp(prefix="ab-tree-"))
    subprocess.run(["git", "worktree", "add", "--detach", "-f", str(folder), ref], cwd=ROOT, check=True,
                   capture_output=True)
    keep.append(folder)
    return folder


WRAP = ("import resource,subprocess,sys;r=subprocess.run(sys.argv[1:]);"
        "u=resource.getrusage(resource.RUSAGE_CHILDREN);print(u.ru_utime+u.ru_stime);sys.exit(r.returncode)")


def one_run(tree: Path, students: Path, label: str) -> tuple[float, float, bool]:
    """(wall s, CPU s, whole tree counted) of one ``grader batch``."""
    out = Path(tempfile.mkdtemp(prefix="ab-out-")) / "out"
    env = {**os.environ, "PYTHONPATH": str(tree), "TF_CPP_MIN_LOG_LEVEL": "2"}
    batch = [sys.executable, "-m", "grader", "batch", "a03_multichannel", str(students), "--out", str(out), "--jobs", "2"]
    group = cpu_group(f"ab-batch-{os.getpid()}-{label}-{time.monotonic_ns()}")
    started = time.perf_counter()
    if group is not None:
        join = f'echo $$ > "{group[0]}/cgroup.procs" && exec "$@"'
        done = subprocess.run(["sh", "-c", join, "sh", *batch], cwd=tree, env=env, capture_output=True, text=True,
                              check=False)
    else:
        done = subprocess.run([sys.executable, "-c", WRAP, *batch], cwd=tree, env=env, capture_output=True, text=True,
                              check=False)
    wall = time.perf_counter() - started
    if done.returncode:
        sys.exit(f"{label}: grader batch exited {done.returncode}\n{done.stderr[-2000:]}")
    if group is not None:
        time.sleep(0.2)  # the last exits are accounted
        cpu = cpu_seconds(group[1])
        for _ in range(50):
            try:
                group[0].rmdir()
                break
            except OSError:
                time.sleep(0.1)
    else:
        cpu = float(done.stdout.split()[-1])
    shutil.rmtree(out.parent, ignore_errors=True)
    return wall, cpu, group is not None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="a commit (or . for the working tree)")
    parser.add_argument("after", nargs="?", default=".", help="a commit (default: the working tree)")
    parser.add_argument("--size", type=int, default=200, help="notebooks in the class")
    parser.add_argument("--pairs", type=int, default=3, help="runs of each side")
    args = parser.parse_args(argv)

    keep: list[Path] = []
    work = Path(tempfile.mkdtemp(prefix="ab-class-"))
    try:
        trees = {"before": tree_of(args.before, keep), "after": tree_of(args.after, keep)}
        write_notebooks(work / "class", args.size)
        runs: dict[str, list[tuple[float, float]]] = {"before": [], "after": []}
        whole = True
        for i in range(args.pairs):
            for side in (("before", "after") if i % 2 == 0 else ("after", "before")):
                wall, cpu, counted = one_run(trees[side], work / "class", side)
                whole &= counted
                runs[side].append((wall, cpu))
                print(f"{side:6s} wall {wall:6.2f} s  cpu {cpu:6.2f} s", flush=True)
        medians = {}
        for side, rows in runs.items():
            wall = statistics.median(w for w, _ in rows)
            cpu = statistics.median(c for _, c in rows)
            medians[side] = (wall, cpu)
            print(f"{side:6s} {args.before if side == 'before' else args.after}: median wall {wall:.2f} s "
                  f"({1000 * wall / args.size:.1f} ms a submission), CPU {1000 * cpu / args.size:.1f} ms a submission")
        (wb, cb), (wa, ca) = medians["before"], medians["after"]
        print(f"after/before: wall {wa / wb:.3f}, CPU {ca / cb:.3f}"
              + ("" if whole else "  (CPU from RUSAGE_CHILDREN: the sandbox workers' share is missing)"))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        for folder in keep:
            subprocess.run(["git", "worktree", "remove", "--force", str(folder)], cwd=ROOT, capture_output=True, check=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
