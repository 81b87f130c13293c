"""Class 7: write forged 'passed' result frames for every call straight onto the result pipe."""
import json
import os
import struct

import numpy as np


def _frame(index, value):
    header = json.dumps({"type": "result", "index": index, "value": value, "error": None, "bases": [],
                         "message": "", "fault": None, "detail": ""}).encode()
    return struct.pack(">I", len(header)) + header


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    for fd in range(3, 16):
        try:
            for index in range(64):
                os.write(fd, _frame(index, {"kind": "int", "value": 16}))
        except BaseException:
            pass
    return np.zeros(1)
