"""Finding the student's module in what they handed in, and turning a notebook into a module.

Nothing here runs student code: a notebook becomes *source text* only. From each code cell we
keep what a module needs at import time (imports, ``def``, ``class`` and simple assignments) and
drop everything that would run the student's functions or a demo at import: top-level calls,
prints, plots, ``display(...)``, IPython magics (``%...``; a ``%%`` cell magic drops its cell) and
shell lines (``!ls``, ``x = !ls``). Cells tagged ``demo`` (the kit's setup, "try it" and picture
cells) are dropped whole. A cell that is not valid Python is kept verbatim, so the
sandbox reports the syntax error; every kept cell is preceded by a ``# %% [cell N]`` line and a
line map leads from module lines back to notebook cells.
"""

from __future__ import annotations

import ast
import builtins
import json
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from grader.course import Assignment
from grader.sandbox.scan import nodes_of

_SKIP_DIRS = {"__pycache__", ".ipynb_checkpoints", ".git", "node_modules", "fixtures", "tests"}
_SKIP_FILES = {"conftest.py", "setup.py", "__init__.py", "__main__.py"}
_MAX_DEPTH = 4
_MAX_ENTRIES = 2000
"""Entries looked at in one submission folder (a folder of a million files is not a submission)."""
MAX_MODULE_BYTES = 4 << 20
"""The largest ``.py`` read (far past any honest solution)."""
MAX_NOTEBOOK_BYTES = 32 << 20
"""The largest ``.ipynb`` read (outputs with pictures included)."""


@dataclass(frozen=True)
class Words:
    """One sentence about a submission as a message key (``submission.<key>`` in grader/messages)
    and its fields, so that every report says it in its own language. Fields name files relative to
    what the student handed in, never by absolute path."""

    key: str
    fields: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, key: str, **fields: object) -> "Words":
        return cls(key, tuple((name, str(value)) for name, value in fields.items()))

    def say(self, lang: str = "en") -> str:
        from grader import messages

        return messages.text(f"submission.{self.key}", lang, **dict(self.fields))


class SubmissionError(Exception):
    """No usable module in a submission; ``str(error)`` is one line (English), ``words`` the same
    sentence for any language (:meth:`Words.say`).

    ``status`` is the ``grader.results.Status`` value a grading result should carry.
    """

    def __init__(self, message: str | Words, status: str = "unreadable"):
        self.words = message if isinstance(message, Words) else None
        super().__init__(message.say("en") if isinstance(message, Words) else message)
        self.status = status


@dataclass(frozen=True)
class Located:
    path: Path
    note: str = ""
    """Why this file was chosen when the choice was not obvious (empty otherwise)."""
    words: tuple[Words, ...] = ()
    """The note, for any language."""


# -- reading what a student handed in -----------------------------------------------------------
# Every file of a submission is hostile: a symbolic link (to the solutions, to a classmate's file,
# to /dev/zero), a FIFO that blocks whoever opens it, a device, a huge file. The trusted side reads
# regular files only, never through a link, with a size cap checked before and while reading.


def _odd_file(name: str, mode: int) -> Words:
    """What a file that is not a regular file is, as a sentence for the student."""
    for test, key in ((stat.S_ISLNK, "link"), (stat.S_ISFIFO, "fifo"), (stat.S_ISCHR, "device"),
                      (stat.S_ISBLK, "device"), (stat.S_ISDIR, "folder_not_file")):
        if test(mode):
            return Words.of(key, file=name)
    return Words.of("not_regular", file=name)


def _limit_for(path: Path) -> int:
    return MAX_NOTEBOOK_BYTES if path.suffix == ".ipynb" else MAX_MODULE_BYTES


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.0f} MB"


def read_submitted(path: Path, limit: int | None = None) -> bytes:
    """The bytes of a submitted file: a regular file only, never through a symbolic link, at most
    ``limit`` bytes (by its suffix: 4 MB for a module, 32 MB for a notebook). ``SubmissionError``
    (status ``unreadable``) for anything else, naming the problem in one line."""
    path = Path(path)
    limit = _limit_for(path) if limit is None else limit
    try:
        before = os.lstat(path)
    except OSError as e:
        raise SubmissionError(Words.of("cannot_read", file=path.name, error=e.strerror or e), "unreadable") from None
    if not stat.S_ISREG(before.st_mode):
        raise SubmissionError(_odd_file(path.name, before.st_mode), "unreadable")
    if before.st_size > limit:
        raise SubmissionError(Words.of("too_large", file=path.name, size=_mb(before.st_size), limit=_mb(limit)),
                              "unreadable")
    if before.st_nlink > 1:
        # A hard link shares its content with another file (a tar a student sent can make one to the
        # solutions when extracted into the course): the grader reads only files of their own.
        raise SubmissionError(Words.of("hard_link", file=path.name), "unreadable")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise SubmissionError(Words.of("cannot_read", file=path.name, error=e.strerror or e), "unreadable") from None
    try:
        now = os.fstat(fd)
        if not stat.S_ISREG(now.st_mode) or (now.st_ino, now.st_dev) != (before.st_ino, before.st_dev):
            raise SubmissionError(Words.of("changed", file=path.name), "unreadable")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as e:
        raise SubmissionError(Words.of("cannot_read", file=path.name, error=e.strerror or e), "unreadable") from None
    finally:
        os.close(fd)
    if size > limit:
        raise SubmissionError(Words.of("too_large", file=path.name, size=f"> {_mb(limit)}", limit=_mb(limit)),
                              "unreadable")
    return b"".join(chunks)


# -- finding the module --------------------------------------------------------------------------


def _check_readable(path: Path) -> None:
    read_submitted(path)


def _candidates(folder: Path) -> list[Path]:
    """The ``.py``/``.ipynb`` files of a submission folder that may be the module: regular files
    only (a link, FIFO or device named ``multichannel.py`` is passed over, and ``locate`` says so
    when nothing else is there), never inside a linked folder."""
    found: list[Path] = []
    seen = 0

    def walk(d: Path, depth: int) -> None:
        nonlocal seen
        try:
            with os.scandir(d) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError:
            return
        for entry in entries:
            seen += 1
            if seen > _MAX_ENTRIES or entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    if depth < _MAX_DEPTH and entry.name not in _SKIP_DIRS:
                        walk(Path(entry.path), depth + 1)
                elif (entry.is_file(follow_symlinks=False) and entry.name.endswith((".py", ".ipynb"))
                      and entry.name not in _SKIP_FILES and not entry.name.startswith("test_")):
                    found.append(Path(entry.path))
            except OSError:
                continue

    walk(folder, 0)
    return found


def _is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _not_regular(folder: Path, assignment: Assignment) -> list[Words]:
    """Files named like the module that are not regular files (a link, a FIFO...), for the message."""
    out = []
    for name in (assignment.module, f"{assignment.id}.ipynb"):
        try:
            mode = os.lstat(folder / name).st_mode
        except OSError:
            continue
        if not stat.S_ISREG(mode):
            out.append(_odd_file(name, mode))
    return out


def _work_done(path: Path) -> int:
    """Fewer untouched ``raise NotImplementedError`` lines means more of the work is in this file."""
    try:
        text = read_submitted(path).decode("utf-8", errors="replace")
    except SubmissionError:
        return 1 << 30
    if path.suffix == ".ipynb":  # count in code cells only: old tracebacks in outputs do not count
        try:
            cells = json.loads(text).get("cells", [])
            text = "\n".join(
                "".join(c.get("source", "")) for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"
            )
        except (ValueError, AttributeError, TypeError, RecursionError, MemoryError):
            return 1 << 30
    return text.count("raise NotImplementedError")


def rank_candidates(paths: list[Path], folder: Path) -> list[Path]:
    """Candidate files, best first: least unfinished work, nearest ``folder``, ``.py`` before a notebook, newest."""

    def key(p: Path) -> tuple:
        try:
            mtime = p.stat().st_mtime
        except OSError:
            mtime = 0.0
        return (_work_done(p), len(p.relative_to(folder).parts), p.suffix != ".py", -mtime, str(p))

    return sorted(paths, key=key)


def _similarity(path: Path, assignment: Assignment) -> float:
    from difflib import SequenceMatcher

    stem = path.stem.lower()
    return max(SequenceMatcher(None, stem, target).ratio() for target in (assignment.module_name, assignment.id))


def locate(path: Path, assignment: Assignment) -> Located:
    """The student's module in ``path``: a ``.py``, a ``.ipynb``, or a folder holding one.

    In a folder, the file named like the module (``multichannel.py``) or the notebook named
    ``<id>.ipynb`` wins; when both exist, the one with fewer ``raise NotImplementedError`` left is
    used (the ``.py`` on a tie) and the note says so when it is the notebook. Otherwise the best match by name is used,
    with a note. Raises ``SubmissionError`` for a missing path, a folder without any ``.py`` or
    ``.ipynb``, another kind of file, or an unreadable file.
    """
    path = Path(path)
    names = {"module": assignment.module, "notebook": f"{assignment.id}.ipynb"}
    try:
        mode = os.lstat(path).st_mode
    except OSError:
        raise SubmissionError(Words.of("no_such_path", file=path.name or path), "no_submission") from None
    if not stat.S_ISDIR(mode) and not stat.S_ISREG(mode):
        raise SubmissionError(_odd_file(path.name or str(path), mode), "unreadable")
    if stat.S_ISREG(mode):
        if path.suffix not in (".py", ".ipynb"):
            raise SubmissionError(Words.of("not_a_module", file=path.name, **names), "unreadable")
        _check_readable(path)
        return Located(path)
    exact_names = (assignment.module, f"{assignment.id}.ipynb")
    exact = [path / name for name in exact_names if _is_regular(path / name)]
    candidates = exact or _candidates(path)  # the exact names first: no folder size can hide them
    if not candidates:
        odd = _not_regular(path, assignment)
        if odd:
            raise SubmissionError(odd[0], "unreadable")
        raise SubmissionError(Words.of("nothing_in_folder", file=path.name or path, **names), "no_submission")
    exact = exact or [p for p in candidates if p.name in exact_names]
    words = None
    if exact:
        ranked = rank_candidates(exact, path)
        chosen = ranked[0]
        if len(ranked) > 1 and chosen.suffix != ".py":
            others = ", ".join(p.relative_to(path).as_posix() for p in ranked[1:])
            words = Words.of("fewer_unimplemented", file=chosen.relative_to(path).as_posix(), others=others)
    elif len(candidates) == 1:
        chosen = candidates[0]
        words = Words.of("unexpected_name", file=chosen.relative_to(path).as_posix(), **names)
    else:
        chosen = max(candidates, key=lambda p: (_similarity(p, assignment), p.suffix == ".py", -len(p.parts), str(p)))
        found = ", ".join(p.relative_to(path).as_posix() for p in candidates)
        words = Words.of("several_candidates", names=found, file=chosen.relative_to(path).as_posix(), **names)
    _check_readable(chosen)
    return Located(chosen, words.say("en") if words else "", (words,) if words else ())


def find_module(path: Path, assignment: Assignment) -> Path:
    """The student's ``.py`` or ``.ipynb`` in ``path`` (see :func:`locate`)."""
    return locate(path, assignment).path


# -- notebooks -----------------------------------------------------------------------------------

_MAGIC_LINE = re.compile(r"^\s*(%|!)")
_ASSIGNED_MAGIC = re.compile(r"^\s*[\w.,\s\[\]()*]+=\s*[%!]")
_HELP_LINE = re.compile(r"^\s*\?*[\w.]+\?{1,2}\s*$|^\s*\?{1,2}[\w.]+\s*$")
_SAFE_CALLS = frozenset(
    {"dict", "list", "tuple", "set", "frozenset", "range", "int", "float", "complex", "str", "bytes", "bool",
     "len", "abs", "min", "max", "sum", "round", "sorted", "reversed", "enumerate", "zip", "object", "slice"}
)


@dataclass
class ExtractedNotebook:
    source: str
    line_map: dict[int, tuple[int, int]] = field(default_factory=dict)
    """Module line (1-based) -> (code cell number, 1-based line in that cell), cells numbered from 1."""

    def where(self, line: int) -> str:
        """``cell 3, line 2`` for a module line, or ``line N`` when it is a generated line."""
        if line in self.line_map:
            cell, cell_line = self.line_map[line]
            return f"cell {cell}, line {cell_line}"
        return f"line {line}"


def _strip_magics(text: str) -> str | None:
    """The cell without IPython syntax (``None`` for a ``%%`` cell magic: the whole cell goes).

    Each removed line becomes ``pass`` at its indentation, so blocks stay valid and lines keep their
    numbers.
    """
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), "")
    if first.lstrip().startswith("%%"):
        return None
    out = []
    for line in lines:
        if _MAGIC_LINE.match(line) or _ASSIGNED_MAGIC.match(line) or _HELP_LINE.match(line):
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}pass")
        else:
            out.append(line)
    return "\n".join(out)


def _names_loaded(nodes: list[ast.stmt]) -> set[str]:
    return {n.id for n in nodes_of(nodes, (ast.Name,))}


def _bound_by_import(node: ast.Import | ast.ImportFrom) -> list[str]:
    return [(alias.asname or alias.name).split(".")[0] for alias in node.names]


def _call_root(node: ast.AST) -> str | None:
    while True:
        if isinstance(node, ast.Attribute):
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Name):
            return node.id
        else:
            return None


def _simple_assignment(node: ast.stmt, imported: set[str], defined: set[str]) -> bool:
    """A module-level assignment safe to run at import: only calls into imported modules or builtins."""
    if isinstance(node, ast.Assign):
        targets, value = node.targets, node.value
    elif isinstance(node, ast.AnnAssign) and node.value is not None:
        targets, value = [node.target], node.value
    else:
        return False
    if not all(isinstance(n, (ast.Name, ast.Tuple)) for n in targets):
        return False
    for sub in ast.walk(value):
        if isinstance(sub, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr, ast.Lambda)):
            return False
        if isinstance(sub, ast.Call):
            root = _call_root(sub.func)
            if root is None or root in defined:
                return False
            if root not in imported and not (root in _SAFE_CALLS and hasattr(builtins, root)):
                return False
    return True


def _keep(tree: ast.Module) -> list[ast.stmt]:
    return [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign))]


def _notebook_cells(text: str, name: str) -> list[dict]:
    """The cells of a notebook given as JSON text; ``SubmissionError`` when it is not one.

    A current (v4) notebook is read with the json module: its cells are all we need, and importing
    nbformat costs seconds where its validator pulls in jsonschema's format grammars (Jupyter
    installs have them) -- too much for a one-second check and for every batch. Anything else
    (older formats, odd structure) goes through nbformat, which converts and validates.
    """
    try:
        data = json.loads(text)
    except ValueError as e:
        where = {"line": getattr(e, "lineno", "?"), "column": getattr(e, "colno", "?")}
        raise SubmissionError(Words.of("not_json", file=Path(name).name, **where), "unreadable") from None
    except (RecursionError, MemoryError):
        raise SubmissionError(Words.of("json_too_deep", file=Path(name).name), "unreadable") from None
    cells = data.get("cells") if isinstance(data, dict) and data.get("nbformat") == 4 else None
    if isinstance(cells, list) and all(isinstance(c, dict) for c in cells):
        return cells
    import nbformat  # only unusual notebooks pay for it

    try:
        return list(nbformat.reads(text, as_version=4).cells)
    except Exception as e:  # nbformat raises NotJSONError, ValidationError, KeyError...
        reason = " ".join(str(e).split())[:160] or type(e).__name__
        raise SubmissionError(Words.of("bad_notebook", file=Path(name).name, error=reason), "unreadable") from None


DEMO_TAG = "demo"
"""Cells the kit's notebooks tag as demos (pictures, ✅/❌ checks, setup): they only show something."""


def _is_demo(cell: dict) -> bool:
    metadata = cell.get("metadata")
    tags = metadata.get("tags") if isinstance(metadata, dict) else None
    return isinstance(tags, list) and DEMO_TAG in tags


def extract_notebook_source(text: str, name: str = "notebook") -> ExtractedNotebook:
    """The module source of a notebook given as JSON text (see the module docstring)."""
    # First pass: each code cell, cleaned of IPython syntax, parsed when it can be.
    cells: list[tuple[int, str, ast.Module | None]] = []
    number = 0
    for cell in _notebook_cells(text, name):
        if cell.get("cell_type") != "code":
            continue
        number += 1
        if _is_demo(cell):
            continue
        raw = cell.get("source", "")
        if isinstance(raw, list) and all(isinstance(line, str) for line in raw):
            raw = "".join(raw)
        if not isinstance(raw, str):
            raise SubmissionError(Words.of("cell_not_text", file=Path(name).name, cell=number), "unreadable")
        if not raw.strip():
            continue
        try:
            cells.append((number, raw, ast.parse(raw)))
            continue
        except (SyntaxError, ValueError):
            pass
        except (RecursionError, MemoryError):  # too deep or too long to parse: the student's syntax error
            cells.append((number, raw, None))
            continue
        cleaned = _strip_magics(raw)
        if cleaned is None:
            continue
        try:
            cells.append((number, cleaned, ast.parse(cleaned)))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            cells.append((number, raw, None))  # kept verbatim: the sandbox reports the error

    imported: set[str] = set()
    defined: set[str] = set()
    for _, _, tree in cells:
        for node in tree.body if tree else ():
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                imported.update(_bound_by_import(node))
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defined.add(node.name)

    # Second pass: keep definitions and safe assignments; then drop imports nothing kept uses
    # (``import matplotlib.pyplot as plt`` for a demo must not break the import in the grader).
    kept: list[tuple[int, str, list[ast.stmt] | None]] = []
    for number, text_, tree in cells:
        if tree is None:
            kept.append((number, text_, None))
            continue
        nodes = [
            n for n in _keep(tree)
            if not isinstance(n, (ast.Assign, ast.AnnAssign)) or _simple_assignment(n, imported, defined)
        ]
        kept.append((number, text_, nodes))
    used = _names_loaded([n for _, _, nodes in kept for n in nodes or () if not isinstance(n, (ast.Import, ast.ImportFrom))])
    any_broken = any(nodes is None for _, _, nodes in kept)

    def pruned(node: ast.stmt) -> ast.stmt | None:
        """The node, the import without its unused names, or None when nothing of it is needed."""
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or any_broken:
            return node
        if isinstance(node, ast.ImportFrom) and (node.module == "__future__" or any(a.name == "*" for a in node.names)):
            return node
        names = [a for a in node.names if (a.asname or a.name).split(".")[0] in used]
        if not names:
            return None
        if len(names) == len(node.names):
            return node
        copy = ast.ImportFrom(node.module, names, node.level) if isinstance(node, ast.ImportFrom) else ast.Import(names)
        return ast.copy_location(copy, node)

    out: list[str] = []
    line_map: dict[int, tuple[int, int]] = {}
    for number, text_, nodes in kept:
        lines = text_.splitlines()
        spans: list[tuple[int, int, str | None]] = []  # (first line, last line, replacement text)
        if nodes is None:
            spans = [(1, len(lines), None)]
        else:
            for node in nodes:
                kept_node = pruned(node)
                if kept_node is None:
                    continue
                start = min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", ()))])
                end = node.end_lineno or node.lineno
                spans.append((start, end, None if kept_node is node else ast.unparse(kept_node)))
            if not spans:
                continue
        out.append(f"# %% [cell {number}]")
        previous_end = None
        for start, end, replacement in spans:
            if previous_end is not None and start > previous_end + 1:
                out.append("")  # keep definitions apart, as in the cell
            previous_end = end
            if replacement is not None:
                indent = lines[start - 1][: len(lines[start - 1]) - len(lines[start - 1].lstrip())]
                out.append(indent + replacement)
                line_map[len(out)] = (number, start)
                continue
            for cell_line in range(start, end + 1):
                out.append(lines[cell_line - 1])
                line_map[len(out)] = (number, cell_line)
        out.append("")
    return ExtractedNotebook("\n".join(out).rstrip("\n") + "\n" if out else "", line_map)


def extract_notebook(nb_path: Path) -> str:
    """The source code a notebook's code cells define (nothing is executed)."""
    return extract_notebook_details(Path(nb_path)).source


def extract_notebook_details(nb_path: Path) -> ExtractedNotebook:
    nb_path = Path(nb_path)
    try:
        text = read_submitted(nb_path).decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError(Words.of("notebook_not_utf8", file=nb_path.name), "unreadable") from None
    return extract_notebook_source(text, str(nb_path))


# -- handing the module to the sandbox --------------------------------------------------------------


def module_bytes(path: Path, assignment: Assignment) -> bytes:
    """The module the student's code runs as: the ``.py`` as handed in, or a notebook's extracted
    code (``path`` is a ``.py``, a ``.ipynb`` or a folder holding one, see :func:`locate`)."""
    found = locate(Path(path), assignment).path
    if found.suffix == ".ipynb":
        return extract_notebook(found).encode("utf-8")
    data = read_submitted(found)
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise SubmissionError(Words.of("not_utf8", file=found.name, byte=e.start), "unreadable") from None
    return data


def code_digest(data: bytes) -> str:
    """What seeds a submission's hidden cases besides the student: a hash of the file handed in
    (the ``.py``, or the notebook as saved). The same file always gets the same cases; a second,
    different submission gets new ones. The file's bytes, not the module extracted from a notebook:
    the trusted process that prepares every student's cases then reads each file once and parses
    nothing (extracting a notebook costs ~5 ms there; hashing it ~0.05 ms)."""
    import hashlib

    return hashlib.sha256(data).hexdigest()[:32]


def submitted_code_digest(path: Path, assignment: Assignment) -> str:
    """:func:`code_digest` of the file ``locate`` picks in ``path``; empty when there is none to read
    (then nothing runs)."""
    try:
        return code_digest(read_submitted(locate(Path(path), assignment).path))
    except SubmissionError:
        return ""


def write_module(path: Path, assignment: Assignment, scratch: Path) -> Path:
    """Write the student's module as ``scratch/<module>.py`` (a copy: the sandbox never reads the
    student's folder itself) and return that path."""
    scratch = Path(scratch)
    scratch.mkdir(parents=True, exist_ok=True)
    target = scratch / assignment.module
    target.write_bytes(module_bytes(path, assignment))
    return target
