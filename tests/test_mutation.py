"""The mutation run's list of equivalent mutants stays honest (tools/mutate.py, tests/mutation/).

The full run (``python tools/mutate.py --write``, ~1 minute on 2 cores) grades every mutant of every
solution through the sandbox and the judge and records what survived in ``last_run.json``. Here,
fast enough for CI:

- every listed equivalent is still generated and still survives (graded for real);
- a fixed sample of unlisted mutants per assignment is killed (graded for real);
- the recorded run covers every assignment of course.yaml, is about today's solutions, and left
  no survivor that the list does not explain.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from functools import lru_cache

import pytest

from grader.course import load_course
from tests.conftest import ROOT

COURSE = load_course(ROOT)
ASSIGNMENTS = [a.id for a in COURSE.assignments]
SAMPLE = 8


def _tool():
    spec = importlib.util.spec_from_file_location("grader_mutate_tool", ROOT / "tools" / "mutate.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


mutate = _tool()
EQUIVALENTS = mutate.load_equivalents()
LAST_RUN = json.loads(mutate.LAST_RUN.read_text(encoding="utf-8")) if mutate.LAST_RUN.exists() else {}


def index(assignment_id: str) -> dict[str, list]:
    """Every mutant of the recorded run: key -> (operator, occurrence)."""
    return LAST_RUN.get(assignment_id, {}).get("index", {})


def made_again(assignment_id: str, key: str):
    """The mutant ``key`` made again from its operator and occurrence; None if that no longer gives it."""
    operator, occurrence = index(assignment_id)[key]
    mutant = mutate.mutant_at(assignment_id, COURSE.assignment(assignment_id).module, operator, occurrence)
    return mutant if mutant is not None and mutant.key == mutate.base_key(key) else None


@lru_cache(maxsize=None)
def judge(assignment_id: str):
    return mutate.Judge(COURSE, COURSE.assignment(assignment_id))


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_the_recorded_run_is_current_and_explained(assignment_id):
    record = LAST_RUN.get(assignment_id)
    assert record, f"{assignment_id}: no mutation run recorded; run `python tools/mutate.py --write`"
    module = COURSE.assignment(assignment_id).module
    assert record["fingerprint"] == mutate.fingerprint(assignment_id, module), \
        f"{assignment_id}: the solution (or the mutator) changed since the last run; run `python tools/mutate.py --write`"
    assert record["mutants"] == len(index(assignment_id))
    unexplained = sorted(set(record["survivors"]) - set(EQUIVALENTS.get(assignment_id, {})))
    assert not unexplained, f"survivors not listed in tests/mutation/equivalents.yaml: {unexplained}"
    assert record["killed"] + len(record["survivors"]) == record["mutants"]


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_listed_equivalents_are_generated_and_still_survive(assignment_id):
    listed = EQUIVALENTS.get(assignment_id, {})
    stale = [key for key in listed if key not in index(assignment_id) or made_again(assignment_id, key) is None]
    assert not stale, f"listed but no longer generated (remove them): {stale}"
    assert all(reason and len(reason) > 20 for reason in listed.values()), "every equivalent needs its reason"
    killed = [key for key in listed if judge(assignment_id).grade_source(made_again(assignment_id, key).source).killed]
    assert not killed, f"listed as equivalent but a case kills them (remove them from the list): {killed}"


@pytest.mark.parametrize("assignment_id", ASSIGNMENTS)
def test_a_sample_of_the_other_mutants_is_killed(assignment_id):
    others = [key for key in index(assignment_id) if key not in EQUIVALENTS.get(assignment_id, {})]
    assert others, f"{assignment_id}: no recorded mutants"
    for key in mutate.sample(others, SAMPLE, seed=assignment_id):
        mutant = made_again(assignment_id, key)
        assert mutant is not None, f"{key}: no longer generated; run `python tools/mutate.py --write`"
        verdict = judge(assignment_id).grade_source(mutant.source)
        assert verdict.killed, f"{key} survives the suites: add a case that kills it, or list it with the reason"


def test_the_mutator_makes_the_mistakes_the_course_is_about():
    """The known holes (ceil for floor, no max(..., 0), no cast) are among the generated mutants."""
    keys = list(index("a03_multichannel"))
    assert any("Ho = -(-((H + top + bottom - kh)) // (sh)) + 1" in k for k in keys)
    assert any(k.startswith("_same_padding: total = max(") and k.endswith("-> total = ((math.ceil(n / s) - 1) * s + k - n)")
               for k in keys)
    assert any("xp = np.pad(x, ((0, 0)" in k for k in keys)
