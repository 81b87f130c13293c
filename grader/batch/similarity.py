"""Suspiciously similar submissions, for a human to look at (``grader batch``; off with ``--no-similarity``).

Code is compared with copydetect's winnowing (fingerprints of k-grams of tokenized code, as MOSS
does): names become placeholders before fingerprinting, so renaming variables changes nothing, and
fingerprints are a set, so reordering functions changes nothing either. A notebook is compared by
its code cells, so a notebook and a ``.py`` holding the same code match. The assignment's stub
(module and notebook) is fingerprinted too and its fingerprints are removed from everyone's
("boilerplate"): code every student was given never counts as shared.

What is copydetect's (0.5.0): the winnowing (``utils.winnow``), the token coverage, the measure of a
pair and the shared slices (``compare_files``). What is written here, and why: the tokenizing step
uses Python's own ``tokenize`` in place of copydetect's pygments-based ``filter_code`` (the same
filtering, 16 times faster: it was 9 of the 15 s on 200 distinct notebooks); k-grams are hashed
with a fixed hash instead of Python's per-process salted ``hash()`` (see :func:`_kgram_hashes`); each
distinct source is fingerprinted once; and candidate pairs come from an inverted index of
fingerprints instead of ``CopyDetector``'s every-pair loop, so only pairs sharing many fingerprints
are measured.

Nothing here changes a score: the result is a list of pairs for summary.html and similarity.csv.
"""

from __future__ import annotations

import builtins
import hashlib
import io
import json
import keyword
import time
import tokenize
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterable

if TYPE_CHECKING:
    from grader.course import Assignment, Course

NOISE_TOKENS = 25
"""copydetect's ``noise_t``: shared runs shorter than this many (filtered) characters are ignored."""
GUARANTEE_TOKENS = 30
"""copydetect's ``guarantee_t``: shared runs at least this long are always found."""
THRESHOLD = 0.6
"""A pair is flagged when at least this share of one submission's own code is found in the other."""
MIN_SHARED = 3
"""Pairs sharing fewer fingerprints than this are never looked at (a line or two in common)."""
DETAILED = 30
"""The most similar pairs whose shared code is located for the side-by-side view."""
MIN_SHARED_CHARACTERS = 150
"""Nor flagged when the code they share is shorter than this (filtered characters, names counting
one each: about four lines): a validation check and a loop header in common say nothing. A copied
a03 solution shares 850 here, independent ones 180-260 at most 28 % of their code."""


@dataclass
class Pair:
    """Two submissions whose code overlaps: who, which files, how much, and the overlap itself."""

    student_a: str
    student_b: str
    file_a: str
    file_b: str
    similarity_a: float
    """Share of ``a``'s own code (after the stub's is removed) found in ``b``."""
    similarity_b: float
    shared: int
    """Characters of (filtered) code in common."""
    code_a: str = field(repr=False, default="")
    code_b: str = field(repr=False, default="")
    slices_a: list[tuple[int, int]] = field(repr=False, default_factory=list)
    """``(start, end)`` character ranges of ``code_a`` found in ``code_b``."""
    slices_b: list[tuple[int, int]] = field(repr=False, default_factory=list)

    @property
    def similarity(self) -> float:
        return max(self.similarity_a, self.similarity_b)


@dataclass
class SimilarityReport:
    pairs: list[Pair]
    """Flagged pairs, most similar first."""
    students: int
    """Submissions compared (those with readable code)."""
    threshold: float = THRESHOLD
    seconds: float = 0.0
    unreadable: list[str] = field(default_factory=list)
    """Students whose code could not be read for comparing (they are graded as usual)."""


@dataclass
class Source:
    student_id: str
    file: str
    """The graded file, relative to the class folder."""
    path: Path


def _code(path: Path) -> str:
    """What a submission's code is: the ``.py`` itself, or a notebook's code cells one after another
    (read as JSON: no cell is dropped or rewritten, the student's code is shown as they wrote it)."""
    text = path.read_bytes().decode("utf-8")
    if path.suffix != ".ipynb":
        return text
    cells = json.loads(text).get("cells", [])
    sources = ["".join(c.get("source", "")) if isinstance(c.get("source"), list) else str(c.get("source", ""))
               for c in cells if isinstance(c, dict) and c.get("cell_type") == "code"]
    return "\n\n".join(sources) + "\n"


_KEPT_NAMES = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))


def _filtered(code: str) -> tuple[str, list[int], list[int]]:
    """copydetect's filtering, with Python's own tokenizer instead of pygments' (about 16 times faster:
    4 ms instead of 65 ms for the a03 solution, the largest cost of the step): names become ``V``
    (``F`` after ``def``, ``O`` after ``class``) unless they are keywords or builtins, strings ``S``,
    comments and whitespace go. Returns the filtered text and, for each of its characters, where
    the token it stands for starts and ends in ``code`` (to highlight the shared code as written).
    Code the tokenizer cannot finish (a syntax error) keeps the tokens read up to that point."""
    out: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    line_at = [0]
    for line in code.splitlines(True):
        line_at.append(line_at[-1] + len(line))
    previous = ""
    try:
        for tok in tokenize.generate_tokens(io.StringIO(code).readline):
            kind, text = tok.type, tok.string
            if kind in _SKIPPED or not text.strip():
                continue
            if kind == tokenize.NAME and text not in _KEPT_NAMES:
                shown = "F" if previous == "def" else "O" if previous == "class" else "V"
            elif kind == tokenize.STRING:
                shown = "S"
            else:
                shown = text
            previous = text
            start = line_at[tok.start[0] - 1] + tok.start[1] if tok.start[0] - 1 < len(line_at) else len(code)
            end = line_at[tok.end[0] - 1] + tok.end[1] if tok.end[0] - 1 < len(line_at) else len(code)
            out.append(shown)
            if len(shown) == 1:
                starts.append(start)
                ends.append(end)
            else:
                starts += [start] * len(shown)
                ends += [end] * len(shown)
    except (tokenize.TokenError, SyntaxError):
        pass
    return "".join(out), starts, ends


_SKIPPED = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT,
            tokenize.ENCODING, tokenize.ENDMARKER}


@dataclass
class _Fingerprint:
    """What ``copydetect.compare_files`` reads of a ``copydetect.CodeFingerprint``, plus where each
    filtered character came from (``offsets`` is left empty: slices are mapped back here)."""

    code: str
    filtered_code: str
    starts: list[int]
    ends: list[int]
    hashes: set
    hash_idx: dict
    k: int
    token_coverage: float
    offsets: object = None

    def index_arrays(self) -> None:
        """``positions`` (sorted) and the fingerprint at each, and the sorted distinct fingerprints."""
        import numpy as np

        pairs = sorted((i, h) for h, places in self.hash_idx.items() for i in places)
        self.positions = np.array([i for i, _ in pairs], dtype=np.int64)
        self.pos_hashes = np.array([h for _, h in pairs], dtype=np.int64)
        self.unique = np.unique(self.pos_hashes)

    def raw_slices(self, slices) -> list[tuple[int, int]]:
        """Filtered ``[starts, ends]`` (copydetect's) as character ranges of the code as written."""
        out = []
        for start, end in zip(*slices):
            start, end = int(start), min(int(end), len(self.starts)) - 1
            if 0 <= start <= end:
                out.append((self.starts[start], self.ends[end]))
        return out


def _kgram_hashes(text: str, k: int):
    """A hash of every k-character substring, the same in every process.

    copydetect hashes k-grams with Python's ``hash()``, which is salted per process
    (``PYTHONHASHSEED``): winnowing then keeps other fingerprints on every run, and a rerun of the same
    batch flagged another number of pairs (920, 1208, 1328 on one class). A polynomial hash mod 2**64
    is fixed, and with numpy about ten times faster.
    """
    import numpy as np

    codes = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(codes) < k:
        return np.array([], dtype=np.int64)
    windows = np.lib.stride_tricks.sliding_window_view(codes, k)
    with np.errstate(over="ignore"):
        return (windows @ _POWERS[-k:]).view(np.int64)  # uint64 arithmetic wraps: mod 2**64


def _powers(k: int, base: int = 1_000_003):
    import numpy as np

    out, value = [], 1
    for _ in range(k):
        out.append(value)
        value = (value * base) % (1 << 64)
    return np.array(out[::-1], dtype=np.uint64)


_POWERS = _powers(NOISE_TOKENS)


def _fingerprint(code: str, boilerplate: Iterable[int] | None = None) -> _Fingerprint:
    """copydetect's ``get_document_fingerprints`` with a fixed k-gram hash (see :func:`_kgram_hashes`)."""
    import numpy as np
    from copydetect.utils import get_token_coverage, winnow

    filtered, starts, ends = _filtered(code)
    hashes, idx = winnow(_kgram_hashes(filtered, NOISE_TOKENS), GUARANTEE_TOKENS - NOISE_TOKENS + 1,
                         remove_duplicates=False)
    if boilerplate:
        keep = ~np.isin(hashes, np.fromiter(boilerplate, dtype=np.int64))
        hashes, idx = hashes[keep], idx[keep]
    index: dict[int, list[int]] = {}
    for value, i in zip(hashes.tolist(), idx.tolist()):
        index.setdefault(value, []).append(i)
    coverage = get_token_coverage(index, NOISE_TOKENS, len(filtered))
    return _Fingerprint(code, filtered, starts, ends, set(index), index, NOISE_TOKENS, coverage, np.array([]))


def warm_up() -> None:
    """Import copydetect now (~2 s: it imports matplotlib.pyplot for its own reports), e.g. in a
    background thread of a batch while students are graded."""
    import copydetect  # noqa: F401, PLC0415


def stub_fingerprints(course: Course, assignment: Assignment) -> set[int]:
    """Fingerprints of the code every student was given: the stub module and the stub notebook."""
    hashes: set[int] = set()
    folder = course.assignments_dir / assignment.id
    for path in (folder / assignment.module, folder / f"{assignment.id}.ipynb"):
        try:
            hashes |= set(_fingerprint(_code(path)).hashes)
        except (OSError, ValueError, UnicodeDecodeError, AttributeError):
            continue  # a stub that cannot be read only means nothing is removed
    return hashes


def _share(fa: _Fingerprint, fb: _Fingerprint) -> tuple[int, float]:
    """``compare_files``' numbers for ``fa``'s side, computed from arrays: the characters of ``fa``'s
    filtered code inside a fingerprint ``fb`` holds too (the union of ``[p, p + k)`` over their
    positions p, which is what ``get_copied_slices`` measures), and their share of its coverage."""
    import numpy as np

    if not fa.unique.size or not fb.unique.size:
        return 0, 0.0
    at = np.searchsorted(fb.unique, fa.pos_hashes).clip(max=fb.unique.size - 1)
    positions = fa.positions[fb.unique[at] == fa.pos_hashes]
    if not positions.size:
        return 0, 0.0
    covered = fa.k + int(np.minimum(np.diff(positions), fa.k).sum())
    return covered, covered / fa.token_coverage if fa.token_coverage else 0.0


def find_similar(
    sources: list[Source], boilerplate: set[int], *, threshold: float = THRESHOLD, detailed: int = DETAILED
) -> SimilarityReport:
    """Pairs of ``sources`` of which at least ``threshold`` of one's own code is found in the other.

    Fingerprints found in more than half of the distinct submissions (and more than
    :data:`COMMON_MIN` of them) are dropped like the stub's, as MOSS drops passages that appear too
    often: code nearly everyone writes (``np.zeros((n, ho, wo, f))``) says nothing about copying.
    The ``detailed`` most similar pairs carry the shared slices (``copydetect.compare_files``), for
    the side-by-side view.
    """
    from copydetect import compare_files

    started = time.perf_counter()
    digest_of, unreadable = {}, []
    prints: dict[str, _Fingerprint] = {}  # one fingerprint per distinct source (identical files: one)
    for source in sources:
        try:
            code = _code(source.path)
        except Exception:  # noqa: BLE001 - unreadable or not UTF-8: graded (and reported) as such elsewhere
            unreadable.append(source.student_id)
            continue
        digest = hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()
        if digest not in prints:
            prints[digest] = _fingerprint(code, boilerplate)
        digest_of[source.student_id] = digest
    _drop_common(prints)
    for fp in prints.values():
        fp.index_arrays()
    # Candidate pairs of distinct sources: those sharing at least MIN_SHARED fingerprints.
    holders: dict[int, list[str]] = defaultdict(list)
    for digest, fp in prints.items():
        for h in fp.hashes:
            holders[h].append(digest)
    shared: dict[tuple[str, str], int] = defaultdict(int)
    for digests in holders.values():
        digests.sort()
        for i, a in enumerate(digests):
            for b in digests[i + 1:]:
                shared[(a, b)] += 1
    measured: dict[tuple[str, str], tuple[int, float, int, float]] = {}
    for (a, b), count in shared.items():
        if count >= MIN_SHARED:
            measured[(a, b)] = (*_share(prints[a], prints[b]), *_share(prints[b], prints[a]))
    for digest, fp in prints.items():  # identical files handed in by different students
        if len(fp.hashes) >= MIN_SHARED:
            measured[(digest, digest)] = (*_share(fp, fp), *_share(fp, fp))
    students = sorted(digest_of)
    files = {s.student_id: s.file for s in sources}
    pairs = []
    for i, a in enumerate(students):
        for b in students[i + 1:]:
            da, db = digest_of[a], digest_of[b]
            key, flip = ((da, db), False) if da <= db else ((db, da), True)
            if key not in measured:
                continue
            over_a, sim_a, over_b, sim_b = measured[key]
            if flip:
                over_a, sim_a, over_b, sim_b = over_b, sim_b, over_a, sim_a
            if max(sim_a, sim_b) < threshold or min(over_a, over_b) < MIN_SHARED_CHARACTERS:
                continue
            pairs.append(Pair(a, b, files[a], files[b], float(sim_a), float(sim_b), int(min(over_a, over_b)),
                              prints[da].code, prints[db].code))
    pairs.sort(key=lambda p: (-p.similarity, -p.shared, p.student_a, p.student_b))
    for pair in pairs[:detailed]:
        fa, fb = prints[digest_of[pair.student_a]], prints[digest_of[pair.student_b]]
        _, _, (slices_a, slices_b) = compare_files(fa, fb)
        pair.slices_a, pair.slices_b = fa.raw_slices(slices_a), fb.raw_slices(slices_b)
    return SimilarityReport(pairs, len(digest_of), threshold, time.perf_counter() - started, sorted(unreadable))


COMMON_MIN = 10
"""A fingerprint held by more distinct files than this (and by more than half of them) is "what
everyone writes" (MOSS's ``-m`` defaults to 10): a few copies of one file in a small class never are."""


def _drop_common(prints: dict[str, object]) -> None:
    """Remove fingerprints held by more than half of the distinct sources (see :func:`find_similar`)."""
    from copydetect.utils import get_token_coverage

    if len(prints) <= COMMON_MIN:
        return
    counts: dict[int, int] = defaultdict(int)
    for fp in prints.values():
        for h in fp.hashes:
            counts[h] += 1
    common = {h for h, n in counts.items() if n > max(COMMON_MIN, len(prints) / 2)}
    if not common:
        return
    for fp in prints.values():
        dropped = fp.hashes & common
        if dropped:
            fp.hashes = fp.hashes - dropped
            fp.hash_idx = {h: i for h, i in fp.hash_idx.items() if h not in dropped}
            fp.token_coverage = get_token_coverage(fp.hash_idx, fp.k, len(fp.filtered_code))
