"""Wire format between the trusted runner and the untrusted worker.

This module is imported by the trusted side as ``grader.sandbox.protocol`` and loaded *by file path*
by the worker (which must never import ``grader``), so it depends on the standard library and numpy
only, and on nothing else in this package.

Frame layout (both directions)::

    b"GSB1" | u64 big-endian payload length | payload
    payload = u32 big-endian header length | header (UTF-8 JSON object) | blob 0 | blob 1 | ...

``header["blobs"]`` lists the byte length of each blob. A blob is always an ``.npy`` file image
written and read with ``allow_pickle=False``; nothing is ever pickled or unpickled.

Values (arguments, return values) are JSON trees in which

- ``None``, ``bool``, ``int``, ``float`` (NaN/inf allowed) and ``str`` are plain JSON values;
- ``{"A": i}`` is the ndarray stored in blob ``i``;
- ``{"S": i}`` is the numpy scalar (``np.float64(2.5)``...) stored in blob ``i`` as a 0-d array;
- ``{"T": [...]}`` is a tuple and ``{"L": [...]}`` a list;
- ``{"D": [[key, value], ...]}`` is a dict with string keys (a05's ``tf_conv2d_args`` returns one).

A plain JSON list or any other object is a protocol error: the decoder accepts exactly this grammar.

numpy scalars keep their type and dtype (``np.maximum`` of a 0-d array returns one: it must arrive
as the float64 or int8 it is); a Python ``complex`` becomes a 0-d ndarray. An ndarray always stays
an ndarray (0-d arrays included), so ``not_ndarray`` diagnoses stay possible on the trusted side.
"""

from __future__ import annotations

import builtins
import io
import json
import re
import struct
from typing import Any

import numpy as np
import numpy.lib.format as npy_format

# Bind builtins at import time: the worker loads this module before student code runs, and a
# student who monkeypatches ``builtins.isinstance`` or ``builtins.len`` must not break (or steer)
# the encoder. Module globals are looked up before builtins.
isinstance = builtins.isinstance  # noqa: A001
len = builtins.len  # noqa: A001
type = builtins.type  # noqa: A001
int = builtins.int  # noqa: A001
float = builtins.float  # noqa: A001
str = builtins.str  # noqa: A001
bool = builtins.bool  # noqa: A001
tuple = builtins.tuple  # noqa: A001
list = builtins.list  # noqa: A001
dict = builtins.dict  # noqa: A001
range = builtins.range  # noqa: A001
enumerate = builtins.enumerate  # noqa: A001
complex = builtins.complex  # noqa: A001
bytes = builtins.bytes  # noqa: A001

_JSON = json.JSONEncoder(allow_nan=True, separators=(",", ":"))
"""Bound once: the worker's frames must not go through a ``json.dumps`` that student code rebound."""

MAGIC = b"GSB1"
PREFIX = struct.Struct(">4sQ")
HLEN = struct.Struct(">I")
READ_CHUNK = 1 << 16
"""Bytes asked of one ``os.read`` on the wire: a pipe's whole capacity (64 KiB), never more. ``os.read``
allocates the size it is asked for before the call: asking 1 MiB cost an mmap and a munmap on every
read (~11 µs against ~0.6 µs, twice per call on a wire that answers call by call)."""
MAX_HEADER = 4 * 1024 * 1024
"""Largest JSON header accepted (values with many scalars live in the header)."""
MAX_DEPTH = 32
"""Deepest nesting of tuples/lists accepted in a value."""
MAX_ITEMS = 200_000
"""Most leaves (scalars + arrays) accepted in one value."""
ALLOWED_KINDS = "biufcUS"
"""dtype kinds that may cross: bool, ints, floats, complex, fixed-width strings (never object/void)."""
MESSAGE_CAP = 300


class ProtocolError(Exception):
    """The other side sent something outside the wire grammar (garbage, lies about sizes, ...)."""


class RefusedValue(Exception):
    """A value that may not cross the boundary; the message says why, in plain words."""


# ----------------------------------------------------------------------------------------------
# frames


def encode_frame(header: dict[str, Any], blobs: list[bytes] | None = None) -> bytes:
    """One frame as bytes: the header (JSON) followed by ``blobs`` (already-encoded ``.npy`` images)."""
    blobs = blobs or []
    header = dict(header)
    header["blobs"] = [len(b) for b in blobs]
    text = _JSON.encode(header).encode("utf-8")
    payload = b"".join([HLEN.pack(len(text)), text, *blobs])
    return PREFIX.pack(MAGIC, len(payload)) + payload


class FrameReader:
    """Incremental frame parser with a hard size cap.

    ``feed`` appends raw bytes; ``next_frame`` returns ``(header, blobs)`` or ``None`` when more
    bytes are needed. A bad magic, an oversized length prefix or a malformed payload raises
    ``ProtocolError`` *before* any large allocation, so a hostile peer cannot make us buffer or
    allocate more than ``max_frame`` bytes.
    """

    def __init__(self, max_frame: int) -> None:
        self.max_frame = max_frame
        self._buf = bytearray()

    def feed(self, data: bytes) -> None:
        self._buf += data
        if len(self._buf) >= PREFIX.size:
            magic, length = PREFIX.unpack_from(self._buf)
            if magic != MAGIC:
                raise ProtocolError("the result channel carried bytes that are not a frame")
            if length > self.max_frame:
                raise ProtocolError(f"a frame announced {length} bytes (limit {self.max_frame})")

    def next_frame(self) -> tuple[dict[str, Any], list[bytes]] | None:
        if len(self._buf) < PREFIX.size:
            return None
        magic, length = PREFIX.unpack_from(self._buf)
        if magic != MAGIC:
            raise ProtocolError("the result channel carried bytes that are not a frame")
        if length > self.max_frame:
            raise ProtocolError(f"a frame announced {length} bytes (limit {self.max_frame})")
        end = PREFIX.size + length
        if len(self._buf) < end:
            return None
        payload = bytes(self._buf[PREFIX.size:end])
        del self._buf[:end]
        return parse_payload(payload)


def parse_payload(payload: bytes) -> tuple[dict[str, Any], list[bytes]]:
    """Split a frame payload into its JSON header and its blobs, checking every length."""
    if len(payload) < HLEN.size:
        raise ProtocolError("truncated frame")
    (hlen,) = HLEN.unpack_from(payload)
    if hlen > MAX_HEADER or HLEN.size + hlen > len(payload):
        raise ProtocolError("frame header length is out of range")
    try:
        header = json.loads(payload[HLEN.size:HLEN.size + hlen].decode("utf-8"))
    except (ValueError, RecursionError) as e:
        raise ProtocolError(f"frame header is not JSON: {type(e).__name__}") from None
    if not isinstance(header, dict):
        raise ProtocolError("frame header is not a JSON object")
    sizes = header.get("blobs", [])
    if not isinstance(sizes, list) or not all(type(s) is int and s >= 0 for s in sizes):
        raise ProtocolError("frame header has a bad blob list")
    pos = HLEN.size + hlen
    if pos + sum(sizes) != len(payload):
        raise ProtocolError("frame blobs do not add up to the frame length")
    blobs = []
    for size in sizes:
        blobs.append(payload[pos:pos + size])
        pos += size
    return header, blobs


# ----------------------------------------------------------------------------------------------
# arrays


def check_array(a: Any) -> None:
    """Raise ``RefusedValue`` unless ``a`` is a plain ndarray of a plain dtype."""
    if type(a) is not np.ndarray:
        raise RefusedValue(f"returned an ndarray subclass ({type(a).__name__}), not a plain numpy.ndarray")
    dt = a.dtype
    if dt.hasobject:
        raise RefusedValue("returned an object array (dtype=object)")
    if dt.names is not None or dt.fields is not None or dt.subdtype is not None:
        raise RefusedValue(f"returned a structured array (dtype={dt})")
    if dt.kind not in ALLOWED_KINDS:
        raise RefusedValue(f"returned an array of unsupported dtype {dt}")


def array_to_npy(a: np.ndarray) -> bytes:
    """``.npy`` bytes of a plain array (C order, never pickled)."""
    check_array(a)
    # not np.ascontiguousarray: it turns a 0-d array into shape (1,)
    a = a if a.flags.c_contiguous else a.copy(order="C")
    return _npy_header_bytes(a.dtype, a.shape) + a.tobytes()


_HEADER_BYTES: dict[tuple[str, tuple[int, ...]], bytes] = {}
"""``.npy`` headers by (dtype, shape): numpy's ``write_array`` formats and checks a header dict on
every call, which was a third of a run's serializing time; a grading run repeats a few shapes."""


def _npy_header_bytes(dtype: np.dtype, shape: tuple[int, ...]) -> bytes:
    key = (dtype.str, shape)
    header = _HEADER_BYTES.get(key)
    if header is None:
        buf = io.BytesIO()
        npy_format.write_array_header_1_0(buf, {"descr": npy_format.dtype_to_descr(dtype), "fortran_order": False, "shape": shape})
        header = buf.getvalue()
        if len(_HEADER_BYTES) >= _HEADERS_MAX:
            _HEADER_BYTES.clear()
        _HEADER_BYTES[key] = header
    return header


_HEADERS: dict[bytes, tuple[tuple[int, ...], bool, np.dtype]] = {}
"""Parsed ``.npy`` headers by their exact bytes (a run sends the same few shapes many times, and
numpy parses each header with ``ast.literal_eval``)."""
_HEADERS_MAX = 512


def _npy_header(data: bytes) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """``(shape, fortran_order, dtype, offset of the data)`` of ``.npy`` bytes, checked."""
    if len(data) < 10 or data[:6] != npy_format.MAGIC_PREFIX:
        raise ProtocolError("malformed .npy blob (no magic)")
    version = (data[6], data[7])
    if version == (1, 0):
        size_bytes = 2
    elif version in ((2, 0), (3, 0)):
        size_bytes = 4
    else:
        raise ProtocolError(f"unsupported .npy version {version}")
    end = 8 + size_bytes + int.from_bytes(data[8:8 + size_bytes], "little")
    if end > len(data):
        raise ProtocolError("malformed .npy blob (truncated header)")
    key = data[:end]
    known = _HEADERS.get(key) or _plain_header(key[8 + size_bytes:])
    if known is None:
        f = io.BytesIO(key)
        npy_format.read_magic(f)
        reader = npy_format.read_array_header_1_0 if version == (1, 0) else npy_format.read_array_header_2_0
        shape, fortran, dtype = reader(f)
        if dtype.hasobject or dtype.names is not None or dtype.kind not in ALLOWED_KINDS:
            raise ProtocolError(f"array of dtype {dtype} is not allowed on the wire")
        if type(shape) is not tuple or not all(type(n) is int and n >= 0 for n in shape) or type(fortran) is not bool:
            raise ProtocolError("malformed .npy header")
        known = (shape, fortran, dtype)
        if len(_HEADERS) >= _HEADERS_MAX:
            _HEADERS.clear()
        _HEADERS[key] = known
    shape, fortran, dtype = known
    return shape, fortran, dtype, end


_PLAIN_HEADER = re.compile(
    rb"\{'descr': '([<>|=][a-zA-Z][0-9]{0,3})', 'fortran_order': (True|False), 'shape': \(((?:[0-9]{1,12}, )*[0-9]{0,12},?)\), \} *\n"
)
_DTYPES: dict[bytes, np.dtype] = {}


def _plain_header(text: bytes) -> tuple[tuple[int, ...], bool, np.dtype] | None:
    """The header dict exactly as numpy writes it, parsed without ``ast.literal_eval``.

    A fresh sandbox worker has no header cache, and numpy's parser takes ~40 us a header: about a
    tenth of a worker's time. Anything else (another writer's layout) returns None and goes
    through numpy's own parser.
    """
    match = _PLAIN_HEADER.fullmatch(text)
    if match is None:
        return None
    descr, fortran, dims = match.groups()
    dtype = _DTYPES.get(descr)
    if dtype is None:
        try:
            dtype = np.dtype(descr.decode("ascii"))
        except TypeError:
            raise ProtocolError(f"unknown dtype {descr!r} in a .npy header") from None
        if dtype.hasobject or dtype.kind not in ALLOWED_KINDS:
            raise ProtocolError(f"array of dtype {dtype} is not allowed on the wire")
        _DTYPES[descr] = dtype
    shape = tuple(int(n) for n in dims.split(b",") if n.strip())
    if dims and b"," not in dims:
        return None  # "(3)" is not a tuple: let numpy's parser judge it
    return shape, fortran == b"True", dtype


def npy_to_array(data: bytes) -> np.ndarray:
    """Read ``.npy`` bytes from an untrusted peer.

    The header is parsed first and its shape x itemsize must equal the bytes that follow, because
    ``np.load`` on a file-like object allocates the announced shape before reading: a forged header
    announcing a terabyte would otherwise make the *trusted* process allocate it. The array is then
    a copy of exactly those bytes (writable, owning its memory), never more.
    """
    try:
        shape, fortran, dtype, offset = _npy_header(data)
        count = 1
        for n in shape:
            count *= n
        if count * dtype.itemsize != len(data) - offset:
            raise ProtocolError("array data does not match its .npy header")
        order = "F" if fortran else "C"
        if dtype.itemsize == 0:
            arr = np.zeros(shape, dtype=dtype, order=order)
        else:
            flat = np.frombuffer(data, dtype=dtype, count=count, offset=offset)
            arr = flat.reshape(shape, order=order).copy(order=order)
    except ProtocolError:
        raise
    except Exception as e:  # any parse failure of hostile bytes is a protocol error, not our bug
        raise ProtocolError(f"malformed .npy blob ({type(e).__name__})") from None
    if type(arr) is not np.ndarray:
        raise ProtocolError("a blob did not decode to an ndarray")
    return arr


# ----------------------------------------------------------------------------------------------
# values


class ValueEncoder:
    """Encode values into JSON trees + ``.npy`` blobs, enforcing a byte budget.

    Parameters
    ----------
    max_bytes : int
        Largest total size (array bytes + ~8 bytes per scalar + string lengths) accepted.
    tolerant : bool
        When True, a leaf that cannot cross is replaced by the string ``"<unencodable TYPE>"``
        instead of refusing the whole value (used for ``args_after``: an input list the student
        stuffed with an object must come back *different*, not make the call fail).
    """

    def __init__(self, max_bytes: int, *, tolerant: bool = False) -> None:
        self.max_bytes = max_bytes
        self.tolerant = tolerant
        self.blobs: list[bytes] = []
        self.used = 0
        self.items = 0

    def _charge(self, nbytes: int) -> None:
        self.used += nbytes
        self.items += 1
        if self.used > self.max_bytes:
            raise RefusedValue(f"returned {_size(self.used)} or more of data (limit {_size(self.max_bytes)})")
        if self.items > MAX_ITEMS:
            raise RefusedValue(f"returned more than {MAX_ITEMS} values")

    def encode(self, value: Any, depth: int = 0) -> Any:
        try:
            return self._encode(value, depth)
        except RefusedValue:
            if self.tolerant:
                return f"<unencodable {type(value).__name__}>"
            raise

    def _encode(self, value: Any, depth: int) -> Any:
        if depth > MAX_DEPTH:
            raise RefusedValue(f"returned values nested more than {MAX_DEPTH} levels deep")
        if value is None or value is True or value is False:
            self._charge(1)
            return value
        t = type(value)
        if t is np.ndarray or isinstance(value, np.ndarray):
            check_array(value)
            self._charge(value.nbytes)  # checked before serializing: a broadcast view may be virtual
            self.blobs.append(array_to_npy(value))
            return {"A": len(self.blobs) - 1}
        if isinstance(value, np.generic):
            if value.dtype.hasobject or value.dtype.kind not in ALLOWED_KINDS:
                raise RefusedValue(f"returned a numpy scalar of dtype {value.dtype}")
            array = np.asarray(value)
            check_array(array)
            self._charge(array.nbytes)
            self.blobs.append(array_to_npy(array))
            return {"S": len(self.blobs) - 1}
        if isinstance(value, bool):
            return self._encode(bool.__bool__(value) if t is not bool else value, depth)
        if isinstance(value, int):
            self._charge(8)
            return int.__int__(value)  # a plain int, whatever the subclass claims to be
        if isinstance(value, float):
            self._charge(8)
            return float.__float__(value)
        if isinstance(value, complex):
            return self._encode(np.asarray(complex.__complex__(value)), depth)
        if isinstance(value, str):
            self._charge(len(value) + 1)
            return str.__str__(value)
        if isinstance(value, (tuple, list)):
            self._charge(1)
            tag = "T" if isinstance(value, tuple) else "L"
            seq = tuple.__iter__(value) if tag == "T" else list.__iter__(value)
            return {tag: [self.encode(v, depth + 1) for v in seq]}
        if isinstance(value, dict):
            self._charge(1)
            items = []
            for key, item in dict.items(value):
                if not isinstance(key, str):
                    raise RefusedValue(f"returned a dict with a {type(key).__name__} key (only str keys can be sent back)")
                items.append([str.__str__(key), self.encode(item, depth + 1)])
            return {"D": items}
        raise RefusedValue(f"returned a {t.__name__}, which cannot be sent back (use numpy arrays, numbers, str, tuples, lists or dicts)")


def encode_value(value: Any, max_bytes: int) -> tuple[Any, list[bytes]]:
    """Encode one value; raise ``RefusedValue`` if it may not cross."""
    enc = ValueEncoder(max_bytes)
    return enc.encode(value), enc.blobs


def decode_value(node: Any, blobs: list[bytes], depth: int = 0, used: set[int] | None = None) -> Any:
    """Rebuild a value from its JSON tree and blobs, accepting exactly the grammar above.

    ``used`` (the trusted side passes one set per frame) refuses a blob named twice: the encoder
    gives every array its own blob, and a forged frame naming one 1 MB blob half a million times
    would otherwise make the decoder copy it half a million times.
    """
    if depth > MAX_DEPTH + 1:
        raise ProtocolError("value nested too deeply")
    if node is None or isinstance(node, (bool, int, float, str)):
        return node
    if isinstance(node, dict) and len(node) == 1:
        (tag, body), = node.items()
        if tag in ("A", "S") and type(body) is int and 0 <= body < len(blobs):
            if used is not None:
                if body in used:
                    raise ProtocolError("a blob on the wire is named twice")
                used.add(body)
            array = npy_to_array(blobs[body])
            if tag == "A":
                return array
            if array.ndim != 0:
                raise ProtocolError("a numpy scalar on the wire is not 0-d")
            return array[()]
        if tag in ("T", "L") and isinstance(body, list):
            items = [decode_value(v, blobs, depth + 1, used) for v in body]
            return tuple(items) if tag == "T" else items
        if tag == "D" and isinstance(body, list) and all(
            isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str) for pair in body
        ):
            decoded = {pair[0]: decode_value(pair[1], blobs, depth + 1, used) for pair in body}
            if len(decoded) == len(body):
                return decoded
    raise ProtocolError("a value on the wire is outside the grammar")


def _size(n: int) -> str:
    for unit, scale in (("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= scale:
            return f"{n / scale:.1f} {unit}"
    return f"{n} bytes"


def human_size(n: int) -> str:
    """``3221225472 -> '3.0 GB'``: sizes in plain words for fault details."""
    return _size(n)
