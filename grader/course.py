"""Load and validate course.yaml: the one place where points, tolerances and limits are decided."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as clock
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

import fastjsonschema
import yaml

SCHEMA_PATH = Path(__file__).with_name("course.schema.json")
COURSE_FILE = "course.yaml"

DEFAULT_TOLERANCE = {"float64": {"rtol": 1e-7, "atol": 1e-9}, "float32": {"rtol": 1e-4, "atol": 1e-5}}
DEFAULT_LIMITS = {"timeout": 20.0, "call_timeout": 5.0, "cpu": 30.0, "memory_mb": 1024, "output_kb": 256}


class CourseError(Exception):
    """course.yaml is missing, unreadable or does not follow the schema; the message names file and field."""


@dataclass(frozen=True)
class Tolerance:
    """Per-case tolerance: |student - ref| <= atol * max(1, max|ref|) + rtol * |ref|."""

    rtol: float
    atol: float


@dataclass(frozen=True)
class Limits:
    """Resource limits of the worker process that runs one submission."""

    timeout: float
    """Wall-clock seconds for the whole submission (import and every call)."""
    call_timeout: float
    """Wall-clock seconds for a single call."""
    cpu: float
    """CPU seconds (RLIMIT_CPU)."""
    memory_mb: int
    """Address space in MiB (RLIMIT_AS)."""
    output_kb: int
    """Captured stdout + stderr kept, in KiB."""


@dataclass(frozen=True)
class Part:
    """A graded part of an assignment: its own column in grades.csv."""

    id: str
    title: dict[str, str]
    points: float
    functions: tuple[str, ...]
    all_or_nothing: bool
    tolerance: dict[str, Tolerance]


@dataclass(frozen=True)
class SubmissionPolicy:
    """How the feedback server (``grader serve``) takes uploads of an assignment (course.yaml
    ``submissions``, in ``defaults`` and per assignment). Batch grading ignores it."""

    opens: datetime | None = None
    """First moment uploads are taken (``None``: from the start)."""
    due: datetime | None = None
    """After it an upload is late (``None``: never)."""
    late: str = "accept"
    """``accept``: a late upload is graded and marked late; ``reject``: it is refused."""
    attempts_per_hour: int = 20
    """Uploads a student may make for this assignment in any hour (the instructor is not counted)."""
    counts: str = "last"
    """Which attempt is the student's grade: ``last`` or ``best``."""
    max_upload_kb: int = 4096
    """Largest file taken, in KiB."""
    timezone: str = "UTC"
    """Where a date written without an offset is read (an IANA name such as ``Asia/Seoul``)."""


@dataclass(frozen=True)
class Assignment:
    id: str
    module: str
    """File name of the student module, e.g. ``multichannel.py``."""
    title: dict[str, str]
    lecture: str
    parts: tuple[Part, ...]
    limits: Limits
    forbidden_imports: tuple[str, ...]
    submissions: SubmissionPolicy = field(default_factory=SubmissionPolicy, repr=False, compare=False)
    """The feedback server's policies (not part of the grade: left out of repr and comparisons)."""

    @property
    def module_name(self) -> str:
        return self.module[:-3]

    @property
    def functions(self) -> tuple[str, ...]:
        """Every graded function, in course.yaml order, without repeats."""
        return tuple(dict.fromkeys(f for p in self.parts for f in p.functions))

    @property
    def max_score(self) -> float:
        return float(sum(p.points for p in self.parts))

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(f"assignment {self.id} has no part {part_id!r}")


@dataclass(frozen=True)
class Course:
    root: Path
    """The folder holding course.yaml (solutions/, assignments/ are found beside it)."""
    id: str
    title: dict[str, str]
    language: str
    assignments: tuple[Assignment, ...]
    secret_env: str = "GRADER_SECRET"
    secret_file: str = ".grader-secret"
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def assignment(self, assignment_id: str) -> Assignment:
        for a in self.assignments:
            if a.id == assignment_id:
                return a
        known = ", ".join(a.id for a in self.assignments)
        raise CourseError(f"unknown assignment {assignment_id!r} (this course has: {known})")

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    @property
    def assignments_dir(self) -> Path:
        return self.root / "assignments"

    def secret(self) -> bytes:
        """The instructor's HMAC key for per-student hidden cases.

        Read from the environment, else from the secret file beside course.yaml. Without either, the
        course id is used: hidden cases then still differ per student, but a student who knows the
        course id could regenerate them, so real courses should set a secret.
        """
        value = os.environ.get(self.secret_env)
        if value:
            return value.encode()
        path = self.root / self.secret_file
        if path.is_file():
            return path.read_bytes().strip()
        return f"unset-secret:{self.id}".encode()


@lru_cache(maxsize=1)
def _validator() -> Callable[[Any], Any]:
    # fastjsonschema compiles the schema to Python once; it imports in ~20 ms where jsonschema
    # (with its optional format grammars) takes seconds, and the student's check must stay fast.
    return fastjsonschema.compile(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _where(error: fastjsonschema.JsonSchemaValueException) -> str:
    path = ""
    for item in error.path[1:]:  # path[0] is "data"
        index = isinstance(item, int) or str(item).isdigit()
        path += f"[{item}]" if index else (f".{item}" if path else str(item))
    return path or "(top level)"


def _explain(error: fastjsonschema.JsonSchemaValueException) -> str:
    """One line for the first schema violation: the field, what was expected, what was found."""
    rule, definition, value = error.rule, error.rule_definition, error.value
    if rule == "required":
        missing = [k for k in definition if not isinstance(value, dict) or k not in value]
        return f"{_where(error)}: missing required field(s) {', '.join(map(repr, missing))}"
    if rule == "additionalProperties":
        extra = sorted(set(value) - set(error.definition.get("properties", {})))
        return f"{_where(error)}: unknown field(s) {', '.join(map(repr, extra))}"
    expected = {
        "type": f"expected {definition}",
        "enum": f"expected one of {definition}",
        "pattern": f"expected text matching {definition}",
        "exclusiveMinimum": f"expected a number > {definition}",
        "minimum": f"expected a number >= {definition}",
        "minItems": f"expected at least {definition} item(s)",
        "minLength": "expected a non-empty text",
    }.get(rule, error.message)
    return f"{_where(error)}: {expected}, got {value!r}"


def _tolerances(*layers: dict[str, Any] | None) -> dict[str, Tolerance]:
    merged: dict[str, dict[str, float]] = {k: dict(v) for k, v in DEFAULT_TOLERANCE.items()}
    for layer in layers:
        for kind, values in (layer or {}).items():
            merged[kind].update(values)
    return {k: Tolerance(float(v["rtol"]), float(v["atol"])) for k, v in merged.items()}


def _moment(value: Any, where: str, end_of_day: bool) -> datetime:
    """A course.yaml date: a YAML timestamp, a date (the day's start, or its end for ``due``) or ISO text."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime.combine(value, clock(23, 59, 59) if end_of_day else clock(0, 0))
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.strip())
        except ValueError:
            pass
    raise CourseError(f"{where}: expected a date and time like 2026-03-16T23:59:00+09:00, got {value!r}")


def _submission_policy(defaults: dict[str, Any], own: dict[str, Any], source: str, index: int) -> SubmissionPolicy:
    """The defaults' ``submissions`` with the assignment's own fields over them."""
    where = f"{source}: assignments[{index}].submissions"
    merged = {**defaults, **own}
    values: dict[str, Any] = {k: v for k, v in merged.items() if k not in ("opens", "due")}
    for key in ("opens", "due"):
        if merged.get(key) is not None:
            origin = where if key in own else f"{source}: defaults.submissions"
            values[key] = _moment(merged[key], f"{origin}.{key}", end_of_day=key == "due")
    opens, due = values.get("opens"), values.get("due")
    if opens is not None and due is not None and (opens.tzinfo is None) == (due.tzinfo is None) and opens >= due:
        raise CourseError(f"{where}: opens ({opens.isoformat()}) must come before due ({due.isoformat()})")
    return SubmissionPolicy(**values)


def parse_course(data: Any, root: Path, source: str = COURSE_FILE) -> Course:
    """Validate parsed YAML and build the Course; raise CourseError naming ``source`` and the field."""
    try:
        _validator()(data)
    except fastjsonschema.JsonSchemaValueException as error:
        raise CourseError(f"{source}: {_explain(error)}") from None

    defaults = data.get("defaults", {})
    assignments = []
    seen: set[str] = set()
    for i, a in enumerate(data["assignments"]):
        if a["id"] in seen:
            raise CourseError(f"{source}: assignments[{i}].id: duplicate assignment id {a['id']!r}")
        seen.add(a["id"])
        part_ids = [p["id"] for p in a["parts"]]
        if len(set(part_ids)) != len(part_ids):
            raise CourseError(f"{source}: assignments[{i}].parts: duplicate part ids in {part_ids}")
        limits = {**DEFAULT_LIMITS, **defaults.get("limits", {}), **a.get("limits", {})}
        default_scoring = defaults.get("scoring", "partial")
        parts = tuple(
            Part(
                id=p["id"],
                title=p["title"],
                points=float(p["points"]),
                functions=tuple(p["functions"]),
                all_or_nothing=p.get("scoring", default_scoring) == "all_or_nothing",
                tolerance=_tolerances(defaults.get("tolerance"), a.get("tolerance"), p.get("tolerance")),
            )
            for p in a["parts"]
        )
        assignments.append(
            Assignment(
                id=a["id"],
                module=a["module"],
                title=a["title"],
                lecture=a.get("lecture", ""),
                parts=parts,
                limits=Limits(**{k: type(DEFAULT_LIMITS[k])(v) for k, v in limits.items()}),
                forbidden_imports=tuple(a.get("forbidden_imports", defaults.get("forbidden_imports", []))),
                submissions=_submission_policy(defaults.get("submissions", {}), a.get("submissions", {}), source, i),
            )
        )
    secret = data.get("secret", {})
    return Course(
        root=root,
        id=data["course"]["id"],
        title=data["course"]["title"],
        language=data["course"].get("language", "ko"),
        assignments=tuple(assignments),
        secret_env=secret.get("env", "GRADER_SECRET"),
        secret_file=secret.get("file", ".grader-secret"),
        raw=data,
    )


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """``yaml.safe_load`` with libyaml when PyYAML has it: the pure-Python loader takes ~25 ms
    for course.yaml or a message catalog (~3 ms with libyaml), and every command reads both."""
    return yaml.load(text, Loader=_YAML_LOADER)  # noqa: S506 (a safe loader, C or Python)


def load_course(path: str | os.PathLike[str]) -> Course:
    """Read course.yaml (or the folder holding it); every problem becomes one CourseError line."""
    path = Path(path)
    if path.is_dir():
        path = path / COURSE_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CourseError(f"{path}: no such file (a course needs a course.yaml)") from None
    except (OSError, UnicodeDecodeError) as e:
        raise CourseError(f"{path}: cannot be read: {e}") from None
    try:
        data = load_yaml(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f" line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise CourseError(f"{path}:{where}: not valid YAML: {problem}") from None
    if not isinstance(data, dict):
        raise CourseError(f"{path}: expected a mapping with 'course' and 'assignments', got {type(data).__name__}")
    return parse_course(data, path.parent.resolve(), str(path))


def find_course(start: str | os.PathLike[str] | None = None) -> Course:
    """The course of the current folder: ``$GRADER_COURSE``, else the nearest course.yaml upwards,
    else the one this package was installed from (an editable install inside the course repository)."""
    env = os.environ.get("GRADER_COURSE")
    if env:
        return load_course(env)
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / COURSE_FILE).is_file():
            return load_course(folder)
    beside_package = Path(__file__).resolve().parent.parent
    if (beside_package / COURSE_FILE).is_file():
        return load_course(beside_package)
    raise CourseError(f"no {COURSE_FILE} found in {here} or any folder above it (set GRADER_COURSE)")
