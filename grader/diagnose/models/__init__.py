"""The live misconception models: importing this package registers an analyzer for every function
of the built-in assignments (:func:`grader.diagnose.register`).

Instructor side only: these modules compute right answers (a vectorized NHWC x HWIO convolution,
TensorFlow's SAME split, the small functions' answers), so ``grader release`` leaves the whole
``grader/diagnose/models/`` folder out of the student bundle. A new assignment's models can live
here too (imported below) or in a module of their own listed in ``grader.diagnose.MODEL_MODULES``.
"""

from grader.diagnose.models import conv, small  # noqa: F401  (importing registers the analyzers)
