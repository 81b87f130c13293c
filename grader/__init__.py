"""conv-grader: a course kit and trusted grader for teaching convolution in numpy.

Data flow, one module per stage::

    course.yaml -> course.py -> suites/<id> (named tests, cases) -> reference.py (TensorFlow, float64)
      -> sandbox/ (student code in a separate, limited process) -> compare.py -> diagnose.py
      -> scoring.py -> report/ (results.json, Markdown, HTML) -> batch/ (many students)
"""

__version__ = "0.1.0"
