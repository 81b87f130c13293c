"""The TensorFlow reference: agrees with the solutions, validates before TF, handles empty shapes."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from grader import reference
from grader.cases import Case, Raises
from grader.suite import load_suite
from tests.conftest import SOLUTIONS


def load_solution(assignment: str):
    spec = importlib.util.spec_from_file_location(f"solution_{assignment}", SOLUTIONS[assignment])
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def call(module, case: Case):
    try:
        return getattr(module, case.function)(*case.args, **case.kwargs)
    except ValueError:
        return Raises("ValueError")


@pytest.mark.parametrize("assignment", sorted(SOLUTIONS))
def test_every_suite_case_agrees_with_the_solution(assignment):
    """The reference (TF) and the teaching solution give the same answer on every case of the suite."""
    module = load_solution(assignment)
    specs = reference.materialize(load_suite(assignment).build(secret=b"k", student_id="student-1"))
    for spec in specs:
        for case in spec.cases:
            got, want = call(module, case), case.expected
            where = f"{spec.name}/{case.name}"
            if isinstance(want, Raises):
                assert isinstance(got, Raises), where
            elif isinstance(want, np.ndarray):
                got = np.asarray(got) if isinstance(got, np.generic) and want.ndim == 0 else got
                assert isinstance(got, np.ndarray) and got.shape == want.shape, where
                np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-9, err_msg=where)
            else:
                assert got == want, where


def test_same_padding_is_tensorflows_split():
    assert reference.expected(Case("", "same_padding", (4, 2, 1))) == (0, 1)
    assert reference.expected(Case("", "same_padding", (6, 3, 2))) == (0, 1)
    assert reference.expected(Case("", "same_padding", (5, 4, 1))) == (1, 2)


def test_output_size_classic_values():
    # d2l: 8x8 input, k3 p1 -> 8; k3 p1 s2 -> 4
    assert reference.expected(Case("", "output_size", (8, 3, 1, 1))) == 8
    assert reference.expected(Case("", "output_size", (8, 3, 2, 1))) == 4
    assert reference.expected(Case("", "output_size", (7, 4, 2, "SAME"))) == 4


@pytest.mark.parametrize(
    "args",
    [
        (np.zeros((1, 4, 4, 4)), np.zeros((2, 2, 2, 2))),  # TF would run a grouped convolution (2 groups)
        (np.zeros((1, 4, 4, 4)), np.zeros((2, 2, 2, 1))),  # TF raises: 1 filter is not divisible by 2 groups
        (np.zeros((4, 4, 1)), np.zeros((2, 2, 1, 1))),  # rank 3: TF's float32 path aborts the process
        (np.zeros((1, 3, 3, 1)), np.zeros((4, 4, 1, 1))),  # kernel larger than input
    ],
)
def test_bad_shapes_never_reach_tensorflow(args):
    assert reference.expected(Case("", "conv2d", args)) == Raises("ValueError")


def test_empty_batch_gives_zeros_of_the_right_shape():
    out = reference.expected(Case("", "conv2d", (np.zeros((0, 5, 5, 2)), np.ones((3, 3, 2, 4))), {"padding": "SAME", "stride": 2}))
    assert out.shape == (0, 3, 3, 4)


def test_zero_pad_and_relu_keep_dtype():
    assert reference.expected(Case("", "zero_pad", (np.ones((1, 2, 2, 1), np.uint8), 1))).dtype == np.uint8
    assert reference.expected(Case("", "relu", (np.array([-3, 4], np.int8),))).tolist() == [0, 4]


def test_suite_expecting_an_error_the_reference_accepts_is_a_suite_bug():
    with pytest.raises(reference.ReferenceError):
        reference.expected(Case("wrong", "output_size", (5, 3, 1, "VALID"), expected=Raises("ValueError")))


def test_reference_calls_tensorflows_own_public_functions_and_tensorflow_still_imports_later():
    """The light import must hand out the very objects ``tf.nn.conv2d`` & co. are, without running
    TensorFlow's API package (not even when matplotlib looks for it, or ops run); a later
    ``import tensorflow`` (and Keras) must still work as usual."""
    import subprocess
    import sys

    code = (
        "import sys; from grader import reference; ops = reference._tf(); "
        "assert 'keras' not in sys.modules, 'keras was imported with TensorFlow'; "
        "assert 'tensorflow' not in sys.modules, 'the tensorflow package was imported'; "
        "import matplotlib.cbook; assert not matplotlib.cbook._is_tensorflow_array(1.0); "
        "from grader.reference import _conv2d, _zero_pad, _relu; import numpy as np; "
        "_conv2d(np.ones((1, 3, 3, 2)), np.ones((2, 2, 2, 1)), np.ones(1), 1, 'SAME'); "
        "[_zero_pad(np.ones((1, 2, 2, 1), t), 1) for t in (np.uint8, np.int32, np.float32, bool)]; "
        "[_relu(np.ones(3, t)) for t in (np.float32, np.int8, np.float64)]; "
        "assert 'tensorflow' not in sys.modules, 'an op imported the tensorflow package'; "
        "import tensorflow as tf; "
        "assert ops.conv2d is tf.nn.conv2d and ops.bias_add is tf.nn.bias_add; "
        "assert ops.relu is tf.nn.relu and ops.pad is tf.pad; "
        "assert ops.version == tf.__version__, (ops.version, tf.__version__); "
        "assert tf.executing_eagerly(); "
        "import keras; assert keras.__name__ == 'keras'"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]


def test_reference_takes_the_ordinary_import_when_tensorflow_is_already_loaded():
    import subprocess
    import sys

    code = (
        "import sys; import tensorflow as tf; from grader import reference; ops = reference._tf(); "
        "assert ops.conv2d is tf.nn.conv2d and ops.version == tf.__version__"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-2000:]


# -- what TensorFlow does, asked directly (the kit's statements rest on these) -----------------------


@pytest.mark.parametrize("filters, groups", [(2, True), (4, True), (1, False)])
def test_tensorflow_groups_channels_only_when_the_filters_divide(filters, groups):
    """FACTS.md: x (1, 4, 4, 4) with w (2, 2, 2, F) runs as 2 groups for F = 2 or 4 and raises for F = 1.
    The kit rejects all three (the a03 suite's "TF would group" case is F = 2)."""
    ops = reference._tf()
    x, w = np.ones((1, 4, 4, 4)), np.ones((2, 2, 2, filters))
    if groups:
        assert tuple(ops.conv2d(x, w, strides=1, padding="VALID").shape) == (1, 3, 3, filters)
    else:
        with pytest.raises(Exception, match="divisible"):
            ops.conv2d(x, w, strides=1, padding="VALID")
    assert reference.expected(Case("", "conv2d", (x, w))) == Raises("ValueError")
    case = next(c for s in load_suite("a03_multichannel").build() for c in s.cases if "TF would group" in c.name)
    assert case.args[0].shape[3] == 4 and case.args[1].shape[2:] == (2, 2)


def test_the_kits_same_split_is_tensorflows():
    """reference_shapes.same_split_from_tf asks tf.nn.conv2d(padding="SAME") itself; the split the kit
    writes everywhere else (diagnosis models, the solutions) must equal it on every small geometry."""
    from grader.diagnose.models.core import tf_same
    from grader.reference_shapes import same_split_from_tf

    a02 = load_solution("a02_padding_stride")
    for n in range(1, 10):
        for k in range(1, 7):
            for s in range(1, 5):
                split = same_split_from_tf(n, k, s)
                assert split == tf_same(n, k, s) == a02.same_padding(n, k, s), (n, k, s, split)


def test_the_same_reference_is_tensorflows_same():
    """The reference hands SAME to TensorFlow as SAME; explicit padding with the kit's split gives the same."""
    from grader.diagnose.models.core import tf_same

    rng = np.random.default_rng(3)
    for shape, kernel, stride in [((1, 5, 6, 2), (2, 3, 2, 2), (1, 1)), ((2, 7, 4, 1), (4, 2, 1, 3), (2, 3))]:
        x, w = rng.standard_normal(shape), rng.standard_normal(kernel)
        same = reference.expected(Case("", "conv2d", (x, w, None, stride, "SAME")))
        pads = tuple(tf_same(n, k, s) for n, k, s in zip(shape[1:3], kernel[:2], stride))
        explicit = reference.tf_conv2d(x, w, stride, pads)
        np.testing.assert_allclose(same, explicit, rtol=0, atol=1e-12)


@pytest.mark.parametrize("layers", [[(3, 1), (3, 1)], [(3, 2), (3, 1)], [(5, 2), (2, 2), (3, 1), (2, 2), (3, 1)], [(7, 3), (3, 2)]])
def test_receptive_field_is_the_support_of_a_tensorflow_stack(layers):
    """The receptive field of the first output of a stack of convolutions (ones as kernels, VALID):
    the input positions whose one-hot input changes it, counted with TensorFlow."""
    ops = reference._tf()
    length = 64
    x = np.eye(length).reshape(length, 1, length, 1)  # one one-hot row per batch entry
    for kernel, stride in layers:
        x = ops.conv2d(x, np.ones((1, kernel, 1, 1)), strides=[1, 1, stride, 1], padding="VALID").numpy()
    support = int(np.count_nonzero(x[:, 0, 0, 0]))
    assert reference.expected(Case("", "receptive_field", (layers,))) == support
