"""Suspiciously similar submissions, for a human to look at (``grader batch``; off with ``--no-similarity``).

Code is compared with copydetect (winnowing fingerprints of tokenized code, as MOSS does): variable,
function and class names are replaced by placeholders before fingerprinting, so renaming variables
changes nothing, and fingerprints are a set, so reordering functions changes nothing either. A
notebook is compared as the module its code cells define (``submission.extract_notebook``), so a
notebook and a ``.py`` holding the same code match. The assignment's stub (module and notebook) is
fingerprinted too and its fingerprints are removed from everyone's ("boilerplate"): code every
student was given never counts as shared.

copydetect's own ``CopyDetector`` compares every pair of files it is given (quadratic, with a
progress bar and files read from disk). Here each distinct source is fingerprinted once with
``copydetect.CodeFingerprint``, candidate pairs come from an inverted index of fingerprints (only
pairs sharing many fingerprints are looked at), and ``copydetect.compare_files`` measures just those:
the measure and the highlighted slices are copydetect's, the pair search is ours.

Nothing here changes a score: the result is a list of pairs for summary.html and similarity.csv.
"""

from __future__ import annotations

import hashlib
import io
import time
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
    """The module source a submission defines: the ``.py`` itself, or a notebook's code cells."""
    if path.suffix == ".ipynb":
        from grader.submission import extract_notebook

        return extract_notebook(path)
    return path.read_bytes().decode("utf-8")


def _fingerprint(code: str, boilerplate: Iterable[int] | None = None):
    from copydetect import CodeFingerprint

    # A file name only tells copydetect's tokenizer the language; the code comes from ``fp``.
    return CodeFingerprint("module.py", NOISE_TOKENS, GUARANTEE_TOKENS - NOISE_TOKENS + 1,
                           boilerplate=list(boilerplate or []), fp=io.StringIO(code))


def stub_fingerprints(course: Course, assignment: Assignment) -> set[int]:
    """Fingerprints of the code every student was given: the stub module and the stub notebook."""
    hashes: set[int] = set()
    folder = course.assignments_dir / assignment.id
    for path in (folder / assignment.module, folder / f"{assignment.id}.ipynb"):
        try:
            hashes |= set(_fingerprint(_code(path)).hashes)
        except (OSError, ValueError, UnicodeDecodeError):
            continue
        except Exception:  # noqa: BLE001 - a stub that cannot be read only means nothing is removed
            continue
    return hashes


def find_similar(
    sources: list[Source], boilerplate: set[int], *, threshold: float = THRESHOLD
) -> SimilarityReport:
    """Pairs of ``sources`` of which at least ``threshold`` of one's own code is found in the other.

    Fingerprints found in more than half of the distinct submissions (and more than
    :data:`COMMON_MIN` of them) are dropped like the stub's, as MOSS drops passages that appear too
    often: code nearly everyone writes (``np.zeros((n, ho, wo, f))``) says nothing about copying.
    """
    from copydetect import compare_files

    started = time.perf_counter()
    digest_of, codes, unreadable = {}, {}, []
    prints: dict[str, object] = {}  # one fingerprint per distinct source (identical files: one)
    for source in sources:
        try:
            code = _code(source.path)
        except Exception:  # noqa: BLE001 - unreadable or not UTF-8: graded (and reported) as such elsewhere
            unreadable.append(source.student_id)
            continue
        digest = hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()
        if digest not in prints:
            prints[digest] = _fingerprint(code, boilerplate)
            codes[digest] = code
        digest_of[source.student_id] = digest
    _drop_common(prints)
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
    measured: dict[tuple[str, str], tuple] = {}
    for (a, b), count in shared.items():
        if count >= MIN_SHARED:
            measured[(a, b)] = compare_files(prints[a], prints[b])
    for digest, fp in prints.items():  # identical files handed in by different students
        if len(fp.hashes) >= MIN_SHARED:
            measured[(digest, digest)] = compare_files(fp, fp)
    students = sorted(digest_of)
    files = {s.student_id: s.file for s in sources}
    pairs = []
    for i, a in enumerate(students):
        for b in students[i + 1:]:
            da, db = digest_of[a], digest_of[b]
            key, flip = ((da, db), False) if da <= db else ((db, da), True)
            if key not in measured:
                continue
            overlap, sims, slices = measured[key]
            (sim_a, sim_b), (slices_a, slices_b) = (sims[::-1], slices[::-1]) if flip else (sims, slices)
            if max(sim_a, sim_b) < threshold:
                continue
            pairs.append(Pair(
                a, b, files[a], files[b], float(sim_a), float(sim_b), int(overlap), codes[da], codes[db],
                [(int(s), int(e)) for s, e in zip(*slices_a)], [(int(s), int(e)) for s, e in zip(*slices_b)],
            ))
    pairs.sort(key=lambda p: (-p.similarity, -p.shared, p.student_a, p.student_b))
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
