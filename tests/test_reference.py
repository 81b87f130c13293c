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
        (np.zeros((1, 4, 4, 4)), np.zeros((2, 2, 2, 1))),  # TF would run a grouped convolution
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
