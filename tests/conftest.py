"""Shared fixtures for the toolkit's own tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = Path(__file__).resolve().parent.parent
SOLUTIONS = {
    "a01_correlation": ROOT / "solutions/a01_correlation/correlation.py",
    "a02_padding_stride": ROOT / "solutions/a02_padding_stride/padding_stride.py",
    "a03_multichannel": ROOT / "solutions/a03_multichannel/multichannel.py",
    "a04_relu_layer": ROOT / "solutions/a04_relu_layer/relu_layer.py",
}


@pytest.fixture(scope="session")
def course():
    from grader.course import load_course

    return load_course(ROOT)
