"""Shared fixtures for the toolkit's own tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Callable

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
# --- the browser the HTML tests need ------------------------------------------------------------------

BROWSER_PACKAGES = ("chromium", "chromium-driver")
"""Debian's packages: the browser the HTML reports are checked in, and its WebDriver."""


class BrowserMissing(RuntimeError):
    """No chromium and no way to install it here; the message says what to do."""


def ensure_chromium(
    which: Callable[[str], str | None] = shutil.which,
    run: Callable[..., subprocess.CompletedProcess] = subprocess.run,
    is_root: bool | None = None,
) -> str:
    """The chromium binary, installed with apt the first time when this is Debian and we are root.

    The README's test command runs on a fresh machine with nothing but Python: the browser tests
    install what they need themselves (``apt-get install chromium chromium-driver``, a file lock
    keeping parallel test workers from installing twice). Where apt or root is missing they fail
    with the command to run, never skip.
    """
    found = which("chromium") or which("chromium-browser")
    if found and which("chromedriver"):
        return found
    root = (os.geteuid() == 0) if is_root is None and hasattr(os, "geteuid") else bool(is_root)
    if not (root and which("apt-get")):
        raise BrowserMissing(
            "the HTML report tests need Debian's chromium: run `sudo apt-get install chromium chromium-driver` "
            "(as root on Debian or Ubuntu, the test run installs it itself)"
        )
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with _install_lock():
        found = which("chromium") or which("chromium-browser")  # another worker may have installed it
        if found and which("chromedriver"):
            return found
        for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *BROWSER_PACKAGES]):
            done = run(command, env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise BrowserMissing(f"`{' '.join(command)}` failed ({done.returncode}): {(done.stderr or '').strip()[-500:]}")
    found = which("chromium") or which("chromium-browser")
    if not found or not which("chromedriver"):
        raise BrowserMissing("apt-get installed chromium but no chromium or chromedriver command is on PATH")
    return found


class _install_lock:
    """An exclusive lock file while installing (pytest-xdist runs tests in several processes)."""

    def __enter__(self):
        import tempfile

        self._file = open(Path(tempfile.gettempdir()) / "conv-grader-browser-install.lock", "w")
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(self._file, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self._file.close()


@pytest.fixture(scope="session")
def chromium_path() -> str:
    """The chromium binary for the browser tests (installed when missing; a failure, never a skip)."""
    try:
        return ensure_chromium()
    except BrowserMissing as e:
        pytest.fail(str(e), pytrace=False)
