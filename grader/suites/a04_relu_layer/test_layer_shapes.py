"""A hidden test written the pytest way (docs/pytest-suites.md): it counts in `grader grade`,
`grader batch` and `pytest --pyargs grader.suites.a04_relu_layer --submission PATH` alike."""

import pytest

from grader.suites.a04_relu_layer import suite


@pytest.mark.parametrize("n, c, f", [(2, 3, 1), (1, 1, 4)])
@suite.test(part="conv2d_relu")
def test_layer_batch_and_filters(g, n, c, f):
    """배치, 채널, 필터 수가 다른 층 / layers with other batch, channel and filter counts"""
    x, w = g.normal(n, 5, 4, c), g.normal(3, 2, c, f)
    return g.call(f"N={n}, C={c}, F={f}", "conv2d_relu", x, w, g.layer_bias(x, w))
