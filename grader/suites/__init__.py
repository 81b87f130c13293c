"""Hidden suites: one package per assignment, each exposing ``suite`` (a ``grader.suite.Suite``).

These files never ship to students (``grader release`` leaves this package out). Visible tests
become the public fixtures; hidden tests are re-seeded for every student.
"""
