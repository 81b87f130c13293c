"""Class 7: a forged result frame whose value names one 1 MB blob hundreds of times: a decoder that
copies the blob for each reference would allocate hundreds of MB in the trusted grader (half a
million references fit in a 4 MB header)."""
import io
import json
import os
import struct
import sys

import numpy as np
import numpy.lib.format as fmt

REFS = 300
_calls = [0]


def _frame(header, blobs):
    header = dict(header, blobs=[len(b) for b in blobs])
    text = json.dumps(header, separators=(",", ":")).encode()
    payload = struct.pack(">I", len(text)) + text + b"".join(blobs)
    return struct.pack(">4sQ", b"GSB1", len(payload)) + payload


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    index = _calls[0]
    _calls[0] += 1
    buffer = io.BytesIO()
    fmt.write_array(buffer, np.zeros(1 << 17), allow_pickle=False)
    frame = _frame({"type": "result", "index": index, "value": {"L": [{"A": 0}] * REFS}, "error": None,
                    "bases": [], "message": "", "fault": None, "detail": "", "seconds": 0.0,
                    "args_after": None, "kwargs_after": None}, [buffer.getvalue()])
    view = memoryview(frame)
    while view:
        view = view[os.write(int(sys.argv[2]), view):]
    os._exit(0)
