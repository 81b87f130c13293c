"""Output folders the grader may write into: never over something an instructor made.

A command's ``--out`` must be a new folder, an empty one, or a folder the same command wrote before
(as ``grader release`` does with its ``.grader-release``): each command leaves a marker file,
:data:`MARKER`, naming itself. Anything else is refused with one line (``OutputError``; the command
line turns it into exit status 2), before anything is written: a folder of the instructor's own
files, another command's output, a file, the course folder itself or one above it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

MARKER = ".grader-output"
"""The marker file in every output folder: ``{"command": "batch", "grader": "0.1.0"}``."""

IGNORED = {".DS_Store", "Thumbs.db", "desktop.ini"}
"""Files an operating system drops into any folder: a folder holding only these counts as empty."""


class OutputError(Exception):
    """The output folder cannot be used; the message is one line naming it and what to do."""


def marker_command(folder: Path) -> str | None:
    """The command named by ``folder``'s marker, or ``None`` when there is no readable marker."""
    try:
        data = json.loads((Path(folder) / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data.get("command") if isinstance(data, dict) else None


def prepare_output(out: str | os.PathLike[str], command: str, *, protect: tuple[Path, ...] = ()) -> Path:
    """Check that ``out`` may receive ``command``'s files, create it, mark it, and return it.

    Parameters
    ----------
    out
        The folder given as ``--out`` (or the command's default).
    command
        The command's name as the marker records it (``batch``, ``grade``, ``ci``...).
    protect
        Folders that must neither be ``out`` nor lie inside it (the course, the class being graded).

    Raises
    ------
    OutputError
        ``out`` is a file, lies over a protected folder, or is a non-empty folder without the same
        command's marker.
    """
    from grader import __version__

    path = Path(out)
    label = str(out)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{label}: exists and is not a folder; give a new or empty folder as --out")
    resolved = path.resolve()
    for folder in protect:
        folder = Path(folder).resolve()
        if resolved == folder or resolved in folder.parents:
            raise OutputError(f"{label}: would write over {folder}; give a new or empty folder as --out")
    if path.is_dir():
        try:
            entries = [p.name for p in path.iterdir() if p.name not in IGNORED]
        except OSError as e:
            raise OutputError(f"{label}: cannot be read ({e.strerror or e})") from None
        found = marker_command(path)
        if entries and found != command:
            what = f"the output of `grader {found}`" if found else "files this command did not write"
            raise OutputError(
                f"{label}: holds {what} (no {MARKER} of `grader {command}`); "
                "give a new or empty folder as --out, so that nothing there is overwritten"
            )
    try:
        path.mkdir(parents=True, exist_ok=True)
        marker = path / MARKER
        if marker_command(path) != command:
            marker.write_text(json.dumps({"command": command, "grader": __version__}) + "\n", encoding="utf-8")
    except OSError as e:
        raise OutputError(f"{label}: cannot be written ({e.strerror or e})") from None
    return path
