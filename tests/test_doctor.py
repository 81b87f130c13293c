"""``grader doctor`` and the refusal of hidden grading without a kernel layer, on this machine and on
machines that refuse namespaces (as Docker's default seccomp profile does) or Landlock too.

The refusals are made for real: the grader runs under a seccomp filter of the test's own that makes
``unshare`` (and, for the last case, ``landlock_create_ruleset``) fail with EPERM, as the kernel of
such a machine would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SOLUTION = ROOT / "solutions" / "a03_multichannel" / "multichannel.py"

REFUSE = """
import os, sys
import pyseccomp as sc
f = sc.SyscallFilter(defaction=sc.ALLOW)
for name in sys.argv[1].split(","):
    f.add_rule(sc.ERRNO(1), name)
f.load()
os.execvp(sys.argv[2], sys.argv[2:])
"""


def grader(*args: str, refuse: tuple[str, ...] = (), **kw) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "grader", *args]
    if refuse:
        command = [sys.executable, "-c", REFUSE, ",".join(refuse), *command]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "2", **kw.pop("env", {})}
    env.pop("GRADER_SANDBOX", None)
    return subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, timeout=300, **kw)


def test_doctor_on_this_machine_shows_the_jail():
    done = grader("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "kernel-enforced boundary: active (jail)" in lines
    for layer in ("namespaces", "minimal filesystem", "unprivileged uid", "no capabilities", "no_new_privs",
                  "seccomp-bpf", "cgroup limits"):
        assert any(line.strip().startswith(f"✔ {layer}") for line in lines), (layer, done.stdout)
    assert "user, mnt, pid, net, ipc, uts" in done.stdout


def test_doctor_where_namespaces_are_refused_falls_back_to_landlock():
    done = grader("doctor", refuse=("unshare",))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "kernel-enforced boundary: active (landlock)" in done.stdout
    assert any(line.strip().startswith("✔ landlock") for line in done.stdout.splitlines())
    assert any(line.strip().startswith("✔ seccomp-bpf") for line in done.stdout.splitlines())
    assert "jail:" in done.stdout  # says why the jail did not start


def test_without_any_kernel_layer_hidden_grading_refuses_unless_allowed(tmp_path):
    refuse = ("unshare", "landlock_create_ruleset")
    doctor = grader("doctor", refuse=refuse)
    assert doctor.returncode == 1 and "kernel-enforced boundary: NONE" in doctor.stdout, doctor.stdout
    assert "pyseccomp" in doctor.stdout and "--allow-weak-sandbox" in doctor.stdout

    refused = grader("grade", "a03_multichannel", str(SOLUTION), "--out", str(tmp_path / "a"), refuse=refuse)
    assert refused.returncode == 2, refused.stderr
    message = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(message) == 1 and "no kernel-enforced sandbox" in message[0] and "--allow-weak-sandbox" in message[0]
    assert not (tmp_path / "a" / "results.json").exists()

    allowed = grader("grade", "a03_multichannel", str(SOLUTION), "--out", str(tmp_path / "b"), "--allow-weak-sandbox",
                     refuse=refuse)
    assert allowed.returncode == 0, allowed.stderr
    assert allowed.stderr.count("warning: no kernel-enforced sandbox") == 1
    results = json.loads((tmp_path / "b" / "results.json").read_text(encoding="utf-8"))
    assert results["score"] == 16 and results["extra_data"]["sandbox"] == "none"


@pytest.mark.parametrize("verb", [["batch", "a03_multichannel", "CLASS", "--out", "OUT"], ["demo", "--out", "OUT"]])
def test_batch_and_demo_refuse_too(tmp_path, verb):
    (tmp_path / "class" / "kim").mkdir(parents=True)
    (tmp_path / "class" / "kim" / "multichannel.py").write_text(SOLUTION.read_text())
    args = [a.replace("CLASS", str(tmp_path / "class")).replace("OUT", str(tmp_path / "out")) for a in verb]
    done = grader(*args, refuse=("unshare", "landlock_create_ruleset"))
    assert done.returncode == 2 and "no kernel-enforced sandbox" in done.stderr, done.stderr
    assert not (tmp_path / "out" / "grades.csv").exists()


def test_results_json_records_the_jail(tmp_path):
    done = grader("grade", "a03_multichannel", str(SOLUTION), "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    results = json.loads((tmp_path / "results.json").read_text(encoding="utf-8"))
    assert results["extra_data"] == {"sandbox": "jail"}


def test_the_jail_starts_from_a_virtualenv_under_tmp(tmp_path):
    """An interpreter whose prefix sits under /tmp (a virtualenv made there, as CI and the README's
    fresh-machine check do) must still be inside the jail: the jail's own /tmp may not cover it."""
    import venv

    env_dir = tmp_path / "venv"
    venv.EnvBuilder(system_site_packages=True, symlinks=True).create(env_dir)
    python = env_dir / "bin" / "python"
    done = subprocess.run([str(python), "-m", "grader", "doctor"], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT), "GRADER_SANDBOX": "jail"}, timeout=300)
    assert done.returncode == 0 and "active (jail)" in done.stdout, done.stdout + done.stderr
