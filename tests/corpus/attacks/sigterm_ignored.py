# expect: ok timeout
"""Attack: sigterm ignored."""


import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)

def conv2d(x, w, b=None, stride=1, padding='VALID'):
    while True:
        try:
            while True:
                pass
        except BaseException:
            pass
