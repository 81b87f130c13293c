#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (source in /autograder/source).
# It needs Python >= 3.11: the one on the image if new enough, else python3.11 from apt.
set -euo pipefail

SOURCE="${AUTOGRADER_ROOT:-/autograder}/source"
VENV="${AUTOGRADER_ROOT:-/autograder}/venv"

pick_python() {
    for candidate in python3.13 python3.12 python3.11 python3; do
        if command -v "$candidate" >/dev/null 2>&1 &&
            "$candidate" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

PYTHON="$(pick_python || true)"
if [ -z "$PYTHON" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends python3.11 python3.11-venv
    PYTHON="$(command -v python3.11)"
fi
"$PYTHON" -m venv "$VENV" || {
    apt-get update && apt-get install -y --no-install-recommends python3.11-venv && "$PYTHON" -m venv "$VENV"
}

"$VENV/bin/python" -m pip install --upgrade pip
# The grader, its dependencies and the TensorFlow reference (tensorflow-cpu: no GPU libraries).
"$VENV/bin/python" -m pip install @@REQUIREMENTS@@
"$VENV/bin/python" -m pip install --no-deps "$SOURCE"

# Fail the image build now rather than every submission later.
cd /tmp
"$VENV/bin/python" -c 'import grader.suites, tensorflow; print("grader ready, TensorFlow", tensorflow.__version__)'
