"""Integrations with the places a course runs. One module per place, each imported only when used:

    ci          ``grader ci``: results.json, a Markdown job summary and annotations on a push
    gradescope  ``grader gradescope``: Gradescope autograder zips
    nbgrader    ``grader nbgrader init``: an nbgrader course whose autograde scores come from this grader
    release     ``grader release``: the student bundle
"""
