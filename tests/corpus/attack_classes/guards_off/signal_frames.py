"""Class 1: a signal handler receives a frame; walk f_back/f_locals into the worker to find its
pipes and send forged results for every call."""
import signal

import numpy as np


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    grabbed = {}

    def handler(signum, frame):
        while frame is not None:
            grabbed.update({k: v for k, v in frame.f_locals.items() if k in ("send", "data_fd", "setup")})
            frame = frame.f_back

    try:
        signal.signal(signal.SIGALRM, handler)
        signal.setitimer(signal.ITIMER_REAL, 0.001)
        import time
        time.sleep(0.05)
        if "send" in grabbed:
            for index in range(64):
                grabbed["send"]({"type": "result", "index": index, "value": None, "error": None, "bases": [],
                                 "message": "", "fault": None, "detail": ""})
    except BaseException:
        pass
    return np.zeros(1)
