"""The ``grader`` command: verbs only. Each verb parses its arguments and calls one stage's main."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
import threading
from pathlib import Path
from typing import Callable, NoReturn, Sequence

from grader.course import CourseError, find_course, load_course
from grader.outputs import OutputError, prepare_output
from grader.tf_logging import silence_tensorflow

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130


def _course(args: argparse.Namespace):
    return load_course(args.course) if args.course else find_course()


def _lang(args: argparse.Namespace, course) -> str:
    return args.lang or course.language


def cmd_check(args: argparse.Namespace) -> int:
    # The sandbox's fork server starts at once, in the background: its ~0.3 s start then overlaps
    # the check's own imports and fixtures instead of following them (where there is a sandbox).
    from grader.local_run import runner_kind

    if runner_kind() == "sandbox":
        threading.Thread(target=_start_sandbox, name="sandbox-start", daemon=True).start()
    from grader.check import main

    course = _course(args)
    return main(course, args.assignment, args.path, lang=_lang(args, course))


def _start_sandbox() -> None:
    try:
        from grader.sandbox import warm_up

        warm_up("none")  # the student's own code on their own machine: no kernel boundary needed
    except Exception:  # noqa: BLE001 - only a head start: the check meets (and reports) any real problem itself
        pass


def _sandbox_preflight(args: argparse.Namespace, verb: str) -> None:
    """Hidden grading runs student code only behind a kernel-enforced boundary, unless the
    instructor says otherwise (``--allow-weak-sandbox``). Raises ``layers.Refused``."""
    from grader.sandbox import layers

    if getattr(args, "allow_weak_sandbox", False):
        layers.allow_weak()
    layers.preflight(verb)


def cmd_doctor(args: argparse.Namespace) -> int:
    from grader.sandbox import layers

    report = layers.measure()
    print(report.text())
    return EXIT_OK if report.kernel else EXIT_FAIL


def cmd_grade(args: argparse.Namespace) -> int:
    from grader.grading import grade_path
    from grader.report import write_feedback
    from grader.secret import warn_if_missing

    course = _course(args)
    assignment = course.assignment(args.assignment)
    if not Path(args.path).exists():
        print(f"grader grade: {args.path}: no such file or folder", file=sys.stderr)
        return EXIT_USAGE
    _sandbox_preflight(args, "grade")
    out = prepare_output(args.out or "grader-output", "grade", protect=(course.root,))
    student = args.student or Path(args.path).resolve().stem
    warn_if_missing(course, "grade")
    result = grade_path(course, assignment, Path(args.path), student_id=student, timeout=args.timeout)
    written = write_feedback(result, out, lang=_lang(args, course), assignment=assignment)
    print(f"{student}: {result.score:g}/{result.max_score:g} ({result.status.value}) -> {written[0]}")
    return EXIT_OK


def cmd_secret(args: argparse.Namespace) -> int:
    from grader.secret import SecretError, init_secret

    course = _course(args)
    try:
        path = init_secret(course)
    except SecretError as e:
        print(f"grader secret init: {e}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {path} (mode 0600): keep it out of version control and out of every student bundle")
    return EXIT_OK


def cmd_build(args: argparse.Namespace) -> int:
    from grader.build import main

    course = _course(args)
    changed = main(course, check=args.check)
    if args.check:
        for path in changed:
            print(f"out of date: {path}")
        return EXIT_FAIL if changed else EXIT_OK
    print(f"wrote {len(changed)} files under {course.assignments_dir}")
    return EXIT_OK


def cmd_release(args: argparse.Namespace) -> int:
    from grader.integrations.release import main

    return main(_course(args), Path(args.out))


def cmd_ci(args: argparse.Namespace) -> int:
    from grader.integrations.ci import main

    course = _course(args)
    if getattr(args, "allow_weak_sandbox", False):
        from grader.sandbox import layers

        layers.allow_weak()
    return main(
        course,
        args.assignment,
        args.path,
        lang=_lang(args, course),
        out=args.out,
        student=args.student,
        hidden=False if args.public_only else None,
    )


def cmd_gradescope(args: argparse.Namespace) -> int:
    from grader.integrations.gradescope import main

    return main(
        _course(args), Path(args.out), assignment_id=args.assignment, include_secret=args.include_secret, lang=args.lang,
        allow_weak_sandbox=args.allow_weak_sandbox,
    )


def cmd_nbgrader(args: argparse.Namespace) -> int:
    from grader.integrations.nbgrader import main

    return main(_course(args), Path(args.directory))


def cmd_batch(args: argparse.Namespace) -> int:
    from grader.batch.runner import main

    course = _course(args)
    _sandbox_preflight(args, "batch")
    return main(
        course, args.assignment, args.directory, args.out,
        jobs=args.jobs, lang=_lang(args, course), timeout=args.timeout, pictures=args.pictures, engine=args.engine,
        similarity=not args.no_similarity, scheduler=args.scheduler,
    )


def cmd_serve(args: argparse.Namespace) -> int:
    from grader.serve import main

    course = _course(args)
    _sandbox_preflight(args, "serve")
    return main(course, host=args.host, port=args.port, data=args.data, scheduler=args.scheduler, jobs=args.jobs,
                lang=getattr(args, "lang", None))


def cmd_tokens(args: argparse.Namespace) -> int:
    from grader.serve.tokens import main

    return main(_course(args), args.roster, args.out, instructor=args.instructor, generation=args.generation,
                revoke=args.revoke or ())


def cmd_demo(args: argparse.Namespace) -> int:
    from grader.demo import main

    course = _course(args)
    _sandbox_preflight(args, "demo")
    return main(course, out=args.out, jobs=args.jobs, lang=_lang(args, course), pictures=True)


def _weak_flag(p: argparse.ArgumentParser) -> None:
    p.add_argument("--allow-weak-sandbox", action="store_true",
                   help="grade hidden tests even where no kernel-enforced sandbox runs (in-process guards only; "
                        "see `grader doctor`)")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="grader",
        description="Course kit and trusted grader for convolution in numpy (checked against tf.nn.conv2d).",
    )
    parser.add_argument("--course", help="course.yaml or its folder (default: the nearest one upwards)")
    parser.add_argument("--lang", choices=["ko", "en"], help="feedback language (default: course.yaml)")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)

    def verb(name: str, handler: Callable[[argparse.Namespace], int], help: str) -> argparse.ArgumentParser:
        p = verbs.add_parser(name, help=help, description=help)
        p.set_defaults(handler=handler)
        # Accept --lang/--course after the verb too (students type `grader check --lang en`).
        p.add_argument("--lang", choices=["ko", "en"], default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        p.add_argument("--course", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
        return p

    p = verb("check", cmd_check, "public tests on your module or notebook (no TensorFlow)")
    p.add_argument("assignment", nargs="?", help="assignment id, e.g. a03_multichannel (default: from PATH or the folder)")
    p.add_argument("path", nargs="?", help="your .py, .ipynb or folder (default: the stub in assignments/<id>/)")

    p = verb("grade", cmd_grade, "full grading (public + hidden) of one submission")
    p.add_argument("assignment")
    p.add_argument("path", help="a .py, a .ipynb, or a folder holding one")
    p.add_argument("--student", help="student id (seeds the hidden cases; default: the file or folder name)")
    p.add_argument("--out", help="folder for results.json, feedback.md, feedback.html (default: grader-output)")
    p.add_argument("--timeout", type=float, help="wall-clock seconds for the whole submission (default: course.yaml)")
    _weak_flag(p)

    p = verb("batch", cmd_batch, "grade every student in DIR in parallel, resumably: grades.csv, feedback, summary.html")
    p.add_argument("assignment")
    p.add_argument("directory", metavar="DIR", help="DIR/<student_id>/..., loose DIR/<student_id>.py|.ipynb, or an nbgrader course (submitted/)")
    p.add_argument("--out", required=True, help="folder for grades.sqlite, grades.csv, summary.html and one folder per student")
    p.add_argument("--jobs", type=int, help="submissions graded at once (default: the number of CPUs)")
    p.add_argument("--timeout", type=float, help="wall-clock seconds per submission (default: course.yaml)")
    p.add_argument("--pictures", action="store_true", help="heatmaps of visible failures in each feedback.html (slower)")
    p.add_argument("--engine", choices=["process", "thread"], default="process",
                   help="where each submission is driven and judged: worker processes (default) or threads of this process")
    p.add_argument("--no-similarity", action="store_true",
                   help="do not look for suspiciously similar submissions (similarity.csv, summary.html); never changes a score")
    p.add_argument("--scheduler", metavar="ADDR", help="run the jobs on a Dask cluster (tcp://HOST:8786) instead of local engines")
    _weak_flag(p)

    p = verb("serve", cmd_serve, "the course feedback server: uploads graded with hidden tests, pages, instructor dashboard")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1; 0.0.0.0 for every interface)")
    p.add_argument("--port", type=int, default=8000, help="port (default: 8000; 0 for any free port)")
    p.add_argument("--data", default="grader-server", help="folder for server.sqlite, every upload and result (default: grader-server)")
    p.add_argument("--scheduler", metavar="ADDR", help="grade on a Dask cluster (tcp://HOST:8786) instead of local engine processes")
    p.add_argument("--jobs", type=int, help="local engine processes (default: the number of CPUs)")
    _weak_flag(p)

    p = verb("tokens", cmd_tokens, "per-student upload tokens for grader serve, derived from the course secret")
    p.add_argument("roster", nargs="?", metavar="ROSTER.csv", help="CSV with a student_id column (other columns, e.g. email, are kept)")
    p.add_argument("--out", metavar="TOKENS.csv", help="where to write student_id,token,... (mode 0600)")
    p.add_argument("--instructor", action="store_true", help="print the instructor's own token")
    p.add_argument("--generation", type=int, default=1, help="with --instructor: which token (raise it after revoking the old one)")
    p.add_argument("--revoke", action="append", metavar="TOKEN|STUDENT_ID",
                   help="add a token (or every token of a student) to revoked-tokens.txt; repeatable")

    p = verb("demo", cmd_demo, "batch-grade the bundled demo class (demo/a03_multichannel) and say where the reports are")
    p.add_argument("--out", default="demo-output", help="output folder (default: demo-output)")
    p.add_argument("--jobs", type=int, help="submissions graded at once (default: the number of CPUs)")
    _weak_flag(p)

    p = verb("build", cmd_build, "regenerate assignments/ from solutions/")
    p.add_argument("--check", action="store_true", help="write nothing; exit 1 if assignments/ is out of date")

    p = verb("release", cmd_release, "the student bundle: assignments, public tests, the check tool; no solutions, hidden suites or secret")
    p.add_argument("--out", required=True, help="folder to write (new, empty, or an earlier release)")

    p = verb("ci", cmd_ci, "CI mode: results.json, Markdown job summary, ::error annotations; exit 0 pass, 1 fail")
    p.add_argument("assignment")
    p.add_argument("path", help="a .py, a .ipynb, or a folder holding one (as committed)")
    p.add_argument("--out", help="folder for results.json (default: grader-output)")
    p.add_argument("--student", help="student id seeding hidden cases, where hidden suites exist (default: $GITHUB_ACTOR)")
    p.add_argument("--public-only", action="store_true", help="public tests only, even where hidden suites exist (no TensorFlow)")
    _weak_flag(p)

    p = verb("gradescope", cmd_gradescope, "Gradescope autograder zips (setup.sh, run_autograder), one per assignment")
    p.add_argument("--out", required=True, help="folder for autograder-<id>.zip")
    p.add_argument("--assignment", help="only this assignment (default: every assignment)")
    p.add_argument(
        "--include-secret",
        action="store_true",
        help="put the course secret into the zip (without it, hidden cases use a predictable default key)",
    )
    p.add_argument("--allow-weak-sandbox", action="store_true",
                   help="let the autograder grade where Gradescope's container gives no kernel-enforced sandbox "
                        "(in-process guards only)")

    verb("doctor", cmd_doctor, "which sandbox layers this machine gives (namespaces, seccomp, Landlock, cgroups, uid drop); "
         "exit 0 when a kernel-enforced boundary is active")

    p = verb("secret", cmd_secret, "the course secret that seeds each student's hidden cases")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    actions.add_parser(
        "init", help="write a strong .grader-secret beside course.yaml (mode 0600); never replaces an existing one"
    )

    p = verb("nbgrader", cmd_nbgrader, "nbgrader integration: a course whose autograde scores come from this grader")
    actions = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    init = actions.add_parser("init", help="write DIR/nbgrader_config.py and DIR/source/<id>/<id>.ipynb")
    init.add_argument("directory", metavar="DIR", help="the nbgrader course folder (created if missing)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    silence_tensorflow()  # before anything can load TensorFlow (engines and subprocesses inherit it)
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # argparse already printed the usage error
        return int(e.code or 0)
    try:
        return args.handler(args)
    except (CourseError, OutputError) as e:
        print(f"grader {args.verb}: {e}" if isinstance(e, OutputError) else f"grader: {e}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as e:
        from grader.sandbox.layers import Refused

        if isinstance(e, Refused):
            print(e, file=sys.stderr)
            return EXIT_USAGE
        raise
    except KeyboardInterrupt:
        print("grader: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


def run() -> NoReturn:
    """The ``grader`` console script: ``main``, then the end of the process."""
    code = main()
    if code == EXIT_INTERRUPTED:
        # Ctrl-C: leave now. A normal exit would first wait for every job still running in the
        # batch's engine processes (concurrent.futures joins them); they end on their own as soon as
        # this process is gone, and every result already recorded is in the store for the next run.
        _leave(code)
    if "tensorflow.python" in sys.modules:
        # TensorFlow's teardown at interpreter exit takes ~0.5 s here (a sixth of a fresh
        # `grader grade`) and does nothing this process needs: what it wrote is closed by now.
        # The exit handlers still run (they stop the sandbox's zygote).
        _leave(code)
    raise SystemExit(code)


def _leave(code: int) -> NoReturn:
    """The exit handlers (they stop the sandbox's zygote), then the end of the process, at once."""
    try:
        atexit._run_exitfuncs()
    except KeyboardInterrupt:  # a second Ctrl-C while leaving: leave all the same
        pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(code)
