"""The vocabulary of diagnosis: which codes exist for which function, how specific each is, which
contradict each other.

Data only (no model, no answer): shipped in the student bundle. SPEC §5 names the codes.

- :data:`RANK` orders the misconception codes from the most specific to the least: when two codes
  explain a test's failing cases equally well, the earlier one is reported. A code is more specific
  when its model applies to fewer kinds of case (``same_padding_stride1`` only to SAME with a stride,
  ``hw_transposed`` to every case).
- :data:`FAMILIES` are sets of rival explanations of one thing (how SAME is split, whether the filter
  is flipped...): a test never carries two codes of one family.
- :data:`GENERIC` codes say *what* is wrong, not *why* (``wrong_shape``); a case keeps them only when
  no misconception explains it. :data:`OUTCOME` codes come from how a call ended (an exception, a
  fault, no ValueError) and are kept as they are. :data:`ORTHOGONAL` codes add to any other.
"""

from __future__ import annotations

#: Misconception codes, most specific first.
RANK: tuple[str, ...] = (
    "relu_before_bias",
    "bias_inside_window",
    "missing_bias",
    "relu_leaky",
    "relu_abs",
    "same_padding_negative",
    "same_padding_wrong_side",
    "same_padding_symmetric",
    "same_padding_stride1",
    "explicit_padding_order",
    "output_size_ceil",
    "stride_swapped",
    "stride_ignored",
    "batch_index",
    "padding_wrong_axes",
    "nonzero_padding",
    "no_channel_sum",
    "layout_nchw",
    "flip_one_axis",
    "flipped_kernel",
    "unflipped_kernel",
    "hw_transposed",
    "output_size_off_by_one",
    "integer_truncation",
    # a00_fc_vs_conv and a05_tf_conv2d (models in grader/diagnose_shapes.py)
    "params_bias_flag",
    "params_no_bias",
    "params_no_channels",
    "channels_not_filters",
    "valid_same_confused",
    "receptive_field_own_stride",
    "receptive_field_off_by_one",
    "hwio_order",
    "tf_strides_format",
    "tf_padding_format",
    "tf_data_format",
)

#: Rival explanations of one thing: never two of a family on one test.
FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"flipped_kernel", "unflipped_kernel", "flip_one_axis"}),
    frozenset({"same_padding_symmetric", "same_padding_wrong_side", "same_padding_stride1", "same_padding_negative"}),
    frozenset({"output_size_off_by_one", "output_size_ceil"}),
    frozenset({"stride_ignored", "stride_swapped"}),
    frozenset({"missing_bias", "bias_inside_window", "relu_before_bias"}),
    frozenset({"relu_leaky", "relu_abs"}),
    frozenset({"layout_nchw", "hw_transposed", "padding_wrong_axes"}),
    frozenset({"params_no_bias", "params_bias_flag"}),
    frozenset({"receptive_field_off_by_one", "receptive_field_own_stride"}),
)

#: What is wrong, not why: dropped from a case that a misconception explains.
GENERIC = frozenset({"wrong_shape", "wrong_dtype", "crashed_on_case"})

#: How a call ended (fault, exception, missing ValueError): kept as they are.
OUTCOME = frozenset({
    "not_implemented", "syntax_error", "missing_function", "not_ndarray", "timeout", "memory_limit", "crashed",
    "forbidden_import", "forbidden_operation", "no_validation", "wrong_exception",
})

#: Said in addition to any other code.
ORTHOGONAL = frozenset({"mutates_input"})

#: function -> the misconception codes its output (or its exceptions) can show, most specific first.
CODES_BY_FUNCTION: dict[str, tuple[str, ...]] = {}


def _ranked(*codes: str) -> tuple[str, ...]:
    return tuple(sorted(codes, key=RANK.index))


_CONV = (
    "flipped_kernel", "flip_one_axis", "hw_transposed", "stride_ignored", "stride_swapped", "same_padding_symmetric",
    "same_padding_wrong_side", "same_padding_stride1", "same_padding_negative", "explicit_padding_order",
    "nonzero_padding", "output_size_off_by_one", "output_size_ceil", "integer_truncation",
)
CODES_BY_FUNCTION.update({
    "cross_correlate2d": _ranked("flipped_kernel", "flip_one_axis", "hw_transposed", "output_size_off_by_one",
                                 "integer_truncation"),
    "convolve2d": _ranked("unflipped_kernel", "flip_one_axis", "hw_transposed", "output_size_off_by_one",
                          "integer_truncation"),
    "zero_pad": _ranked("padding_wrong_axes", "layout_nchw", "nonzero_padding", "hw_transposed",
                        "explicit_padding_order"),
    "output_size": _ranked("output_size_off_by_one", "output_size_ceil", "stride_ignored", "same_padding_symmetric",
                           "same_padding_stride1", "same_padding_negative"),
    "same_padding": _ranked("same_padding_symmetric", "same_padding_wrong_side", "same_padding_stride1",
                            "same_padding_negative"),
    "correlate2d": _ranked(*_CONV),
    "conv2d": _ranked(*_CONV, "no_channel_sum", "missing_bias", "bias_inside_window", "layout_nchw", "batch_index",
                      "padding_wrong_axes"),
    "relu": _ranked("relu_leaky", "relu_abs"),
    "conv2d_relu": _ranked(*_CONV, "relu_before_bias", "missing_bias", "bias_inside_window", "relu_leaky", "relu_abs",
                           "no_channel_sum", "layout_nchw", "batch_index", "padding_wrong_axes"),
})

#: A code dropped from every test of a submission whose tests of this function all pass: the
#: student's own function computes the very thing the code says they get wrong.
PREMISES: dict[str, str] = {
    "output_size_off_by_one": "output_size",
    "output_size_ceil": "output_size",
}


def rank(code: str) -> int:
    """Position in :data:`RANK` (codes outside it come after every ranked code)."""
    try:
        return RANK.index(code)
    except ValueError:
        return len(RANK)


def family(code: str) -> frozenset[str]:
    """The rivals of ``code`` (itself included); a code of no family is its own."""
    return next((f for f in FAMILIES if code in f), frozenset({code}))


def contradicts(a: str, b: str) -> bool:
    """Two different codes that explain the same thing in rival ways."""
    return a != b and b in family(a)
