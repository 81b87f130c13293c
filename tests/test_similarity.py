"""Similar submissions flagged for a human: a class with planted copies (renamed variables, reordered
functions, a notebook of a .py), independent solutions left alone, the stub never counted, scores
never changed."""

from __future__ import annotations

import ast
import csv
import importlib.util
import re
from pathlib import Path

import pytest

from grader.batch.runner import main as batch_main
from grader.batch.similarity import Source, find_similar, stub_fingerprints
from tests.conftest import ROOT, SOLUTIONS

A03 = "a03_multichannel"

INDEPENDENT = '''import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 4 or w.ndim != 4 or x.shape[3] != w.shape[2]:
        raise ValueError("bad shapes")
    sy, sx = (stride, stride) if np.isscalar(stride) else tuple(stride)
    if sy < 1 or sx < 1:
        raise ValueError("bad stride")
    if padding == "SAME":
        pads = []
        for size, k, s in ((x.shape[1], w.shape[0], sy), (x.shape[2], w.shape[1], sx)):
            need = max((-(-size // s) - 1) * s + k - size, 0)
            pads.append((need // 2, need - need // 2))
    elif padding == "VALID":
        pads = [(0, 0), (0, 0)]
    elif isinstance(padding, int):
        pads = [(padding, padding)] * 2
    else:
        pads = [tuple(p) for p in padding]
    if min(min(p) for p in pads) < 0:
        raise ValueError("bad padding")
    big = np.pad(x.astype(float), [(0, 0), *pads, (0, 0)])
    if w.shape[0] > big.shape[1] or w.shape[1] > big.shape[2]:
        raise ValueError("kernel too large")
    views = sliding_window_view(big, w.shape[:2], axis=(1, 2))[:, ::sy, ::sx]
    result = np.einsum("nhwcuv,uvcf->nhwf", views, w.astype(float))
    if b is not None:
        b = np.asarray(b, dtype=float)
        if b.shape != (w.shape[3],):
            raise ValueError("bad bias")
        result = result + b
    return result
'''

RENAMES = {
    "N": "batch", "H": "height", "W": "width", "C": "chans", "kh": "fh", "kw": "fw", "wc": "fc", "F": "nf",
    "sh": "sy", "sw": "sx", "top": "pad_t", "bottom": "pad_b", "left": "pad_l", "right": "pad_r",
    "xp": "padded", "Ho": "oh", "Wo": "ow", "out": "result", "window": "patch", "n": "bi", "i": "r",
    "j": "q", "f": "k",
}


def _make_class():
    spec = importlib.util.spec_from_file_location("make_class", ROOT / "demo" / "make_class.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _base() -> str:
    """The instructor's solution as a student would hand it in (no solution markers)."""
    text = SOLUTIONS[A03].read_text(encoding="utf-8")
    return "".join(line for line in text.splitlines(True) if "### BEGIN SOLUTION" not in line and "### END SOLUTION" not in line)


def _renamed(source: str) -> str:
    head, _, body = source.partition('    """\n    x = np.asarray(x)')
    body = '    """\n    x = np.asarray(x)' + body
    for old, new in RENAMES.items():
        body = re.sub(rf"\b{old}\b(?![\"'])", new, body)  # (not the f of an f-string)
    return head + body


def _reordered(source: str) -> str:
    """The same module with its functions in the opposite order."""
    tree = ast.parse(source)
    lines = source.splitlines(True)
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef)]
    start = functions[0].lineno - 1
    chunks = ["".join(lines[f.lineno - 1:(nxt.lineno - 1 if nxt else len(lines))]) for f, nxt in
              zip(functions, [*functions[1:], None])]
    return "".join(lines[:start]) + "".join(chunk.rstrip("\n") + "\n\n\n" for chunk in reversed(chunks))


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """base (the .py), three copies of it and three students who worked on their own."""
    make = _make_class()
    folder = tmp_path_factory.mktemp("planted")
    base = _base()
    files = {
        "base/multichannel.py": base,
        "renamed/multichannel.py": _renamed(base),
        "reordered/multichannel.py": _reordered(base),
        "notebook/a03_multichannel.ipynb": make.notebook(base),
        "einsum_own/multichannel.py": INDEPENDENT,
        "loops_own/multichannel.py": make.module("loops"),
        "stub_only/multichannel.py": (ROOT / "assignments" / A03 / "multichannel.py").read_text(encoding="utf-8"),
    }
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _pairs(report) -> dict[frozenset, float]:
    return {frozenset((p.student_a, p.student_b)): p.similarity for p in report.pairs}


def test_the_planted_copies_really_differ_from_the_original():
    base = _base()
    assert _renamed(base) != base and "patch = padded[bi" in _renamed(base)
    assert _reordered(base).index("def conv2d") < _reordered(base).index("def _pair")


def test_planted_copies_are_flagged_and_independent_work_is_not(planted, course):
    assignment = course.assignment(A03)
    sources = [Source(p.parent.name, p.relative_to(planted).as_posix(), p)
               for p in sorted(planted.glob("*/*")) if p.suffix in (".py", ".ipynb")]
    report = find_similar(sources, stub_fingerprints(course, assignment))
    pairs = _pairs(report)
    for copy in ("renamed", "reordered", "notebook"):
        assert pairs.get(frozenset(("base", copy)), 0) >= 0.9, (copy, pairs)
    for own in ("einsum_own", "loops_own", "stub_only"):
        assert not any(own in pair for pair in pairs), (own, pairs)
    # The stub's lines are not code anyone shares: the untouched stub has nothing left to compare.
    assert report.students == 7


def test_batch_writes_similarity_csv_and_summary_and_never_changes_a_score(planted, course, tmp_path):
    assert batch_main(course, A03, planted, tmp_path / "with", jobs=2, lang="en") == 0
    assert batch_main(course, A03, planted, tmp_path / "without", jobs=2, lang="en", similarity=False) == 0

    def scores(out: Path):
        with (out / "grades.csv").open(encoding="utf-8", newline="") as handle:
            return {r["student_id"]: (r["score"], r["status"], r["diagnoses"]) for r in csv.DictReader(handle)}

    assert scores(tmp_path / "with") == scores(tmp_path / "without")
    assert not (tmp_path / "without" / "similarity.csv").exists()
    assert "id=\"similarity\"" not in (tmp_path / "without" / "summary.html").read_text(encoding="utf-8")
    with (tmp_path / "with" / "similarity.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    flagged = {frozenset((r["student_a"], r["student_b"])) for r in rows}
    assert frozenset(("base", "notebook")) in flagged
    notebook_row = next(r for r in rows if {r["student_a"], r["student_b"]} == {"base", "notebook"})
    assert {notebook_row["file_a"], notebook_row["file_b"]} == {"base/multichannel.py", "notebook/a03_multichannel.ipynb"}
    page = (tmp_path / "with" / "summary.html").read_text(encoding="utf-8")
    section = page[page.index('id="similarity"'):]
    assert '<div class="pair">' in section and "<mark>" in section  # side by side, shared code highlighted
    shown = re.search(r"<mark>(.*?)</mark>", section, re.S).group(1)
    assert shown.strip()
