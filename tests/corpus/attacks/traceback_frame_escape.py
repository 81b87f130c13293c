# expect: ok forbidden_operation
"""Attack: traceback frame escape."""


def conv2d(x, w, b=None, stride=1, padding='VALID'):
    try:
        open('/work/main/course.yaml')
    except Exception as e:
        tb = e.__traceback__
        while tb.tb_next:
            tb = tb.tb_next
        return str(tb.tb_frame.f_locals)
