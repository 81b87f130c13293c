"""course.yaml: the schema catches malformed files with one line naming the field."""

from __future__ import annotations

import copy

import pytest
import yaml

from grader.course import CourseError, load_course, parse_course
from tests.conftest import ROOT


def raw() -> dict:
    return yaml.safe_load((ROOT / "course.yaml").read_text(encoding="utf-8"))


def test_course_loads_six_assignments(course):
    assert [a.id for a in course.assignments] == [
        "a00_fc_vs_conv", "a01_correlation", "a02_padding_stride", "a03_multichannel", "a04_relu_layer", "a05_tf_conv2d",
    ]
    a03 = course.assignment("a03_multichannel")
    assert [p.id for p in a03.parts] == ["channels", "batch_filters", "stride_padding", "bias", "validation"]
    assert a03.functions == ("conv2d",)
    assert a03.max_score == 16
    assert {"tensorflow", "keras", "torch", "jax", "scipy.signal", "scipy.ndimage"} <= set(a03.forbidden_imports)


def test_tolerances_come_from_course_yaml(course):
    part = course.assignment("a01_correlation").parts[0]
    assert part.tolerance["float64"].rtol == 1e-7
    assert part.tolerance["float32"].atol == 1e-5


def test_part_tolerance_overrides_defaults(course):
    data = raw()
    data["assignments"][0]["parts"][0]["tolerance"] = {"float64": {"rtol": 0.5}}
    part = parse_course(data, course.root).assignments[0].parts[0]
    assert part.tolerance["float64"].rtol == 0.5
    assert part.tolerance["float64"].atol == 1e-9


@pytest.mark.parametrize(
    "mutate, expected",
    [
        (lambda d: d["assignments"][1]["parts"][0].update(points="five"), "assignments[1].parts[0].points: expected number, got 'five'"),
        (lambda d: d["assignments"][0].pop("module"), "assignments[0]: missing required field(s) 'module'"),
        (lambda d: d["defaults"]["limits"].update(timeout=-1), "defaults.limits.timeout: expected a number > 0"),
        (lambda d: d["course"].update(language="fr"), "course.language: expected one of ['ko', 'en']"),
        (lambda d: d["assignments"][2].update(module="Multi Channel.py"), "assignments[2].module: expected text matching"),
        (lambda d: d["assignments"][0]["parts"].clear(), "assignments[0].parts: expected at least 1 item"),
        (lambda d: d["assignments"][0].update(pointz=3), "assignments[0]: unknown field(s) 'pointz'"),
        (lambda d: d["assignments"][2].update(id="a01_correlation"), "duplicate assignment id 'a01_correlation'"),
    ],
)
def test_malformed_course_gets_one_clear_line(course, mutate, expected):
    data = copy.deepcopy(raw())
    mutate(data)
    with pytest.raises(CourseError) as error:
        parse_course(data, course.root, "course.yaml")
    message = str(error.value)
    assert message.startswith("course.yaml: ")
    assert expected in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "text, expected",
    [
        ("course: [unclosed\n", "not valid YAML"),
        ("- just\n- a list\n", "expected a mapping"),
        ("", "expected a mapping"),
    ],
)
def test_unparseable_course_file(tmp_path, text, expected):
    (tmp_path / "course.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(CourseError, match=expected) as error:
        load_course(tmp_path)
    assert str(tmp_path / "course.yaml") in str(error.value)


def test_missing_course_file(tmp_path):
    with pytest.raises(CourseError, match="no such file"):
        load_course(tmp_path)


def test_unknown_assignment_names_the_known_ones(course):
    with pytest.raises(CourseError, match="unknown assignment 'a99'.*a01_correlation"):
        course.assignment("a99")


def test_secret_from_environment_then_file(tmp_path, monkeypatch, course):
    monkeypatch.setenv(course.secret_env, "from-env")
    assert course.secret() == b"from-env"
    monkeypatch.delenv(course.secret_env)
    data = raw()
    (tmp_path / ".grader-secret").write_text("from-file\n")
    other = parse_course(data, tmp_path)
    assert other.secret() == b"from-file"


def test_yaml_is_read_with_libyaml_when_pyyaml_has_it():
    from grader import course

    assert course._YAML_LOADER is (yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
    text = (ROOT / "course.yaml").read_text(encoding="utf-8")
    assert course.load_yaml(text) == yaml.safe_load(text)
    with pytest.raises(yaml.YAMLError):
        course.load_yaml("a: !!python/object:os.system ls")  # a safe loader, C or Python
