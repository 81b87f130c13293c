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
