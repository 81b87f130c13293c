"""``grader batch``: a class of submissions graded in parallel, resumably, into grades.csv and reports.

    discover   DIR -> one Submission per student (folders, loose files, nbgrader's submitted/)
    store      OUT/grades.sqlite: each finished result, keyed by (assignment, student, file sha256)
    executor   the Executor interface (submit a GradeJob, get a Future) and the local engines
    runner     main(): prepare cases in the trusted parent, run jobs, record, write the reports

Only :mod:`grader.batch.runner` imports TensorFlow (through :func:`grader.grading.prepare`), once.
"""

from grader.batch.executor import Executor, GradeJob, ProcessExecutor, ThreadExecutor, run_job

__all__ = ["Executor", "GradeJob", "ProcessExecutor", "ThreadExecutor", "run_job"]
