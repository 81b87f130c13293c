"""``grader batch``: grade every student of a folder, resumably, and write the class's reports.

The trusted parent does everything but run student code: it finds the students
(:mod:`~grader.batch.discover`), fingerprints their files, skips those already in
``OUT/grades.sqlite`` (:mod:`~grader.batch.store`), prepares each remaining student's cases with
TensorFlow (imported once, here) and hands them to an :class:`~grader.batch.executor.Executor`.
Each result is committed to the store as it arrives; the reports are then written from the store,
so a run killed with ``kill -9`` and run again ends with the same ``grades.csv``.
"""

from __future__ import annotations

import concurrent.futures as cf
import csv
import functools
import gc
import os
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from grader.batch.discover import DISCOVERY_FILE, GRADES_FILE, STORE_FILE, SUMMARY_FILE, Submission, discover
from grader.batch.executor import Executor, GradeJob, local_executor
from grader.batch.store import Store, fingerprint
from grader.course import Assignment, Course
from grader.grading import StudentRun, grading_key
from grader.outputs import OutputError
from grader.results import GradingResult, Status

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


@dataclass
class Row:
    """One student's line: what was found, how it was graded, and when it first was."""

    submission: Submission
    result: GradingResult
    graded_at: str


@dataclass
class BatchReport:
    """Counts of one run, its summary line and its exit code (after black's ``Report``)."""

    students: int = 0
    graded: int = 0
    """Run in the sandbox during this run."""
    reused: int = 0
    """Found in the store with the same file fingerprint: not graded again."""
    decided: int = 0
    """Given a status without running anything (no submission, unreadable file)."""
    future_errors: int = 0
    """Jobs whose future raised (an engine failure): recorded as internal_error."""
    feedback_errors: list[str] = field(default_factory=list)
    statuses: Counter = field(default_factory=Counter)
    rows_written: int = 0
    similar_pairs: int | None = None
    """Pairs of suspiciously similar submissions flagged (None: not looked for)."""
    rows: list[Row] = field(default_factory=list, repr=False)
    """Every student's row, in grades.csv order (for callers such as ``grader demo``)."""

    @property
    def return_code(self) -> int:
        """0 when every student has a row in grades.csv (whatever the scores)."""
        return EXIT_OK if self.students and self.rows_written == self.students else EXIT_FAIL

    def line(self) -> str:
        by_status = ", ".join(f"{s.value} {self.statuses[s]}" for s in Status if self.statuses[s])
        return (
            f"{self.students} students: {self.graded} graded now, {self.reused} reused from {STORE_FILE}, "
            f"{self.decided} without a module to run ({by_status or 'none'})"
        )


# --- one submission ----------------------------------------------------------------------------------


def decided_result(assignment: Assignment, submission: Submission) -> GradingResult:
    """The result of a student whose status was decided without running anything."""
    from grader.grading import ungraded

    result = ungraded(assignment, submission.student_id, submission.status or Status.NO_SUBMISSION, submission.note)
    result.message_words = [(w.key, w.fields) for w in submission.words]
    return result


def _outcome(future: cf.Future, assignment: Assignment, submission: Submission) -> tuple[GradingResult | StudentRun, bool]:
    """The job's result (or run, to be judged), or an internal_error result when the engine failed
    (never the student's fault: run_job itself does not raise). The flag says whether the future raised."""
    from grader.grading import internal_error

    try:
        return future.result(), False
    except Exception as e:  # an engine crash (a dead worker process, a lost cluster node...)
        return internal_error(assignment, submission.student_id, e), True


def _with_note(result: GradingResult, submission: Submission) -> GradingResult:
    if submission.note and not result.message:
        result.message = submission.note  # "using kim.ipynb; ignored kim.py" reaches the instructor
        result.message_words = [(w.key, w.fields) for w in submission.words]
    return result


# --- the run -----------------------------------------------------------------------------------------


def _job(course: Course, assignment: Assignment, sub: Submission, timeout: float | None, answered: bool) -> GradeJob:
    """The student's job, with TensorFlow's answers when ``answered`` (prepared in this, trusted, process)."""
    assert sub.path is not None
    return GradeJob.prepared(course, assignment, sub.student_id, sub.path, timeout=timeout, answered=answered)


def _judged(course: Course, assignment: Assignment, run: StudentRun) -> GradingResult:
    """A run handed out before TensorFlow was loaded, judged now that it is."""
    from grader.grading import internal_error, judge_run, prepare

    try:
        return judge_run(assignment, prepare(course, assignment, run.student_id, code=run.code), run)
    except Exception as e:  # a suite or reference bug: the grader's fault, recorded as such
        return internal_error(assignment, run.student_id, e)


def grade_all(
    course: Course,
    assignment: Assignment,
    todo: list[Submission],
    executor: Executor,
    *,
    window: int,
    timeout: float | None = None,
    on_result: Callable[[Submission, GradingResult, bool], None],
    then_load: Callable[[], None] | None = None,
) -> None:
    """Grade ``todo`` on ``executor`` with at most ``window`` jobs in flight; call ``on_result``
    in this thread for each (submission, result, future_raised) as soon as it is known.

    TensorFlow loads in a background thread meanwhile. Until it has, jobs carry only their cases
    (the sandbox needs nothing else) and their runs wait here; they are judged once it is loaded,
    and from then on every job carries its answers. ``then_load`` runs in that thread afterwards
    (the reports' imports, so that they are not left for the end of the run).
    """
    from grader import reference

    loader = cf.ThreadPoolExecutor(max_workers=1, thread_name_prefix="reference")
    loaded = loader.submit(reference.warm_up)
    if then_load is not None:
        loader.submit(then_load)
    loader.shutdown(wait=False)
    queue = iter(todo)
    pending: dict[cf.Future, Submission] = {}
    waiting: list[tuple[Submission, StudentRun]] = []

    def fill() -> None:
        while len(pending) < window:
            sub = next(queue, None)
            if sub is None:
                return
            try:
                future = executor.submit(_job(course, assignment, sub, timeout, answered=loaded.done()))
            except Exception as e:  # a suite or reference bug, or the engine refused the job: still a row
                future = cf.Future()
                future.set_exception(e)
            pending[future] = sub

    def judge_one() -> None:
        sub, run = waiting.pop(0)
        on_result(sub, _with_note(_judged(course, assignment, run), sub), False)

    fill()
    while pending or waiting:
        # One waiting run at a time, between refills: judging them all at once as TensorFlow
        # arrives would leave the engines idle meanwhile.
        if waiting and loaded.done():
            judge_one()
        if not pending:
            if waiting and not loaded.done():
                cf.wait([loaded])
            continue
        polling = bool(waiting) and loaded.done()  # more runs to judge: only collect what is done
        watch = [*pending, loaded] if waiting and not loaded.done() else pending
        done, _ = cf.wait(watch, timeout=0 if polling else None, return_when=cf.FIRST_COMPLETED)
        for future in done:
            if future is loaded:
                continue
            sub = pending.pop(future)
            outcome, raised = _outcome(future, assignment, sub)
            if isinstance(outcome, StudentRun):
                waiting.append((sub, outcome))
            else:
                on_result(sub, _with_note(outcome, sub), raised)
        fill()


def _load_reports(collect: bool) -> None:
    """The reports' imports (matplotlib), then a frozen heap: run once TensorFlow is loaded.

    TensorFlow and matplotlib leave about a million objects that live as long as the batch. The
    collector walked all of them in each full pass, several times a run at about 0.15 s each (half
    a second of the batch process's CPU). It is off while they load (see ``run``); frozen, they
    are never walked again, and it is back on (``collect``) for what grading allocates.
    """
    from grader.batch import similarity
    from grader.report import plots

    plots.warm_up()
    try:
        similarity.warm_up()
    except ImportError:  # an install without copydetect: the similarity step says so itself
        pass
    gc.freeze()
    if collect:
        gc.enable()


def _write_feedback(result: GradingResult, folder: Path, lang: str, assignment: Assignment, pictures: bool) -> list[Path]:
    """results.json + feedback.md + feedback.html of one student, via grader.report."""
    from grader.report import write_feedback

    return write_feedback(result, folder, lang, assignment=assignment, pictures=pictures)


class _Progress:
    """A rich progress bar with ETA on stderr when it is a terminal; silent otherwise."""

    def __init__(self, total: int, label: str):
        from rich.console import Console

        console = Console(stderr=True)
        self._bar = None
        if total and console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

            self._bar = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                TextColumn("{task.fields[last]}"),
                console=console,
                transient=False,
            )
            self._task = self._bar.add_task(label, total=total, last="")

    def __enter__(self) -> "_Progress":
        if self._bar:
            self._bar.start()
        return self

    def advance(self, last: str) -> None:
        if self._bar:
            self._bar.update(self._task, advance=1, last=last)

    def __exit__(self, *exc: object) -> None:
        if self._bar:
            self._bar.stop()


def _similar(course: Course, assignment: Assignment, rows: list[Row], directory: Path, out: Path):
    """Flag suspiciously similar submissions (never changes a score); write OUT/similarity.csv.

    A failure here is reported and skipped: it must never cost the class its grades.csv."""
    from grader.batch.similarity import Source, find_similar, stub_fingerprints
    from grader.report.similarity import SIMILARITY_FILE, write_similarity_csv

    try:
        sources = [Source(r.submission.student_id, _relative(r.submission.path, directory), r.submission.path)
                   for r in rows if r.submission.path is not None]
        found = find_similar(sources, stub_fingerprints(course, assignment))
        write_similarity_csv(out / SIMILARITY_FILE, found)
        return found
    except Exception as e:  # noqa: BLE001
        print(f"grader batch: similar submissions not looked for: {type(e).__name__}: {e}", file=sys.stderr)
        return None


def _write_discovery(out: Path, rows: list[Row], directory: Path) -> None:
    """OUT/submissions.csv: for the instructor, which file was graded for whom, and why."""
    with (out / DISCOVERY_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["student_id", "folder", "source", "graded_file", "status", "note"])
        for row in rows:
            sub = row.submission
            source, graded = (_relative(p, directory) for p in (sub.source, sub.path))
            writer.writerow([sub.student_id, sub.folder, source, graded, row.result.status.value, sub.note])


def _relative(path: Path | None, directory: Path) -> str:
    return "" if path is None else os.path.relpath(path, directory)


class _Reporter:
    """Writes students' feedback in a few threads of the parent, beside the grading.

    Feedback with pictures costs the parent about as much as a sandbox run costs a worker, so it
    must not hold up the loop that records results and hands out jobs. A failure is noted, never
    raised: one report failing must not cost the class its grades.csv.
    """

    def __init__(self, out: Path, lang: str, assignment: Assignment, pictures: bool, threads: int):
        self._args = (lang, assignment, pictures)
        self._out = out
        self._pool = cf.ThreadPoolExecutor(max_workers=max(1, threads), thread_name_prefix="feedback")
        self._pending: dict[cf.Future, str] = {}

    def write(self, submission: Submission, result: GradingResult) -> None:
        future = self._pool.submit(_write_feedback, result, self._out / submission.folder, *self._args)
        self._pending[future] = submission.student_id

    def finish(self) -> list[str]:
        """Wait for every report; return ``"student: error"`` for each that failed."""
        problems = []
        for future in cf.as_completed(self._pending):
            if future.exception() is not None:
                e = future.exception()
                problems.append(f"{self._pending[future]}: {type(e).__name__}: {e}")
        self._pool.shutdown()
        return sorted(problems)


def write_reports(
    rows: list[Row], assignment: Assignment, out: Path, lang: str, report: BatchReport, directory: Path,
    *, no_secret: bool = False, similarity=None,
) -> None:
    """grades.csv and summary.html, from every row (the store's results, reused or new)."""
    from grader.report import grades_csv_header, grades_csv_row, summary_html, write_grades_csv
    from grader.report.summary import StudentRow

    csv_rows = [grades_csv_row(r.result, assignment, r.graded_at) for r in rows]
    write_grades_csv(out / GRADES_FILE, csv_rows, grades_csv_header(assignment))
    report.rows_written = len(csv_rows)
    students = [
        StudentRow(
            r.result,
            folder=r.submission.folder,
            handed_in=_relative(r.submission.source, directory),
            graded_file=_relative(r.submission.path, directory),
            notes=[(w.key, w.fields) for w in r.submission.words if r.submission.path is not None],
        )
        for r in rows
    ]
    page = summary_html([r.result for r in rows], assignment, lang, students=students, no_secret=no_secret,
                        similarity=similarity)
    (out / SUMMARY_FILE).write_text(page, encoding="utf-8")


def _engines_deaf_to_ctrl_c(jobs: int, engine: str) -> Executor:
    """The local executor, its processes started with SIGINT blocked (for good: they never unblock it).

    Ctrl-C in a terminal reaches the whole process group: each engine process would print its own
    ``KeyboardInterrupt`` traceback. Only the batch process handles it (one line, exit 130); the
    engines are stopped with it, and a rerun resumes from the store. Blocked rather than ignored:
    a Ctrl-C that comes while the engines start stays pending in this process and is raised the
    moment they are started, instead of being lost.
    """
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "pthread_sigmask"):
        return local_executor(jobs, engine)
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        engines = local_executor(jobs, engine)  # forked or spawned here: the signal mask is inherited
    finally:
        try:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)  # raises a Ctrl-C that came meanwhile
        except KeyboardInterrupt:
            _stop_engines()
            raise
    return engines


def _stop_engines() -> None:
    """End this process's engine processes now (their sandbox servers then end their own workers)."""
    import multiprocessing

    for child in multiprocessing.active_children():
        child.terminate()
    for child in multiprocessing.active_children():
        child.join(timeout=2)


def prepare_batch_output(out: Path, directory: Path, course: Course, command: str) -> Path:
    """``out`` checked (see :func:`grader.outputs.prepare_output`), created and marked; never the
    class folder, a folder inside it (the next run would take it for a student) or the course."""
    from grader.outputs import prepare_output

    resolved, students = Path(out).resolve(), Path(directory).resolve()
    if students in resolved.parents:
        raise OutputError(f"{out}: is inside the class folder {directory}; give a folder outside it as --out")
    return prepare_output(out, command, protect=(students, course.root))


def run(
    course: Course,
    assignment: Assignment,
    directory: Path,
    out: Path,
    *,
    jobs: int,
    lang: str,
    timeout: float | None = None,
    executor: Executor | None = None,
    engine: str = "process",
    pictures: bool = False,
    log: Callable[[str], None] = print,
    command: str = "batch",
    similarity: bool = True,
) -> BatchReport:
    """The whole batch: discover, grade what the store lacks, write every report.

    ``command`` names the output folder's owner in its marker (``batch``, ``demo``): ``out`` must be
    new, empty or an earlier output of the same command (:func:`grader.outputs.prepare_output`).
    ``similarity``: look for suspiciously similar submissions (``OUT/similarity.csv``, summary.html).

    Returns the :class:`BatchReport`; raises only for an unusable ``out`` (``OutputError``) or store.
    """
    from grader.secret import warn_if_missing
    from grader.tf_logging import silence_tensorflow

    silence_tensorflow()
    prepare_batch_output(out, directory, course, command)
    no_secret = warn_if_missing(course, command)  # and summary.html says so
    submissions = discover(directory, assignment)
    report = BatchReport(students=len(submissions))
    rows: dict[str, Row] = {}
    todo: list[Submission] = []
    reporter = _Reporter(out, lang, assignment, pictures, threads=jobs)
    with Store(out / STORE_FILE) as store:
        store.start_run(assignment.id)
        prints = {}
        key = grading_key(course, assignment)  # a changed course.yaml, secret or suite re-grades everyone
        for sub in submissions:
            prints[sub.student_id] = f"{fingerprint(sub.path)}|{key}"
            stored = store.lookup(assignment.id, sub.student_id, prints[sub.student_id])
            if stored is not None:
                rows[sub.student_id] = Row(sub, stored.result, stored.graded_at)
                report.reused += 1
            elif not sub.gradable:
                result = decided_result(assignment, sub)
                rows[sub.student_id] = Row(sub, result, store.record(result, prints[sub.student_id]))
                report.decided += 1
            else:
                todo.append(sub)
        graded_now: set[str] = set()
        if todo:
            log(f"grader batch: grading {len(todo)} of {len(submissions)} students with {jobs} jobs ...")

        def on_result(sub: Submission, result: GradingResult, raised: bool) -> None:
            graded_at = store.record(result, prints[sub.student_id])  # committed before anything else
            rows[sub.student_id] = Row(sub, result, graded_at)
            graded_now.add(sub.student_id)
            report.graded += 1
            report.future_errors += raised
            reporter.write(sub, result)  # now, while the workers run the next students
            progress.advance(f"{sub.student_id}: {result.status.value}")

        if todo:  # else no engine, no TensorFlow: a finished run only rewrites its reports
            engine_ = executor or _engines_deaf_to_ctrl_c(jobs, engine)
            collecting = gc.isenabled()
            gc.disable()  # until TensorFlow and matplotlib are loaded and frozen (_load_reports)
            interrupted = False
            try:
                with _Progress(len(todo), f"{assignment.id}") as progress:
                    grade_all(course, assignment, todo, engine_, window=2 * max(1, jobs), timeout=timeout,
                              on_result=on_result, then_load=functools.partial(_load_reports, collecting))
            except KeyboardInterrupt:
                # Not waiting for the jobs in flight (a looping student would hold Ctrl-C up for
                # its whole time limit): the engines end with this process; what was recorded stays.
                interrupted = True
                if executor is None:
                    _stop_engines()
                raise
            finally:
                if collecting:
                    gc.enable()
                if executor is None and not interrupted:
                    engine_.shutdown()

    ordered = [rows[s.student_id] for s in submissions if s.student_id in rows]
    report.rows = ordered
    report.statuses.update(r.result.status for r in ordered)
    for row in ordered:  # reused and decided rows: their feedback is rebuilt from the store
        if row.submission.student_id not in graded_now:
            reporter.write(row.submission, row.result)
    report.feedback_errors = reporter.finish()
    similar = _similar(course, assignment, ordered, directory, out) if similarity else None
    report.similar_pairs = len(similar.pairs) if similar else None
    write_reports(ordered, assignment, out, lang, report, directory, no_secret=no_secret, similarity=similar)
    _write_discovery(out, ordered, directory)
    return report


def main(
    course: Course,
    assignment_id: str,
    directory: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    jobs: int | None = None,
    lang: str | None = None,
    timeout: float | None = None,
    engine: str = "process",
    pictures: bool = False,
    similarity: bool = True,
    scheduler: str | None = None,
) -> int:
    """``grader batch ASSIGNMENT DIR --out OUT [--jobs N] [--scheduler ADDR]``.

    Parameters
    ----------
    course
        The loaded course.
    assignment_id
        e.g. ``a03_multichannel``.
    directory
        The students: ``DIR/<student_id>/...``, loose ``DIR/<student_id>.py|.ipynb``, or an nbgrader
        course root / its ``submitted/`` folder.
    out
        Where ``grades.sqlite``, ``grades.csv``, ``summary.html``, ``submissions.csv`` and one folder
        per student (``results.json``, ``feedback.md``, ``feedback.html``) go.
    jobs
        Submissions graded at once (default: ``os.cpu_count()``).
    lang
        Feedback language (default: course.yaml's).
    timeout
        Wall-clock seconds per submission (default: course.yaml's limits).
    engine
        ``process`` (default) or ``thread``: the local executor. Its processes are forked when the
        calling process runs no other thread and has not loaded TensorFlow, and ``spawn``-ed
        otherwise: a script that calls this should guard its top level with
        ``if __name__ == "__main__":``, as for any multiprocessing program (the grader's own
        commands do).
    pictures
        Draw heatmaps of visible failures in feedback.html. Off by default: at ~0.4 s a picture in
        the parent they cost more than grading itself (``grader grade`` always draws them).
    scheduler
        A Dask scheduler (``tcp://HOST:8786``): the jobs run on its workers instead of local engines
        (``engine`` is then ignored, and ``jobs`` defaults to the cluster's threads).

    Returns
    -------
    int
        0 when every student has a row in grades.csv, 1 when not (or when DIR has no students),
        2 when DIR is not a folder.
    """
    assignment = course.assignment(assignment_id)
    directory, out = Path(directory), Path(out)
    if not directory.is_dir():
        print(f"grader batch: {directory}: no such folder", file=sys.stderr)
        return EXIT_USAGE
    executor = None
    if scheduler:
        from grader.batch.dask_executor import DaskExecutor

        try:
            executor = DaskExecutor(scheduler)
        except Exception as e:  # noqa: BLE001 - an unreachable or refusing scheduler: one line
            print(f"grader batch: cannot use the Dask scheduler {scheduler}: {type(e).__name__}: {e}", file=sys.stderr)
            return EXIT_USAGE
        jobs = jobs or executor.slots()
    jobs = jobs or os.cpu_count() or 1
    started = time.perf_counter()
    try:
        report = run(
            course, assignment, directory, out, jobs=jobs, lang=lang or course.language, timeout=timeout,
            engine=engine, pictures=pictures, similarity=similarity, executor=executor,
        )
    except OutputError as e:
        print(f"grader batch: {e}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        if executor is not None:
            executor.shutdown()
    elapsed = time.perf_counter() - started
    if not report.students:
        print(f"grader batch: no students found in {directory} (expected DIR/<student_id>/ folders)", file=sys.stderr)
        return EXIT_FAIL
    for problem in report.feedback_errors:
        print(f"grader batch: feedback not written for {problem}", file=sys.stderr)
    print(f"grader batch: {report.line()} in {elapsed:.1f}s")
    print(f"grader batch: wrote {out / GRADES_FILE} and {out / SUMMARY_FILE}")
    if report.similar_pairs is not None:
        print(f"grader batch: {report.similar_pairs} pair(s) of similar submissions to look at: {out / 'similarity.csv'}")
    return report.return_code
