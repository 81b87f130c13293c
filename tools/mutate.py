"""Mutation run: every hidden suite against every mutant of its solution, through the real judge.

    python tools/mutate.py                       # every assignment of course.yaml, 2 jobs
    python tools/mutate.py a03_multichannel --jobs 1 --show 20
    python tools/mutate.py --write               # also record the run in tests/mutation/last_run.json

Mutants come from cosmic-ray's operators (PyPI ``cosmic-ray``: numbers +-1, binary, comparison
and unary operators, and/or, not, True/False, zero-iteration loops) applied to
``solutions/<id>/<module>`` one at a time, plus three operators of our own for mistakes students
make that cosmic-ray has no operator for (ceil for floor division, a dropped ``max(..., 0)``
clamp, a dropped ``.astype(...)`` cast). cosmic-ray's own runner does not fit: it mutates the file
in place and starts a test command per mutant (a fresh process that loads the grader and
TensorFlow: ~2 s each, ~30 min a run), and mutmut 3 runs the code under test inside the pytest
process through trampolines that import mutmut, which the sandboxed worker forbids. So only the
operators are used; each mutant is written to a scratch file and graded like a submission:
``grading.run_student`` (the sandbox, the course's limits with shorter timeouts) then
``grading.judge_run`` on the public and hidden cases TensorFlow answered once per assignment.

A mutant is *killed* when any case fails. Survivors must be listed in
``tests/mutation/equivalents.yaml`` with the reason they cannot be told apart from the solution;
``tests/test_mutation.py`` keeps that list honest. Exit status 1 when an unlisted mutant survives.
"""

from __future__ import annotations

import argparse
import dataclasses
import difflib
import hashlib
import json
import random
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import parso
import yaml
from cosmic_ray.mutating import mutate_code
from cosmic_ray.operators.operator import Example, Operator
from cosmic_ray.plugins import get_operator

ROOT = Path(__file__).resolve().parent.parent
EQUIVALENTS = ROOT / "tests" / "mutation" / "equivalents.yaml"
LAST_RUN = ROOT / "tests" / "mutation" / "last_run.json"
STUDENT = "mutation-run"
MUTATOR_VERSION = "1"

_COMPARISONS = ("Eq", "NotEq", "Lt", "LtE", "Gt", "GtE")
#: cosmic-ray operators used (the Is/IsNot, bitwise and power replacements say nothing about this course's code).
COSMIC_RAY_OPERATORS = (
    "core/NumberReplacer",
    *(f"core/ReplaceBinaryOperator_{a}_{b}" for a, b in [
        ("Add", "Sub"), ("Add", "Mul"), ("Sub", "Add"), ("Mul", "Add"), ("Mul", "Div"), ("Div", "FloorDiv"),
        ("Div", "Mul"), ("FloorDiv", "Div"), ("FloorDiv", "Mul"), ("Mod", "FloorDiv"),
    ]),
    *(f"core/ReplaceComparisonOperator_{a}_{b}" for a in _COMPARISONS for b in _COMPARISONS if a != b),
    "core/ReplaceUnaryOperator_USub_UAdd",
    "core/ReplaceUnaryOperator_Delete_Not",
    "core/AddNot",
    "core/ReplaceAndWithOr",
    "core/ReplaceOrWithAnd",
    "core/ReplaceTrueWithFalse",
    "core/ReplaceFalseWithTrue",
    "core/ZeroIterationForLoop",
)


# -- operators of our own (parso nodes, cosmic-ray's Operator interface) ------------------------


def _code_leaf(node, code: str):
    """A leaf that prints as ``code`` in place of ``node`` (keeping its leading whitespace)."""
    return parso.python.tree.Name(node.get_first_leaf().prefix + code, node.start_pos)


class CeilDivision(Operator):
    """``a // b`` -> ``-(-(a) // (b))``: ceil where the formula floors (the output-size mistake)."""

    def mutation_positions(self, node):
        if node.type == "term" and len(node.children) == 3 and getattr(node.children[1], "value", None) == "//":
            yield node.start_pos, node.end_pos

    def mutate(self, node, index):
        a, _, b = node.children
        return _code_leaf(node, f"-(-({a.get_code(include_prefix=False)}) // ({b.get_code(include_prefix=False)}))")

    @classmethod
    def examples(cls):
        return (Example("x = a // b", "x = -(-(a) // (b))"),)


def _call_arguments(node, names: tuple[str, ...]):
    """The two argument nodes of ``max(a, b)`` / ``min(a, b)``, else None."""
    if node.type != "atom_expr" or len(node.children) != 2:
        return None
    name, trailer = node.children
    if getattr(name, "value", None) not in names or trailer.children[0].value != "(":
        return None
    arglist = trailer.children[1]
    if arglist.type != "arglist":
        return None
    args = [c for c in arglist.children if getattr(c, "value", None) != ","]
    return args if len(args) == 2 else None


class DropClamp(Operator):
    """``max(a, b)`` / ``min(a, b)`` -> ``a`` or ``b``: a dropped clamp such as ``max(total, 0)``."""

    def mutation_positions(self, node):
        if _call_arguments(node, ("max", "min")):
            yield node.start_pos, node.end_pos
            yield node.start_pos, node.end_pos

    def mutate(self, node, index):
        arg = _call_arguments(node, ("max", "min"))[index]
        return _code_leaf(node, f"({arg.get_code(include_prefix=False)})")

    @classmethod
    def examples(cls):
        return (Example("t = max(a - b, 0)", "t = (a - b)"), Example("t = max(a - b, 0)", "t = (0)", occurrence=1))


class DropCast(Operator):
    """``v.astype(t)`` -> ``v``: a forgotten cast (uint8 products wrap, integers truncate)."""

    def mutation_positions(self, node):
        if node.type == "atom_expr" and self._cast_at(node) is not None:
            yield node.start_pos, node.end_pos

    @staticmethod
    def _cast_at(node):
        children = node.children
        for i in range(1, len(children) - 1):
            if children[i].type == "trailer" and children[i].children[0].value == "." and \
                    children[i].children[1].value == "astype" and children[i + 1].children[0].value == "(":
                return i
        return None

    def mutate(self, node, index):
        i = self._cast_at(node)
        kept = node.children[:i] + node.children[i + 2:]
        return _code_leaf(node, "".join(c.get_code(include_prefix=c is not kept[0]) for c in kept))

    @classmethod
    def examples(cls):
        return (Example("y = x.astype(np.float64) + 1", "y = x + 1"),)


OWN_OPERATORS = {"grader/CeilDivision": CeilDivision, "grader/DropClamp": DropClamp, "grader/DropCast": DropCast}


# -- mutants ------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Mutant:
    assignment: str
    operator: str
    occurrence: int
    key: str
    """Stable name: ``function: line before -> line after`` (``#2``... when the same text repeats)."""
    source: str


def _operators() -> Iterator[tuple[str, Operator]]:
    for name in COSMIC_RAY_OPERATORS:
        yield name, get_operator(name)()
    for name, cls in OWN_OPERATORS.items():
        yield name, cls()


def _count_positions(tree, operator: Operator) -> int:
    count = len(list(operator.mutation_positions(tree)))
    for child in getattr(tree, "children", ()):
        count += _count_positions(child, operator)
    return count


def _function_of(source: str) -> dict[int, str]:
    """Line number -> name of the top-level function it belongs to."""
    import ast

    lines = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for line in range(node.lineno, node.end_lineno + 1):
                lines[line] = node.name
    return lines


def _docstring_lines(source: str) -> set[int]:
    import ast

    out = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.FunctionDef, ast.Module)) and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant) and isinstance(node.body[0].value.value, str):
            out.update(range(node.body[0].lineno, node.body[0].end_lineno + 1))
    return out


def _base_key(original: list[str], mutated: str, functions: dict[int, str], docstrings: set[int]) -> str | None:
    """``function: line before -> line after`` for a mutant, or None when it is not one we grade
    (a docstring, or a ``raise`` line whose only change is the error message)."""
    changed = [op for op in difflib.SequenceMatcher(None, original, mutated.splitlines(), autojunk=False).get_opcodes()
               if op[0] != "equal"]
    if not changed:
        return None
    _, i1, i2, j1, j2 = changed[0]
    if any(line + 1 in docstrings for line in range(i1, i2)):
        return None
    if original[i1].lstrip().startswith("raise "):  # only the error message changes: not graded
        return None
    before = " ".join(" ".join(original[i1:i2]).split())
    after = " ".join(" ".join(mutated.splitlines()[j1:j2]).split())
    return f"{functions.get(i1 + 1, '<module>')}: {before} -> {after}"


def mutants(assignment_id: str, module: str) -> list[Mutant]:
    """Every mutant of the assignment's solution, each with one change (docstrings left alone)."""
    source = (ROOT / "solutions" / assignment_id / module).read_text(encoding="utf-8")
    functions, docstrings = _function_of(source), _docstring_lines(source)
    original = source.splitlines()
    out, seen = [], {}
    for name, operator in _operators():
        for occurrence in range(_count_positions(parso.parse(source), operator)):
            mutated = mutate_code(source, operator, occurrence)
            key = None if mutated is None else _base_key(original, mutated, functions, docstrings)
            if key is None:
                continue
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key = f"{key} #{seen[key]}"
            out.append(Mutant(assignment_id, name, occurrence, key, mutated))
    return out


def mutant_at(assignment_id: str, module: str, operator: str, occurrence: int) -> Mutant | None:
    """One mutant, made again from its operator and occurrence (its key without the ``#n`` suffix)."""
    source = (ROOT / "solutions" / assignment_id / module).read_text(encoding="utf-8")
    ops = dict(_operators())
    mutated = mutate_code(source, ops[operator], occurrence)
    if mutated is None:
        return None
    key = _base_key(source.splitlines(), mutated, _function_of(source), _docstring_lines(source))
    return None if key is None else Mutant(assignment_id, operator, occurrence, key, mutated)


def base_key(key: str) -> str:
    """A mutant's key without the ``#n`` suffix that tells repeated lines apart."""
    head, sep, tail = key.rpartition(" #")
    return head if sep and tail.isdigit() else key


def fingerprint(assignment_id: str, module: str) -> str:
    """What decides the mutants: the solution's text and this mutator's version."""
    digest = hashlib.sha256((ROOT / "solutions" / assignment_id / module).read_bytes())
    digest.update(f"{MUTATOR_VERSION}/{COSMIC_RAY_OPERATORS}/{sorted(OWN_OPERATORS)}".encode())
    return digest.hexdigest()[:16]


# -- grading ------------------------------------------------------------------------------------


@dataclasses.dataclass
class Verdict:
    key: str
    killed: bool
    failing_tests: tuple[str, ...]
    status: str


class Judge:
    """Grades mutants of one assignment on one student's public + hidden cases (answered once)."""

    def __init__(self, course, assignment, student: str = STUDENT):
        from grader.grading import prepare, protected_paths

        self.course, self.assignment = course, assignment
        self.specs = prepare(course, assignment, student)
        self.student = student
        self.protected = protected_paths(course)
        self.limits = dataclasses.replace(assignment.limits, timeout=min(assignment.limits.timeout, 10),
                                          call_timeout=min(assignment.limits.call_timeout, 2))

    def grade_source(self, source: str, key: str = "") -> Verdict:
        from grader.grading import judge_run, run_student

        with tempfile.TemporaryDirectory(prefix="grader-mutant-") as scratch:
            path = Path(scratch) / self.assignment.module
            path.write_text(source, encoding="utf-8")
            run = run_student(self.assignment, self.specs, path, student_id=self.student, limits=self.limits,
                              protected=self.protected)
        result = judge_run(self.assignment, self.specs, run)
        failing = tuple(t.name for t in result.tests if not t.passed)
        killed = result.status.value != "graded" or bool(failing) or result.score < result.max_score - 1e-9
        return Verdict(key, killed, failing, result.status.value)


def load_equivalents() -> dict[str, dict[str, str]]:
    """assignment -> mutant key -> reason."""
    raw = yaml.safe_load(EQUIVALENTS.read_text(encoding="utf-8")) if EQUIVALENTS.exists() else {}
    return {a: {e["mutant"]: e["reason"] for e in entries or ()} for a, entries in (raw or {}).items()}


def run(assignment_ids: list[str], jobs: int, show: int, write: bool) -> int:
    from grader.course import load_course

    course = load_course(ROOT)
    equivalents = load_equivalents()
    record = json.loads(LAST_RUN.read_text(encoding="utf-8")) if LAST_RUN.exists() else {}
    total = {"mutants": 0, "killed": 0, "equivalent": 0, "unlisted": 0}
    started_all = time.perf_counter()
    bad = 0
    for assignment_id in assignment_ids:
        assignment = course.assignment(assignment_id)
        started = time.perf_counter()
        found = mutants(assignment_id, assignment.module)
        judge = Judge(course, assignment)
        solution = judge.grade_source((ROOT / "solutions" / assignment_id / assignment.module).read_text(encoding="utf-8"))
        if solution.killed:
            print(f"{assignment_id}: the solution itself fails {solution.failing_tests}", file=sys.stderr)
            return 2
        with ThreadPoolExecutor(max_workers=jobs) as pool:
            verdicts = list(pool.map(lambda m: judge.grade_source(m.source, m.key), found))
        listed = equivalents.get(assignment_id, {})
        survivors = [v.key for v in verdicts if not v.killed]
        unlisted = [k for k in survivors if k not in listed]
        killed_listed = [k for k in listed if k in {v.key for v in verdicts if v.killed}]
        stale = [k for k in listed if k not in {m.key for m in found}]
        seconds = time.perf_counter() - started
        print(f"{assignment_id}: {len(found)} mutants, {len(found) - len(survivors)} killed, "
              f"{len(survivors) - len(unlisted)} listed equivalent, {len(unlisted)} unlisted survivors, {seconds:.1f} s")
        for key in unlisted[:show]:
            mutant = next(m for m in found if m.key == key)
            print(f"  SURVIVES  [{mutant.operator}] {key}")
        for key in killed_listed:
            print(f"  LISTED BUT KILLED  {key}")
        for key in stale:
            print(f"  LISTED BUT NOT GENERATED  {key}")
        bad += len(unlisted) + len(killed_listed) + len(stale)
        total["mutants"] += len(found)
        total["killed"] += len(found) - len(survivors)
        total["equivalent"] += len(survivors) - len(unlisted)
        total["unlisted"] += len(unlisted)
        kills: dict[str, int] = {}
        for v in verdicts:
            for test in v.failing_tests:
                kills[test] = kills.get(test, 0) + 1
        record[assignment_id] = {
            "fingerprint": fingerprint(assignment_id, assignment.module),
            "mutants": len(found),
            "killed": len(found) - len(survivors),
            "survivors": sorted(survivors),
            "seconds": round(seconds, 1),
            "kills_per_test": dict(sorted(kills.items())),
            "index": {m.key: [m.operator, m.occurrence] for m in found},
        }
    print(f"total: {total['mutants']} mutants, {total['killed']} killed, {total['equivalent']} equivalent (listed), "
          f"{total['unlisted']} unlisted survivors, {time.perf_counter() - started_all:.1f} s with {jobs} jobs")
    if write:
        LAST_RUN.parent.mkdir(parents=True, exist_ok=True)
        LAST_RUN.write_text(json.dumps(record, indent=1, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8")
        print(f"wrote {LAST_RUN.relative_to(ROOT)}")
    return 1 if bad else 0


def sample(keys: list[str], size: int, seed: str) -> list[str]:
    """A deterministic sample (the same for the same keys and seed)."""
    return sorted(random.Random(seed).sample(sorted(keys), min(size, len(keys))))


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from grader.course import load_course

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignments", nargs="*", help="assignment ids (default: every one in course.yaml)")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--show", type=int, default=50, help="unlisted survivors to print per assignment")
    parser.add_argument("--write", action="store_true", help=f"record the run in {LAST_RUN.relative_to(ROOT)}")
    args = parser.parse_args(argv)
    ids = args.assignments or [a.id for a in load_course(ROOT).assignments]
    return run(ids, args.jobs, args.show, args.write)


if __name__ == "__main__":
    sys.exit(main())
