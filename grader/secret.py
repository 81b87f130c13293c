"""The course secret: the HMAC key that seeds each student's hidden cases (``grader secret init``).

Without it hidden cases are seeded with a default key derived from the course id: they still differ
per student, but anyone holding the suites and the course id can regenerate them. ``init_secret``
writes 32 random bytes (``secrets.token_hex``: 256 bits) to the course's secret file, readable by its
owner only (mode 0600), and never replaces an existing one: the secret decides every stored grade's
hidden cases, so a new one would silently change them (the batch store then re-grades everyone).
"""

from __future__ import annotations

import os
import secrets
import stat
import sys
from pathlib import Path

from grader.course import Course

SECRET_BYTES = 32


class SecretError(Exception):
    """The secret file cannot be written; the message is one line."""


def default_secret(course: Course) -> bytes:
    """The key used when no secret is set (see ``Course.secret``)."""
    return f"unset-secret:{course.id}".encode()


def has_secret(course: Course) -> bool:
    """Whether hidden cases are seeded with a secret of the instructor's (environment or file)."""
    return course.secret() != default_secret(course)


def warn_if_missing(course: Course, command: str) -> bool:
    """One warning line on stderr when hidden cases would be seeded without a secret; True when so."""
    if has_secret(course):
        return False
    print(
        f"grader {command}: warning: no course secret (${course.secret_env} or {course.secret_file}): hidden cases "
        "use the default key, predictable to anyone holding the suites; run `grader secret init` once",
        file=sys.stderr,
    )
    return True


def secret_path(course: Course) -> Path:
    return course.root / course.secret_file


def init_secret(course: Course) -> Path:
    """Write a new random secret to the course's secret file with mode 0600; return its path.

    Raises ``SecretError`` when the file exists already (it is never replaced) or cannot be written.
    """
    path = secret_path(course)
    if path.exists() or path.is_symlink():
        raise SecretError(
            f"{path} exists already and is kept: it seeds every student's hidden cases "
            "(delete it yourself first if you really want a new one; every student is then graded again)"
        )
    value = secrets.token_hex(SECRET_BYTES) + "\n"
    try:
        # O_EXCL: never through a file or a link that appeared meanwhile; 0600 from the first byte.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, stat.S_IRUSR | stat.S_IWUSR)
    except OSError as e:
        raise SecretError(f"{path}: cannot be written ({e.strerror or e})") from None
    try:
        os.write(fd, value.encode("ascii"))
        if hasattr(os, "fchmod"):  # POSIX: exactly 0600 whatever the umask (Windows keeps its ACLs)
            os.fchmod(fd, stat.S_IRUSR | stat.S_IWUSR)
    finally:
        os.close(fd)
    return path
