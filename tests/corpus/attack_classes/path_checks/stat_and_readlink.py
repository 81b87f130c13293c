"""Class 2: stat and readlink are not audited: learn the size of the secret file and the solutions,
the grader's folders and its cwd, and put them in the message."""
import os


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    seen = []
    for path in ("@@COURSE@@/.grader-secret", "@@COURSE@@/solutions/a03_multichannel/multichannel.py", "@@OUT@@",
                 "/proc/self/cwd", f"/proc/{os.getppid()}/cwd", "/proc/1/cwd", "/proc/1/root"):
        try:
            seen.append((path, os.stat(path).st_size))
        except OSError:
            pass
        try:
            seen.append((path, os.readlink(path)))
        except OSError:
            pass
    raise RuntimeError(f"seen: {seen}")
