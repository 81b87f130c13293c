"""Similar submissions in summary.html (a table, then each pair side by side with the shared code
highlighted) and in similarity.csv. For a human to judge: nothing here changes a score."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING

from grader.report import text
from grader.report.html import esc, table

if TYPE_CHECKING:
    from grader.batch.similarity import Pair, SimilarityReport

from grader.batch.discover import SIMILARITY_FILE  # noqa: E402  (one name, beside the reserved ones)
SHOWN_PAIRS = 30
"""Pairs shown side by side in summary.html (the table lists up to :data:`LISTED_PAIRS`; the CSV all)."""
LISTED_PAIRS = 200
CSV_HEAD = ["student_a", "student_b", "similarity", "similarity_a", "similarity_b", "shared_characters",
            "file_a", "file_b"]


def _percent(value: float) -> str:
    return f"{100 * value:.0f}%"


def write_similarity_csv(path: str | os.PathLike[str], report: SimilarityReport) -> Path:
    """similarity.csv: one row per flagged pair, most similar first (files relative to the class folder)."""
    path = Path(path)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_HEAD)
        for p in report.pairs:
            writer.writerow([
                _cell(p.student_a), _cell(p.student_b), f"{p.similarity:.3f}", f"{p.similarity_a:.3f}",
                f"{p.similarity_b:.3f}", p.shared, p.file_a, p.file_b,
            ])
    return path


def _cell(value: str) -> str:
    # As in grades.csv: a student id starting with = + - @ would run as a spreadsheet formula.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def _highlighted(code: str, slices: list[tuple[int, int]]) -> str:
    """``code`` escaped, with the shared ranges in ``<mark>``."""
    out, at = [], 0
    for start, end in sorted(slices):
        start, end = max(start, at), max(end, at)
        out.append(esc(code[at:start]))
        if end > start:
            out.append(f"<mark>{esc(code[start:end])}</mark>")
        at = end
    out.append(esc(code[at:]))
    return "".join(out)


def _side_by_side(pair: Pair, number: int, lang: str) -> list[str]:
    heading = text("report.similar_pair", lang, a=pair.student_a, b=pair.student_b, share=_percent(pair.similarity))
    return [
        f'<details id="pair-{number}"><summary>{esc(heading)}</summary>',
        '<div class="pair">',
        f'<div><p><strong>{esc(pair.student_a)}</strong> <code>{esc(pair.file_a)}</code> · '
        f'{esc(_percent(pair.similarity_a))}</p><pre>{_highlighted(pair.code_a, pair.slices_a)}</pre></div>',
        f'<div><p><strong>{esc(pair.student_b)}</strong> <code>{esc(pair.file_b)}</code> · '
        f'{esc(_percent(pair.similarity_b))}</p><pre>{_highlighted(pair.code_b, pair.slices_b)}</pre></div>',
        "</div></details>",
    ]


def similarity_section(report: SimilarityReport, lang: str) -> list[str]:
    """The "similar submissions" part of summary.html."""
    out = [
        f'<h2 id="similarity">{esc(text("report.similarity_title", lang))}</h2>',
        f"<p>{esc(text('report.similarity_about', lang, students=report.students, threshold=_percent(report.threshold)))}</p>",
    ]
    if not report.pairs:
        return out + [f"<p>{esc(text('report.none', lang))}</p>"]
    head = [esc(text(k, lang)) for k in ("report.student", "report.student", "report.similarity", "report.graded_file_column")]
    rows = []
    for number, p in enumerate(report.pairs[:LISTED_PAIRS], start=1):
        link = f'<a href="#pair-{number}">{esc(_percent(p.similarity))}</a>' if number <= SHOWN_PAIRS else esc(_percent(p.similarity))
        rows.append([esc(p.student_a), esc(p.student_b), link, f"<code>{esc(p.file_a)}</code> · <code>{esc(p.file_b)}</code>"])
    out += table(head, rows, numeric={2}, attrs='class="sortable" id="similarity-table"')
    if len(report.pairs) > LISTED_PAIRS:
        out.append(f"<p>{esc(text('report.more_in_csv', lang, more=len(report.pairs) - LISTED_PAIRS, file=SIMILARITY_FILE))}</p>")
    for number, pair in enumerate(report.pairs[:SHOWN_PAIRS], start=1):
        out += _side_by_side(pair, number, lang)
    return out
