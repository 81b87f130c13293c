"""Hostile submissions against the sandbox, one corpus file each (``tests/corpus/attacks``).

Each module's first line says what must happen: ``# expect: <status> <fault of the first call>``
(``None`` = the call completed). For every attack we also check that ``run_calls`` returned in time,
that nothing outside the scratch folder was created or changed (a temporary course folder passed as
protected, the corpus folder, the repository's solutions), and that no process of any worker's
group survives.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import numpy as np
import pytest

from grader.course import Limits
from grader.cases import Case
from grader.sandbox import run_calls

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(__file__).with_name("corpus") / "attacks"
LIMITS = Limits(timeout=6.0, call_timeout=2.0, cpu=10.0, memory_mb=512, output_kb=64)
FORBIDDEN = ["tensorflow", "keras", "torch", "jax", "scipy.signal", "scipy.ndimage", "cv2", "skimage", "grader",
             "subprocess", "socket", "ctypes", "multiprocessing"]


def _attacks() -> list[Path]:
    files = sorted(p for p in CORPUS.glob("*.py"))
    folders = sorted(p / "multichannel.py" for p in CORPUS.iterdir() if p.is_dir())
    return files + folders


def _expectation(path: Path) -> tuple[str, tuple[str | None, ...]]:
    """``# expect: <status> <fault>[|<fault>...]``: where the jail leaves nothing to see (no course
    folder, no /proc), an attack the guards would refuse finds nothing and the call just returns
    (``None``); either way it gets nothing."""
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name}: first line must be '# expect: <status> <fault>'"
    status, faults = first[len("# expect: "):].split()
    return status, tuple(None if f == "None" else f for f in faults.split("|"))


def _snapshot(*roots: Path) -> dict[str, str]:
    """Path -> content hash (or 'dir') of everything under the roots."""
    snap: dict[str, str] = {}
    for root in roots:
        for folder, dirs, files in os.walk(root):
            dirs[:] = [d for d in dirs if d not in ("__pycache__", ".git")]
            snap[folder] = "dir"
            for name in files:
                p = os.path.join(folder, name)
                snap[p] = hashlib.sha256(Path(p).read_bytes()).hexdigest()
    return snap


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def _reference(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    n, h, wd, _ = x.shape
    kh, kw, _, f = w.shape
    out = np.zeros((n, h - kh + 1, wd - kw + 1, f))
    for i in range(out.shape[1]):
        for j in range(out.shape[2]):
            out[:, i, j, :] = np.tensordot(x[:, i:i + kh, j:j + kw, :], w, axes=([1, 2, 3], [0, 1, 2]))
    return out


def test_corpus_is_large_enough():
    assert len(_attacks()) >= 25
    assert (CORPUS / "not_json.ipynb").is_file()


@pytest.mark.parametrize("mode", ["jail", "landlock"])
@pytest.mark.parametrize("attack", _attacks(), ids=lambda p: p.parent.name if p.name == "multichannel.py" else p.stem)
def test_attack_is_contained(attack: Path, mode: str, tmp_path: Path, monkeypatch):
    monkeypatch.setenv("GRADER_SANDBOX", mode)
    status, faults = _expectation(attack)
    course = tmp_path / "course"
    (course / "solutions" / "a03_multichannel").mkdir(parents=True)
    (course / "solutions" / "a03_multichannel" / "multichannel.py").write_text("SECRET = 'solution'\n")
    (course / "course.yaml").write_text("course: {id: test}\n")
    watched = (course, CORPUS, REPO / "solutions")
    before = _snapshot(*watched)
    marker_paths = [REPO / "results.json", Path("/tmp/pwned-by-student")]
    for p in marker_paths:
        assert not p.exists(), f"{p} exists before the attack ran"

    rng = np.random.default_rng(0)
    x, w = rng.random((1, 4, 4, 2)), rng.random((2, 2, 2, 3))
    cases = [Case("first", "conv2d", (x.copy(), w.copy())), Case("second", "conv2d", (x.copy(), w.copy()))]

    started = time.monotonic()
    result = run_calls(attack, "multichannel", cases, limits=LIMITS, forbidden_imports=FORBIDDEN,
                       protected=[course, REPO, REPO / "grader"], isolation="kernel")
    elapsed = time.monotonic() - started

    assert elapsed <= LIMITS.timeout + 5, f"run_calls took {elapsed:.1f} s"
    assert result.status == status, (result.status, result.detail, result.calls[0])
    assert len(result.calls) == 2
    fault = result.calls[0].fault
    assert fault in faults, (fault, result.calls[0].detail, result.calls[0].error, result.output[-300:])
    assert result.isolation == mode or status in ("syntax_error", "forbidden_import")
    if fault is not None:
        assert result.calls[0].detail, "a fault must say why"
    if status != "ok":
        assert result.detail
        assert all(c.fault == result.calls[0].fault for c in result.calls)
    assert _snapshot(*watched) == before, "the attack changed files outside its scratch folder"
    for p in marker_paths:
        assert not p.exists(), f"the attack created {p}"
    for pgid in result.pgids:
        assert not _group_alive(pgid), f"process group {pgid} survived"
    assert len(result.output) <= LIMITS.output_kb * 1024 + 200

    # Attack-specific checks that the status alone does not prove.
    name = attack.stem if attack.name != "multichannel.py" else attack.parent.name
    if name in ("monkeypatch_builtins", "beside_conftest"):
        np.testing.assert_allclose(result.calls[0].value, _reference(x, w))
    if name == "monkeypatch_numpy":
        assert not np.allclose(np.zeros(1), np.ones(1)), "the student's monkeypatch reached the grader"
        assert isinstance(result.calls[0].value, np.ndarray)
    if name == "beside_conftest":
        assert not list(attack.parent.glob("RAN_*"))
    if name in ("loop_in_call", "sleep_forever", "sigterm_ignored", "os_exit_in_call", "segfault_faulthandler"):
        # one hostile call costs one case: a fresh worker ran the next one (and it misbehaved again)
        assert result.calls[1].fault in faults and "not run" not in result.calls[1].detail
    if name in ("huge_return", "ndarray_subclass", "object_array"):
        assert result.calls[0].value is None
    if name.startswith("read_solutions") or name == "read_parent_memory":
        assert "solution" not in repr(result.calls[0].value)
