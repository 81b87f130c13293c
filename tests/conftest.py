"""Shared fixtures for the toolkit's own tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent


def _solutions() -> dict[str, Path]:
    """Every assignment of course.yaml -> its solution module (no assignment listed by hand)."""
    from grader.course import load_course

    return {a.id: ROOT / "solutions" / a.id / a.module for a in load_course(ROOT).assignments}


SOLUTIONS = _solutions()


@pytest.fixture(scope="session")
def course():
    from grader.course import load_course

    return load_course(ROOT)


@pytest.fixture
def own_cgroup():
    """A pids (and memory) cgroup of this test's own: a command started with ``own_cgroup.command(argv)``
    runs inside it, with everything it starts, so the test counts *its* processes (never the
    machine's, which other graders on the same machine would change)."""
    from grader.sandbox import cgroups

    group = cgroups.make(f"test-{os.getpid()}-{os.urandom(4).hex()}", pids=4096, memory_bytes=16 << 30)
    if not group.paths:
        pytest.fail("no writable cgroup on this machine: the process-counting tests need one (run as root on Linux)")
    try:
        yield group
    finally:
        group.remove()
