"""If this file ever runs, it leaves a marker beside itself."""
import os

open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "RAN_conftest"), "w").close()
raise SystemExit("conftest.py must never be loaded")
