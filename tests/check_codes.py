"""The diagnoses `grader check` gives on a list of submissions, for comparing two grader packages.

Run in a process of its own, with the ``grader`` package of ``ROOT`` first on the path:

    python tests/check_codes.py ROOT OUT.json stored|live < SUBMISSIONS.json

``SUBMISSIONS.json`` is a list of ``[assignment, path]``. Each submission is judged on the public
fixtures of ``ROOT/assignments`` exactly as ``grader check`` judges it (sandboxed worker, settled
diagnoses). ``stored`` diagnoses from the analyses ``grader build`` stored beside the fixtures (the
student bundle has nothing else); ``live`` ignores them and runs the misconception models (the
instructor's repository). ``OUT.json`` maps each path to ``{test: [codes, facts]}``.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path


def main(argv: list[str]) -> int:
    root, out, mode = Path(argv[0]).resolve(), argv[1], argv[2]
    sys.path.insert(0, str(root))
    from grader.build.fixtures import load_fixtures
    from grader.course import load_course
    from grader.grading import judge
    from grader.submission import locate, write_module

    course = load_course(root)
    results = {}
    for assignment_id, path in json.loads(sys.stdin.read()):
        assignment = course.assignment(assignment_id)
        specs = load_fixtures(course.assignments_dir / assignment_id / "fixtures" / "public.npz",
                              diagnoses=mode == "stored")
        with tempfile.TemporaryDirectory() as scratch:
            module = write_module(locate(Path(path), assignment).path, assignment, Path(scratch))
            result = judge(assignment, specs, module)
        results[path] = {t.name: [list(t.codes), t.facts] for t in result.tests if not t.passed}
    Path(out).write_text(json.dumps(results, indent=1, sort_keys=True), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
