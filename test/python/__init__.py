"""The Python shim's tests (stdlib unittest): `PYTHONPATH=python python -m unittest discover -s test/python -t .`"""
import os
import sys

_PYTHON_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "python")
if _PYTHON_DIR not in sys.path:
    sys.path.insert(0, _PYTHON_DIR)  # the shim under test, even without PYTHONPATH
