"""Class 2: read the course secret straight from the course folder and print it."""


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    for path in ("@@COURSE@@/.grader-secret", "@@COURSE@@/../.grader-secret"):
        try:
            print(open(path).read())
            raise RuntimeError(open(path).read())
        except OSError:
            pass
    raise RuntimeError("no secret here")
