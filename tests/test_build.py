"""grader build: markers, stubs, notebooks, READMEs, public fixtures (against live TensorFlow)."""

from __future__ import annotations

import ast
import io
import json
import re
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from grader.build import generate, main  # noqa: E402
from grader.build.fixtures import FixtureError, fixture_bytes, load_fixtures, read_fixtures, save_fixtures  # noqa: E402
from grader.build.markers import MarkerError, clear_solutions  # noqa: E402
from grader.build.notebooks import split_module  # noqa: E402
from grader.build.stubs import StubError, make_stub, raises_per_function  # noqa: E402
from grader.cases import Case, Raises  # noqa: E402
from grader.cases import TestSpec as Spec  # noqa: E402
from grader.course import load_course  # noqa: E402

COURSE = load_course(ROOT)
IDS = [a.id for a in COURSE.assignments]


# -- markers ----------------------------------------------------------------------------------------


def test_markers_replace_each_region_keeping_indentation():
    source = (
        "import numpy as np\n"
        "\n"
        "def f(x):\n"
        '    """Doc."""\n'
        "    ### BEGIN SOLUTION\n"
        "    return x + 1\n"
        "    ### END SOLUTION\n"
        "\n"
        "class K:\n"
        "    def g(self):\n"
        "        y = 1\n"
        "        ### BEGIN SOLUTION\n"
        "        return y\n"
        "        ### END SOLUTION\n"
    )
    cleared = clear_solutions(source, "m.py")
    assert cleared.functions == ("f", "g")
    assert '    raise NotImplementedError("f: 여기를 구현하세요 / implement this")\n' in cleared.source
    assert '        raise NotImplementedError("g: 여기를 구현하세요 / implement this")\n' in cleared.source
    assert "return x + 1" not in cleared.source and "BEGIN SOLUTION" not in cleared.source
    assert '    """Doc."""' in cleared.source and "        y = 1" in cleared.source
    ast.parse(cleared.source)


def test_second_region_in_a_function_does_not_add_a_second_raise():
    source = "def f():\n    ### BEGIN SOLUTION\n    a = 1\n    ### END SOLUTION\n    b = 2\n    ### BEGIN SOLUTION\n    return a\n    ### END SOLUTION\n"
    cleared = clear_solutions(source)
    assert raises_per_function(cleared.source) == {"f": 1}
    assert cleared.regions == 2


@pytest.mark.parametrize(
    "source, line, words",
    [
        ("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION\n", 3, "nested"),
        ("def f():\n    x = 1\n    ### BEGIN SOLUTION\n    return x\n", 3, "never closed"),
        ("def f():\n    ### END SOLUTION\n", 2, "without"),
    ],
    ids=["nested", "unterminated", "end-without-begin"],
)
def test_bad_markers_name_file_and_line(source, line, words):
    with pytest.raises(MarkerError) as info:
        clear_solutions(source, "solutions/x/m.py")
    assert str(info.value).startswith(f"solutions/x/m.py:{line}: ")
    assert words in str(info.value)
    assert info.value.line == line


def test_make_stub_rejects_a_graded_function_without_region(tmp_path):
    a = COURSE.assignment("a01_correlation")
    solution = tmp_path / "correlation.py"
    solution.write_text("def cross_correlate2d(x, k):\n    return x\n\ndef convolve2d(x, k):\n    ### BEGIN SOLUTION\n    return x\n    ### END SOLUTION\n")
    with pytest.raises(StubError, match="cross_correlate2d"):
        make_stub(a, solution)


# -- the committed stubs ------------------------------------------------------------------------------


@pytest.mark.parametrize("assignment_id", IDS)
def test_stub_has_one_raise_per_graded_function_and_keeps_the_rest(assignment_id):
    a = COURSE.assignment(assignment_id)
    stub = (COURSE.assignments_dir / a.id / a.module).read_text(encoding="utf-8")
    solution = (COURSE.solutions_dir / a.id / a.module).read_text(encoding="utf-8")
    counts = raises_per_function(stub)
    for function in a.functions:
        assert counts[function] == 1, function
    assert stub.count("raise NotImplementedError") == sum(counts.values())
    assert "### BEGIN SOLUTION" not in stub and "### END SOLUTION" not in stub
    # Helpers, docstrings and the module docstring are verbatim.
    stub_tree, solution_tree = ast.parse(stub), ast.parse(solution)
    assert ast.get_docstring(stub_tree) == ast.get_docstring(solution_tree)
    solution_defs = {n.name: n for n in solution_tree.body if isinstance(n, ast.FunctionDef)}
    for node in stub_tree.body:
        if isinstance(node, ast.FunctionDef):
            assert ast.get_docstring(node) == ast.get_docstring(solution_defs[node.name])
            if counts[node.name] == 0:  # a provided helper
                assert ast.unparse(node) == ast.unparse(solution_defs[node.name])
    # Untouched, every graded function raises NotImplementedError with its own name.
    import inspect

    namespace: dict = {}
    exec(compile(stub, a.module, "exec"), namespace)
    for function in a.functions:
        required = [p for p in inspect.signature(namespace[function]).parameters.values() if p.default is p.empty]
        with pytest.raises(NotImplementedError, match=function):
            namespace[function](*([None] * len(required)))


# -- build: up to date and deterministic ------------------------------------------------------------------


def test_committed_assignments_equal_a_fresh_build():
    assert main(COURSE, check=True) == []


def test_build_is_deterministic_and_check_reports_stale_files(tmp_path):
    first = generate(COURSE, COURSE.assignment("a02_padding_stride"))
    second = generate(COURSE, COURSE.assignment("a02_padding_stride"))
    assert first == second
    written = main(COURSE, out=tmp_path, assignments=["a02_padding_stride"])
    assert {p.relative_to(tmp_path).as_posix() for p in written} == set(first)
    assert main(COURSE, check=True, out=tmp_path, assignments=["a02_padding_stride"]) == []
    readme = tmp_path / "a02_padding_stride" / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + "edited\n", encoding="utf-8")
    (tmp_path / "a02_padding_stride" / "fixtures" / "public.npz").unlink()
    stale = main(COURSE, check=True, out=tmp_path, assignments=["a02_padding_stride"])
    assert sorted(p.name for p in stale) == ["README.md", "public.npz"]


# -- notebooks and READMEs ------------------------------------------------------------------------------


@pytest.mark.parametrize("assignment_id", IDS)
def test_notebook_structure(assignment_id):
    import nbformat
    from nbgrader.nbgraderformat import MetadataValidator

    a = COURSE.assignment(assignment_id)
    path = COURSE.assignments_dir / a.id / f"{a.id}.ipynb"
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    MetadataValidator().validate_nb(nb)
    ids = [c.id for c in nb.cells]
    assert len(set(ids)) == len(ids)
    text = path.read_text(encoding="utf-8")
    assert "execution_count\": null" in text and "outputs\": []" in text
    # Korean instructions, then English; the title names the assignment.
    assert nb.cells[0].source.startswith(f"# {a.id}: {a.title['ko']} / {a.title['en']}")
    assert ids.index("instructions-ko") < ids.index("instructions-en")
    assert re.search(r"[\uac00-\ud7a3]", nb.cells[ids.index("instructions-ko")].source)
    # One answer cell per stubbed function, holding the stub with its docstring.
    stub = (COURSE.assignments_dir / a.id / a.module).read_text(encoding="utf-8")
    stubbed = [n for n, c in raises_per_function(stub).items() if c]
    answers = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert [c.metadata["nbgrader"]["grade_id"] for c in answers] == stubbed
    for cell in answers:
        assert cell.source.count("raise NotImplementedError") == 1
        assert '"""' in cell.source
    assert all(f"try-{name}" in ids for name in stubbed)
    assert ids[-1] == "check" and nb.cells[-1].source == f'from grader import check\n\ncheck("{a.id}")'
    # Demo cells (setup, try it, pictures) are tagged: grading never takes code from them.
    demos = [c.id for c in nb.cells if "demo" in c.metadata.get("tags", [])]
    assert {"colab", "lesson-setup", *(f"try-{name}" for name in stubbed)} <= set(demos)
    assert not any(c.metadata.get("nbgrader", {}).get("solution") for c in nb.cells if c.id in demos)
    # The notebook's code cells define exactly the stub module.
    code = "\n\n".join(c.source for c in nb.cells if c.cell_type == "code" and c.id.startswith(("setup", "answer")))
    assert ast.dump(ast.parse(code)) == ast.dump(ast.Module(body=ast.parse(stub).body[1:], type_ignores=[]))


@pytest.mark.parametrize("assignment_id", IDS)
def test_readme_has_korean_then_english_and_points(assignment_id):
    a = COURSE.assignment(assignment_id)
    readme = (COURSE.assignments_dir / a.id / "README.md").read_text(encoding="utf-8")
    assert readme.index("## 한국어") < readme.index("## English")
    for part in a.parts:
        assert f"| `{part.id}` | {part.title['ko']}" in readme
        assert f"| `{part.id}` | {part.title['en']}" in readme
    assert f"**{a.max_score:g}**" in readme
    for function in a.functions:
        assert f"`{function}(" in readme
    assert f"grader check {a.id}" in readme and f"pytest assignments/{a.id}" in readme


def test_split_module_keeps_setup_and_functions_in_order():
    a = COURSE.assignment("a04_relu_layer")
    stub = (COURSE.assignments_dir / a.id / a.module).read_text(encoding="utf-8")
    doc, segments = split_module(stub, ("conv2d", "relu", "conv2d_relu"))
    assert doc.startswith("과제 4")
    assert [(s.kind, s.name) for s in segments] == [
        ("setup", "setup"), ("function", "conv2d"), ("function", "relu"), ("function", "conv2d_relu")
    ]
    assert "def _pair" in segments[0].source and "def _same_padding" in segments[0].source


# -- fixtures ------------------------------------------------------------------------------------------------


def _odd_spec() -> Spec:
    cases = (
        Case("uint8 and nested", "f", (np.arange(6, dtype=np.uint8).reshape(2, 3), ((1, 2), (0, 1))), {"b": None, "s": "SAME"},
             np.zeros((2, 2), dtype=np.float32), True),
        Case("raises", "f", (np.ones((1, 1, 1, 1), dtype=np.float32), [1, 2], 2.5, -0.0), {}, Raises("ValueError"), True),
        Case("scalars", "g", (3, np.int64(7), float("inf"), True), {"k": (np.float64(1.5),)}, (0, 1)),
        Case("empty", "g", (np.zeros((0, 5, 5, 2)),), {}, 4),
    )
    return Spec("odd", "p", {"ko": "이상한 값", "en": "odd values"}, "visible", cases)


def test_fixtures_round_trip_exactly(tmp_path):
    spec = _odd_spec()
    path = save_fixtures(tmp_path / "f" / "public.npz", [spec], "9.9.9", "x")
    manifest, (back,) = read_fixtures(path)
    assert manifest["tensorflow"] == "9.9.9" and manifest["assignment"] == "x"
    assert back.name == spec.name and dict(back.title) == dict(spec.title) and back.part == "p"
    for before, after in zip(spec.cases, back.cases):
        assert after.name == before.name and after.function == before.function
        assert after.float32_ok == before.float32_ok
        _same(before.args, after.args)
        assert list(after.kwargs) == list(before.kwargs)
        _same(dict(before.kwargs), dict(after.kwargs))
        _same(before.expected, after.expected)
    # Plain numpy can read it, without pickle.
    with np.load(path, allow_pickle=False) as npz:
        assert "manifest" in npz.files and npz["t00c00_arg0"].dtype == np.uint8


def _same(a, b):
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, float) and a != a:
        assert b != b
    else:
        assert a == b and str(a) == str(b)


def test_fixture_bytes_are_deterministic_with_fixed_dates():
    one = fixture_bytes([_odd_spec()], "1.0")
    assert one == fixture_bytes([_odd_spec()], "1.0")
    with zipfile.ZipFile(io.BytesIO(one)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_unmaterialized_or_corrupt_fixtures_raise(tmp_path):
    spec = Spec("t", "p", {"ko": "", "en": ""}, "visible", (Case("c", "f", (1,)),))
    with pytest.raises(FixtureError, match="not materialized"):
        fixture_bytes([spec], "1.0")
    bad = tmp_path / "public.npz"
    bad.write_bytes(b"not a zip")
    with pytest.raises(FixtureError, match="public.npz"):
        load_fixtures(bad)
    with pytest.raises(FixtureError, match="grader build"):
        load_fixtures(tmp_path / "missing.npz")


# -- fixtures against live TensorFlow (independent of grader.reference) ---------------------------------------


def _tf():
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import tensorflow as tf

    return tf


def _tf_conv(x, w, b=None, stride=1, padding="VALID"):
    tf = _tf()
    s = (stride, stride) if isinstance(stride, int) else tuple(stride)
    if isinstance(padding, str):
        pad = padding
    elif isinstance(padding, int):
        pad = [[0, 0], [padding, padding], [padding, padding], [0, 0]]
    else:
        (t, bo), (l, r) = padding
        pad = [[0, 0], [t, bo], [l, r], [0, 0]]
    out = tf.nn.conv2d(tf.constant(np.asarray(x, np.float64)), tf.constant(np.asarray(w, np.float64)), [1, *s, 1], pad)
    if b is not None:
        out = tf.nn.bias_add(out, tf.constant(np.asarray(b, np.float64)))
    return out.numpy()


def _tf_answer(case: Case):
    tf = _tf()
    f, args, kwargs = case.function, case.args, dict(case.kwargs)
    if f in ("cross_correlate2d", "convolve2d", "correlate2d"):
        x, k = args[0], args[1]
        if f == "convolve2d":
            k = k[::-1, ::-1]
        rest = dict(zip(("stride", "padding"), args[2:]), **kwargs)
        return _tf_conv(x[None, :, :, None], k[:, :, None, None], None, **rest)[0, :, :, 0]
    if f == "conv2d":
        return _tf_conv(*args, **kwargs)
    if f == "zero_pad":
        x, pad = args
        if isinstance(pad, int):
            pads = [[pad, pad], [pad, pad]]
        elif all(isinstance(p, int) for p in pad):
            pads = [[pad[0], pad[0]], [pad[1], pad[1]]]
        else:
            pads = [list(p) for p in pad]
        return tf.pad(tf.constant(x), [[0, 0], *pads, [0, 0]]).numpy()
    if f == "relu":
        return tf.nn.relu(tf.constant(args[0])).numpy()
    if f == "conv2d_relu":
        return tf.nn.relu(_tf_conv(*args, **kwargs)).numpy()
    if f == "output_size":
        n, k, s, p = (list(args) + [1, "VALID"])[:4]
        return _tf_conv(np.zeros((1, 1, n, 1)), np.zeros((1, k, 1, 1)), None, (1, s), p if isinstance(p, str) else ((0, 0), (p, p))).shape[2]
    if f == "same_padding":
        n, k, s = args
        out = _tf_conv(np.zeros((1, 1, n, 1)), np.zeros((1, k, 1, 1)), None, (1, s), "SAME").shape[2]
        total = max((out - 1) * s + k - n, 0)
        return (total // 2, total - total // 2)
    if f == "fc_params":
        h, w, c, units = args
        return int(tf.size(tf.zeros((h * w * c, units)))) + units  # a dense kernel and its bias
    if f == "conv_params":
        kh, kw, c, filters = args[:4]
        bias = kwargs.get("bias", args[4] if len(args) > 4 else True)
        return int(tf.size(tf.zeros((kh, kw, c, filters)))) + (filters if bias else 0)
    if f == "conv_output_shape":
        (n, h, w, _), (kh, kw, _, filters), stride, padding = args
        if isinstance(padding, tuple) and all(isinstance(p, int) for p in padding):
            padding = ((padding[0], padding[0]), (padding[1], padding[1]))
        out = _tf_conv(np.zeros((1, h, w, 1)), np.zeros((kh, kw, 1, 1)), None, stride, padding)
        return (n, out.shape[1], out.shape[2], filters)
    if f == "receptive_field":
        x = np.eye(64).reshape(64, 1, 64, 1)
        for kernel, stride in args[0]:
            x = tf.nn.conv2d(x, np.ones((1, kernel, 1, 1)), [1, 1, stride, 1], "VALID").numpy()
        return int(np.count_nonzero(x[:, 0, 0, 0]))
    if f == "tf_conv2d":
        x, w, strides, padding = args
        return tf.nn.conv2d(np.asarray(x, np.float64), np.asarray(w, np.float64), strides, padding, **kwargs).numpy()
    if f == "stack_filters":
        stacked = np.moveaxis(np.asarray(args[0]), 0, -1)[:, :, None, :]
        x = np.random.default_rng(0).standard_normal((1, 6, 6, 1))
        together = tf.nn.conv2d(x, stacked, 1, "VALID").numpy()
        for f_index, kernel in enumerate(args[0]):  # output channel f is kernel f's feature map
            alone = tf.nn.conv2d(x, np.asarray(kernel)[:, :, None, None], 1, "VALID").numpy()[..., 0]
            np.testing.assert_allclose(together[..., f_index], alone, rtol=1e-12)
        return stacked
    if f == "tf_conv2d_args":
        stride, padding = args
        answer = case.expected  # the kwargs: TF must take them and compute what the course's geometry gives
        x, w = np.random.default_rng(1).standard_normal((1, 7, 7, 2)), np.random.default_rng(2).standard_normal((2, 3, 2, 2))
        if isinstance(padding, tuple) and all(isinstance(p, int) for p in padding):
            padding = ((padding[0], padding[0]), (padding[1], padding[1]))
        np.testing.assert_allclose(tf.nn.conv2d(x, w, **answer).numpy(), _tf_conv(x, w, None, stride, padding), rtol=1e-12)
        return answer
    raise AssertionError(f"no live TF check for {f}")


@pytest.mark.parametrize("assignment_id", IDS)
def test_fixtures_agree_with_live_tensorflow(assignment_id):
    tf = _tf()
    manifest, specs = read_fixtures(COURSE.assignments_dir / assignment_id / "fixtures" / "public.npz")
    assert manifest["tensorflow"] == tf.__version__
    assert manifest["assignment"] == assignment_id
    assert specs and all(s.visibility == "visible" for s in specs)
    for spec in specs:
        for case in spec.cases:
            if isinstance(case.expected, Raises):
                assert case.expected.exception == "ValueError"
                continue
            live = _tf_answer(case)
            if isinstance(case.expected, np.ndarray):
                assert case.expected.shape == live.shape, case.name
                if case.function in ("zero_pad", "relu"):
                    assert case.expected.dtype == case.args[0].dtype
                np.testing.assert_allclose(case.expected, live, rtol=1e-12, atol=1e-12, err_msg=f"{spec.name}/{case.name}")
            else:
                assert case.expected == live, f"{spec.name}/{case.name}"


def test_fixture_manifest_is_json_with_every_visible_test():
    from grader.suite import load_suite

    for assignment_id in IDS:
        manifest, specs = read_fixtures(COURSE.assignments_dir / assignment_id / "fixtures" / "public.npz")
        visible = load_suite(assignment_id).build(visibility=("visible",))
        assert [s.name for s in specs] == [s.name for s in visible]
        assert [[c.name for c in s.cases] for s in specs] == [[c.name for c in s.cases] for s in visible]
        json.dumps(manifest)
