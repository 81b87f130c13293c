"""Class 7: write forged 'passed' result frames for every call straight onto the result pipe (in
the wire's own framing), claiming the right answer is whatever the grader expects."""
import json
import os
import struct
import sys

import numpy as np


def _frame(header):
    header = dict(header, blobs=[])
    text = json.dumps(header, separators=(",", ":")).encode()
    payload = struct.pack(">I", len(text)) + text
    return struct.pack(">4sQ", b"GSB1", len(payload)) + payload


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    fd = int(sys.argv[2]) if len(sys.argv) > 2 else 4
    for index in range(64):
        try:
            os.write(fd, _frame({"type": "result", "index": index, "value": 16, "error": None, "bases": [],
                                 "message": "", "fault": None, "detail": "", "seconds": 0.0}))
        except BaseException:
            break
    return np.zeros(1)
