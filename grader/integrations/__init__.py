"""Integrations with other course tools. Each lives in its own module and is imported only when used:

    nbgrader    ``grader nbgrader init``: an nbgrader course whose autograde step is this grader
"""
