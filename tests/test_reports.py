"""Reports are pure functions of a GradingResult: results.json, Markdown, HTML, grades.csv, summary.html.

Results are built by hand (no sandbox, no TensorFlow) so that each format is checked on exactly the
situations that matter: passes and failures, a visible failure with arrays, a hidden failure whose
details must not leak, and submissions that could not be graded.
"""

from __future__ import annotations

import base64
import csv
import json
import re
import struct
import subprocess
import sys
from datetime import datetime, timezone

import numpy as np
import pytest

from grader import messages, report
from grader.course import Assignment, Limits, Part
from grader.report.csv import grades_csv_header, grades_csv_row, write_grades_csv
from grader.report.gradescope import VISIBILITIES, to_results_json, write_results_json
from grader.report.html import feedback_html
from grader.report.markdown import escape, feedback_markdown, job_summary_markdown
from grader.report.plots import failure_example_png
from grader.report.summary import summary_html
# Aliased so that pytest does not try to collect the dataclass as a test class.
from grader.results import CaseResult, FailureExample, GradingResult, Status
from grader.results import TestResult as TResult
from grader.scoring import score_tests

# Markers planted in the hidden failure: none of them may reach anything a student sees.
HIDDEN_CASE = "edge-SECRETCASE-7"
HIDDEN_DETAIL = "max |diff| 987.654321 at (0, 3, 2, 1)"
HIDDEN_VALUE = 424242.5
VISIBLE_DETAIL = "max |diff| 2.5 at (0, 1, 2, 0)"
PNG_URI = "data:image/png;base64,"


ASSIGNMENT = Assignment(
    id="a03_multichannel",
    module="multichannel.py",
    title={"ko": "3차원 데이터의 합성곱", "en": "Multi-channel convolution"},
    lecture="",
    parts=tuple(
        Part(pid, {"ko": ko, "en": en}, pts, ("conv2d",), False, {})
        for pid, ko, en, pts in [
            ("channels", "입력 채널의 합", "Summing over input channels", 4.0),
            ("batch_filters", "배치와 여러 필터", "Batches and several filters", 4.0),
            ("stride_padding", "스트라이드와 패딩", "Stride and padding", 4.0),
            ("bias", "편향", "Bias", 2.0),
            ("validation", "잘못된 입력 거부", "Rejecting bad input", 2.0),
        ]
    ),
    limits=Limits(20.0, 5.0, 30.0, 1024, 256),
    forbidden_imports=(),
)


def ok(name: str) -> CaseResult:
    return CaseResult(name, True)


def bad(name: str, codes: tuple[str, ...], detail: str = "") -> CaseResult:
    return CaseResult(name, False, codes, detail)


def visible_example() -> FailureExample:
    rng = np.random.default_rng(0)
    expected = rng.normal(size=(1, 4, 4, 2))
    return FailureExample(
        case="two channels",
        inputs={"arg0": rng.normal(size=(1, 6, 6, 2)), "arg1": rng.normal(size=(3, 3, 2, 2))},
        expected=expected,
        got=expected[:, ::-1, ::-1, :] + 0.5,
    )


def hidden_example() -> FailureExample:
    """An example a buggy grader might attach to a hidden test: reports must ignore it."""
    return FailureExample(
        case=HIDDEN_CASE,
        inputs={"arg0": np.full((1, 3, 3, 1), HIDDEN_VALUE)},
        expected=np.full((1, 2, 2, 1), HIDDEN_VALUE),
        got=np.zeros((1, 2, 2, 1)),
    )


def title(ko: str, en: str) -> dict[str, str]:
    return {"ko": ko, "en": en}


def graded_result(student: str = "s001") -> GradingResult:
    """Five parts: a visible failure with an example, a hidden failure (with planted secrets), passes."""
    tests = [
        TResult(
            "sums_over_input_channels", "channels",
            title("입력 채널을 모두 더한다", "sums over input channels"), "visible", "1.1",
            [
                ok("one channel"),
                bad("two channels", ("flipped_kernel",), VISIBLE_DETAIL),
                bad("three channels", ("flipped_kernel", "no_channel_sum"), "<script>alert(1)</script>"),
            ],
            example=visible_example(),
        ),
        TResult("channels_hidden", "channels", title("숨은 채널", "hidden channels"), "hidden", "1.2",
                [ok("h1"), ok("h2")]),
        TResult("several_filters", "batch_filters", title("필터 여러 개", "several filters"), "visible", "2.1",
                [ok("f1"), ok("f2")]),
        TResult(
            "stride_hidden", "stride_padding", title("숨은 스트라이드", "hidden stride"), "hidden", "3.1",
            [
                ok("s1"),
                bad(HIDDEN_CASE, ("stride_ignored",), HIDDEN_DETAIL),
                bad("s3-secret", ("stride_ignored",), HIDDEN_DETAIL),
            ],
            example=hidden_example(),
        ),
        TResult("adds_bias", "bias", title("편향을 더한다", "adds the bias"), "visible", "4.1", [ok("b1")]),
        TResult("rejects_bad", "validation", title("거부", "rejects"), "hidden", "5.1", [ok("v1"), ok("v2")]),
    ]
    parts = score_tests(ASSIGNMENT, tests)
    return GradingResult("a03_multichannel", student, Status.GRADED, tests, parts, execution_time=1.23456)


def failed_result(status: Status, student: str, message: str) -> GradingResult:
    return GradingResult("a03_multichannel", student, status, message=message, execution_time=20.0)


def hidden_texts() -> list[str]:
    return [HIDDEN_CASE, "SECRETCASE", "987.654321", "(0, 3, 2, 1)", "424242", "s3-secret"]


# --- results.json ------------------------------------------------------------------------------------


def test_results_json_follows_gradescope_schema() -> None:
    result = graded_result()
    doc = to_results_json(result, "ko")
    assert {"score", "max_score", "execution_time", "output", "tests", "stdout_visibility"} <= doc.keys()
    assert "leaderboard" not in doc
    assert doc["stdout_visibility"] == "hidden"
    assert isinstance(doc["output"], str) and doc["output"]
    assert doc["max_score"] == 16.0
    assert doc["execution_time"] == pytest.approx(1.235)
    required = {"name", "number", "score", "max_score", "status", "output", "visibility", "extra_data"}
    for test in doc["tests"]:
        assert required <= test.keys()
        assert isinstance(test["name"], str) and isinstance(test["number"], str) and isinstance(test["output"], str)
        assert isinstance(test["score"], float) and isinstance(test["max_score"], float)
        assert test["status"] in ("passed", "failed")
        assert test["visibility"] in VISIBILITIES
        assert set(test["extra_data"]) == {"part", "diagnosis", "cases_passed", "cases_total"}
        assert test["score"] == round(test["score"], 4)
    assert sum(t["score"] for t in doc["tests"]) == pytest.approx(doc["score"], abs=1e-3)
    assert sum(t["max_score"] for t in doc["tests"]) == pytest.approx(doc["max_score"], abs=1e-3)
    assert doc["score"] == round(result.score, 4)
    json.dumps(doc)  # every value is plain JSON


def test_results_json_tests_carry_name_status_visibility_and_extra_data() -> None:
    doc = to_results_json(graded_result(), "ko")
    first = doc["tests"][0]
    assert first["name"].startswith("channels: sums_over_input_channels — ")
    assert first["number"] == "1.1"
    assert first["status"] == "failed" and first["visibility"] == "visible"
    assert first["extra_data"] == {
        "part": "channels", "diagnosis": ["flipped_kernel", "no_channel_sum"], "cases_passed": 1, "cases_total": 3,
    }
    assert VISIBLE_DETAIL in first["output"]
    assert report.explain("flipped_kernel", "ko") in first["output"]
    by_number = {t["number"]: t for t in doc["tests"]}
    assert by_number["3.1"]["visibility"] == "after_published"
    assert by_number["2.1"]["status"] == "passed" and by_number["2.1"]["score"] == 4.0


def test_hidden_visibility_is_a_parameter() -> None:
    doc = to_results_json(graded_result(), "en", hidden_visibility="hidden")
    assert {t["visibility"] for t in doc["tests"]} == {"visible", "hidden"}
    with pytest.raises(ValueError, match="hidden_visibility"):
        to_results_json(graded_result(), "en", hidden_visibility="never")


def test_hidden_test_output_has_only_part_codes_and_counts() -> None:
    doc = to_results_json(graded_result(), "en")
    hidden = next(t for t in doc["tests"] if t["number"] == "3.1")
    for secret in hidden_texts():
        assert secret not in hidden["output"]
    assert not re.search(r"\d+\.\d+", hidden["output"]), hidden["output"]
    assert report.explain("stride_ignored", "en") in hidden["output"]
    assert "1/3" in hidden["output"]
    assert hidden["extra_data"]["diagnosis"] == ["stride_ignored"]
    whole = json.dumps(doc, ensure_ascii=False)
    for secret in hidden_texts():
        assert secret not in whole


def test_not_graded_results_json_gives_the_reason() -> None:
    doc = to_results_json(failed_result(Status.TIMEOUT, "s9", "import took longer than 20 s"), "en")
    assert doc["score"] == 0 and doc["tests"] == []
    assert "import took longer than 20 s" in doc["output"]
    assert report.text("status_help.timeout", "en") in doc["output"]


def test_internal_error_blames_the_grader_and_hides_its_message() -> None:
    result = failed_result(Status.INTERNAL_ERROR, "s8", "Traceback: /srv/hidden_suites/a03.py line 12")
    doc = to_results_json(result, "ko")
    assert doc["output"] == messages.text("report.grader_failed_not_you", "ko")
    assert "hidden_suites" not in feedback_markdown(result, "ko")
    assert "hidden_suites" not in feedback_html(result, "ko")


def test_write_results_json_is_utf8_without_escapes(tmp_path) -> None:
    path = write_results_json(graded_result(), tmp_path / "results.json", "ko")
    raw = path.read_bytes().decode("utf-8")
    assert "입력 채널을 모두 더한다" in raw and "\\u" not in raw
    assert json.loads(raw) == to_results_json(graded_result(), "ko")


def test_no_submission_names_the_module_file() -> None:
    result = failed_result(Status.NO_SUBMISSION, "s7", "")
    assert "multichannel.py" in to_results_json(result, "ko", module="multichannel.py")["output"]
    assert "multichannel.py" in feedback_markdown(result, "en", assignment=ASSIGNMENT)
    assert "multichannel.py" in feedback_html(result, "en", assignment=ASSIGNMENT)


def test_reports_follow_the_language() -> None:
    result = graded_result()
    ko, en = to_results_json(result, "ko"), to_results_json(result, "en")
    assert ko["tests"][0]["output"] != en["tests"][0]["output"]
    assert "입력 채널을 모두 더한다" in ko["tests"][0]["name"]
    assert "sums over input channels" in en["tests"][0]["name"]
    assert "3차원 데이터의 합성곱" in feedback_markdown(result, "ko", assignment=ASSIGNMENT)
    assert "Multi-channel convolution" in feedback_html(result, "en", assignment=ASSIGNMENT, pictures=False)


def test_every_message_key_the_reports_use_exists() -> None:
    """A typo in a key would show students the bare key: each literal key must be in the registry."""
    from pathlib import Path

    folder = Path(report.__file__).parent
    keys = {k for f in folder.glob("*.py") for k in re.findall(r"""["'](report\.\w+)["']""", f.read_text())}
    keys |= {f"status.{s.value}" for s in Status} | {f"status_help.{s.value}" for s in Status}
    assert {"report.cases_passed", "report.full_score", "report.grader_failed_not_you"} <= keys
    missing = {(lang, k) for lang in ("ko", "en") for k in keys if k not in messages.catalog(lang)}
    assert not missing


def test_write_feedback_writes_the_three_files(tmp_path) -> None:
    written = report.write_feedback(graded_result(), tmp_path / "out" / "s001", "ko", assignment=ASSIGNMENT)
    assert [p.name for p in written] == ["results.json", "feedback.md", "feedback.html"]
    assert json.loads(written[0].read_text(encoding="utf-8"))["max_score"] == 16.0
    assert "3차원 데이터의 합성곱" in written[1].read_text(encoding="utf-8")
    assert written[2].read_text(encoding="utf-8").count(PNG_URI) == 1


# --- Markdown ----------------------------------------------------------------------------------------


def test_feedback_markdown_has_part_table_and_failed_tests() -> None:
    md = feedback_markdown(graded_result(), "ko")
    assert md.startswith("# ")
    rows = [line for line in md.splitlines() if line.startswith("| ") and "`" in line]
    assert len(rows) == len(ASSIGNMENT.parts)
    assert [re.search(r"`(\w+)`", r).group(1) for r in rows] == [p.id for p in ASSIGNMENT.parts]
    assert "❌" in rows[0] and "✅" in rows[1] and "❌" in rows[2]
    assert "| 1.33 / 4 |" in rows[2]  # stride_padding: 1 of 3 hidden cases -> 4/3, two decimals for people
    assert "channels: sums_over_input_channels — 입력 채널을 모두 더한다" in md
    assert md.count(escape(report.explain("flipped_kernel", "ko"))) == 1  # each code explained once per test
    assert f"`two channels: {VISIBLE_DETAIL}`" in md
    for secret in hidden_texts():
        assert secret not in md
    assert "⚠️" not in md  # graded: no status box


def test_markdown_status_box_for_timeout_and_internal_error() -> None:
    md = feedback_markdown(failed_result(Status.TIMEOUT, "s9", "took `too` long"), "en")
    assert "> ⚠️" in md and "took `too` long" in md
    md = feedback_markdown(failed_result(Status.INTERNAL_ERROR, "s8", "boom"), "en")
    assert escape(messages.text("report.grader_failed_not_you", "en")) in md and "boom" not in md
    assert "0 / 0" not in md


def test_job_summary_is_compact() -> None:
    summary = job_summary_markdown(graded_result(), "en")
    assert summary.startswith("### ❌ a03_multichannel:")
    assert "`flipped_kernel`" in summary and "`stride_ignored`" in summary
    assert summary.count(escape(report.explain("flipped_kernel", "en"))) == 1
    assert VISIBLE_DETAIL not in summary
    assert len(summary.splitlines()) < len(feedback_markdown(graded_result(), "en").splitlines())


# --- HTML --------------------------------------------------------------------------------------------


def _pngs(page: str) -> list[bytes]:
    return [base64.b64decode(m) for m in re.findall(r'data:image/png;base64,([A-Za-z0-9+/=]+)"', page)]


def _png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", png[16:24])


def test_feedback_html_pictures_visible_failure_only() -> None:
    page = feedback_html(graded_result(), "ko")
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page
    assert page.count(PNG_URI) == 1
    assert all(_png_size(png)[0] > 100 for png in _pngs(page))
    for secret in hidden_texts():
        assert secret not in page
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert not re.search(r"""(src|href)=["']?https?:|url\(|@import""", page)


def test_feedback_html_without_visible_example_has_no_picture() -> None:
    result = graded_result()
    result.tests[0].example = None
    assert PNG_URI not in feedback_html(result, "en")
    result = graded_result()
    result.tests[0].visibility = "hidden"  # a hidden test never gets a picture, even with an example
    assert PNG_URI not in feedback_html(result, "en")


def test_plots_draw_difference_only_when_shapes_match() -> None:
    example = visible_example()
    same = _png_size(failure_example_png(example))
    example.got = np.zeros((1, 3, 3, 2))
    differ = _png_size(failure_example_png(example))
    assert same[0] > differ[0]  # three columns (with |difference|) against two
    two_d = FailureExample("2d", {}, np.arange(6.0).reshape(2, 3), np.full((2, 3), np.nan))
    assert _png_size(failure_example_png(two_d))[1] < same[1]  # one row instead of two channels
    many = FailureExample("c", {}, np.ones((2, 2, 2, 9)), np.ones((2, 2, 2, 9)))
    assert _png_size(failure_example_png(many))[1] > same[1]  # capped at 4 channels, more than 2
    assert failure_example_png(FailureExample("t", {}, (1, 2), (0, 2))) is None


def test_feedback_html_shapes_differ_is_explained() -> None:
    result = graded_result()
    result.tests[0].example.got = np.zeros((1, 5, 5, 2))
    page = feedback_html(result, "en")
    assert page.count(PNG_URI) == 1
    assert "(1, 4, 4, 2)" in page and "(1, 5, 5, 2)" in page


# --- grades.csv --------------------------------------------------------------------------------------


def test_grades_csv_header_and_row_follow_parts() -> None:
    header = grades_csv_header(ASSIGNMENT)
    parts = ["channels", "batch_filters", "stride_padding", "bias", "validation"]
    assert header == ["student_id", "assignment", "score", "max_score", "status", *parts, "diagnoses", "graded_at"]
    result = graded_result()
    row = grades_csv_row(result, ASSIGNMENT, datetime(2025, 3, 1, 9, 30, tzinfo=timezone.utc))
    assert len(row) == len(header)
    cells = dict(zip(header, row))
    assert [cells[p.id] for p in ASSIGNMENT.parts] == ["2.4", "4", "1.3333", "2", "2"]
    assert cells["score"] == "11.7333" and cells["max_score"] == "16" and cells["status"] == "graded"
    assert cells["diagnoses"] == "flipped_kernel;stride_ignored;no_channel_sum"
    assert cells["graded_at"] == "2025-03-01T09:30:00Z"


def test_grades_csv_rows_for_failed_gradings(tmp_path) -> None:
    timeout = grades_csv_row(failed_result(Status.TIMEOUT, "=cmd", "slow"), ASSIGNMENT, "2025-03-01T00:00:00Z")
    assert timeout[:5] == ["'=cmd", "a03_multichannel", "0", "16", "timeout"]
    internal = grades_csv_row(failed_result(Status.INTERNAL_ERROR, "s8", "boom"), ASSIGNMENT)
    assert internal[2] == "" and internal[5:10] == [""] * 5 and internal[4] == "internal_error"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", internal[-1])
    path = write_grades_csv(tmp_path / "grades.csv", [timeout, internal], header=grades_csv_header(ASSIGNMENT))
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows == [grades_csv_header(ASSIGNMENT), timeout, internal]


# --- summary.html ------------------------------------------------------------------------------------


def test_summary_html_for_a_class() -> None:
    results = [graded_result(f"s{i:03d}") for i in range(6)]
    results.append(failed_result(Status.TIMEOUT, "late<b>", "import took longer than 20 s"))
    results.append(failed_result(Status.CRASHED, "s101", "worker exited with status 3"))
    results.append(failed_result(Status.NO_SUBMISSION, "s102", "no multichannel.py"))
    results.append(failed_result(Status.INTERNAL_ERROR, "s103", "reference failed"))
    page = summary_html(results, ASSIGNMENT, "ko")
    assert page.count(PNG_URI) >= 1  # the histogram
    assert all(_png_size(png)[0] > 100 for png in _pngs(page))
    problems = page[page.index(messages.text("report.not_graded", "ko")):]
    expected_rows = [
        ("late&lt;b&gt;", "timeout", "import took longer than 20 s"),
        ("s101", "crashed", "worker exited with status 3"),
        ("s102", "no_submission", "no multichannel.py"),
        ("s103", "internal_error", "reference failed"),
    ]
    for sid, status, message in expected_rows:
        row = f"<td>{re.escape(sid)}</td><td><code>{status}</code></td><td>[^<]+</td><td><code>{re.escape(message)}</code></td>"
        assert re.search(row, problems), row
    assert "late<b>" not in page
    assert re.search(r"<code>graded</code> [^<]*</td><td class=\"num\">6</td>", page)
    assert re.search(r"<code>timeout</code> [^<]*</td><td class=\"num\">1</td>", page)
    assert re.search(r"<code>flipped_kernel</code> [^<]*</td><td class=\"num\">6</td>", page)
    assert report.explain("stride_ignored", "ko") in page
    # batch_filters: the 6 graded of 9 scored submissions (the internal error is left out); channels: none.
    assert re.search(r"<code>batch_filters</code></td><td class=\"num\">67%</td>", page)
    assert re.search(r"<code>channels</code></td><td class=\"num\">0%</td>", page)
    assert not re.search(r"""(src|href)=["']?https?:""", page)


def test_summary_html_words_each_diagnosis_for_its_assignment() -> None:
    """The class's table of diagnoses explains a code as the students' feedback does: in the
    assignment's wording where the catalog has one (a01 has no channels)."""
    from pathlib import Path

    from grader.course import load_course

    a01 = load_course(Path(__file__).resolve().parent.parent).assignment("a01_correlation")
    test = TResult("shape", a01.parts[0].id, title("모양", "shape"), "visible", "1.1", [bad("c", ("wrong_shape",))])
    result = GradingResult(a01.id, "s1", Status.GRADED, [test], score_tests(a01, [test]))
    for lang in ("ko", "en"):
        page = summary_html([result], a01, lang)
        worded = messages.text("diagnosis_for.a01_correlation.wrong_shape", lang)
        assert worded != messages.text("diagnosis.wrong_shape", lang)
        assert report.explain("wrong_shape", lang, assignment=a01.id) in page
        assert report.explain("wrong_shape", lang) not in page


def test_summary_html_without_results() -> None:
    page = summary_html([], ASSIGNMENT, "en")
    assert PNG_URI not in page and "</html>" in page


# --- import cost -------------------------------------------------------------------------------------


def test_importing_reports_does_not_import_matplotlib() -> None:
    code = (
        "import sys, grader.report, grader.report.html, grader.report.markdown, grader.report.gradescope,"
        " grader.report.csv, grader.report.summary; assert 'matplotlib' not in sys.modules;"
        " assert callable(grader.report.to_results_json)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
