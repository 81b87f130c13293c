"""Cost of flagging similar submissions (``grader batch``'s similarity step) on its own.

``python benchmarks/bench_similarity.py [--size 200] [--repeat 3]``: times
``grader.batch.similarity.find_similar`` (fingerprinting with copydetect, the pair search,
copydetect's measure of each candidate pair) on two classes of ``--size`` notebooks:

- ``bench``: the class of ``bench_batch.py`` (12 solution styles, so ~17 identical copies of each);
- ``distinct``: every notebook different (each style's variables renamed per student), so every
  student of a style is a near-copy of ~16 others: the worst case for the pair search.
"""

from __future__ import annotations

import argparse
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_batch import STYLES, make_class_module, write_notebooks  # noqa: E402


def distinct_class(dest: Path, count: int) -> None:
    make = make_class_module()
    rng = random.Random(0)
    for i in range(count):
        source = make.module(STYLES[i % len(STYLES)])
        for name in ("out", "xp", "n", "i", "j", "f"):
            source = re.sub(rf"\b{name}\b(?![\"'])", f"{name}_{rng.randrange(10**6)}", source)
        folder = dest / f"s{i:03d}"
        folder.mkdir(parents=True)
        (folder / "a03_multichannel.ipynb").write_text(make.notebook(source), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from grader.batch.similarity import Source, find_similar, stub_fingerprints
    from grader.course import load_course

    course = load_course(ROOT)
    assignment = course.assignment("a03_multichannel")
    with tempfile.TemporaryDirectory(prefix="bench-similarity-") as work:
        classes = {"bench": Path(work) / "bench", "distinct": Path(work) / "distinct"}
        write_notebooks(classes["bench"], args.size)
        distinct_class(classes["distinct"], args.size)
        started = time.perf_counter()
        stub = stub_fingerprints(course, assignment)  # also imports copydetect and pygments
        print(f"stub fingerprints (first call, imports included): {time.perf_counter() - started:.2f}s")
        for name, folder in classes.items():
            sources = [Source(p.parent.name, p.relative_to(folder).as_posix(), p) for p in sorted(folder.glob("*/*.ipynb"))]
            times, report = [], None
            for _ in range(args.repeat):
                started = time.perf_counter()
                report = find_similar(sources, stub)
                times.append(time.perf_counter() - started)
            print(f"{name:>9}: {len(sources)} notebooks, {report.students} compared, {len(report.pairs)} pairs flagged, "
                  f"median {statistics.median(times):.2f}s (runs {[round(t, 2) for t in times]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
