"""In-tree PEP 517/660 build backend for iron-shim: stdlib only, so `pip install` works offline
on interpreters without setuptools. Used by both /pyproject.toml and /python/pyproject.toml."""
from __future__ import annotations

import base64
import hashlib
import io
import os
import tarfile
import time
import zipfile
from typing import Any, Dict, Iterator, List, Optional, Tuple

NAME = "iron-shim"
DIST = "iron_shim"
VERSION = "0.1.0"
TAG = "py3-none-any"
PYTHON_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE_DIR = os.path.join(PYTHON_DIR, DIST)
DIST_INFO = f"{DIST}-{VERSION}.dist-info"
# The opt-in autoload: with the package installed, `IRON_ENDPOINT=... IRON_TOKEN=... python agent.py`
# runs governed. Python executes a .pth line that starts with "import" at every interpreter start,
# so it must cost nothing when IRON_ENDPOINT is unset (os is already imported by then).
PTH_NAME = "iron_shim.pth"
PTH_LINE = (
    'import os; os.environ.get("IRON_ENDPOINT") and ' '__import__("iron_shim.bootstrap").bootstrap.install_from_env()\n'
)
# Fixed timestamp inside archives (reproducible builds; zip cannot store dates before 1980).
EPOCH = (2025, 1, 1, 0, 0, 0)

METADATA = f"""Metadata-Version: 2.1
Name: {NAME}
Version: {VERSION}
Summary: The iron shim: governs every LLM call of a Python agent through the iron supervisor.
License: MIT
Requires-Python: >=3.9
Classifier: Programming Language :: Python :: 3
Classifier: License :: OSI Approved :: MIT License

Injected by `iron run`, or installed with pip for agents started some other way that join a
running `iron serve` (`python -m iron_shim agent.py`, `IRON_ENDPOINT=... IRON_TOKEN=... python
agent.py`, or `iron_shim.install()` from code), iron_shim shows every LLM call (httpx, requests,
urllib, aiohttp; OpenAI and Anthropic SDKs) to the supervisor's policy engine before it leaves the
process, over ZeroMQ (ZMTP 3.1) with a stdlib-only client.
"""

WHEEL = f"""Wheel-Version: 1.0
Generator: iron_build {VERSION}
Root-Is-Purelib: true
Tag: {TAG}
"""


def _package_files() -> Iterator[Tuple[str, str]]:
    """(path on disk, path in the archive) of every source file of the package, sorted."""
    found: List[Tuple[str, str]] = []
    for root, dirs, files in os.walk(PACKAGE_DIR):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            if name.endswith((".pyc", ".pyo")):
                continue
            path = os.path.join(root, name)
            found.append((path, os.path.relpath(path, PYTHON_DIR).replace(os.sep, "/")))
    return iter(found)


def _record_line(arcname: str, data: bytes) -> str:
    """One RECORD row: path, sha256 as urlsafe base64 without padding, size."""
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return f"{arcname},sha256={digest},{len(data)}"


def _write_wheel(directory: str, extra: Optional[Dict[str, bytes]] = None, with_package: bool = True) -> str:
    """Writes the wheel (package files + dist-info with RECORD) and returns its file name."""
    filename = f"{DIST}-{VERSION}-{TAG}.whl"
    entries: List[Tuple[str, bytes]] = []
    if with_package:
        for path, arcname in _package_files():
            with open(path, "rb") as f:
                entries.append((arcname, f.read()))
    for arcname, data in (extra or {}).items():
        entries.append((arcname, data))
    entries += [(f"{DIST_INFO}/{name}", data) for name, data in _dist_info().items()]
    record = [_record_line(arcname, data) for arcname, data in entries]
    record.append(f"{DIST_INFO}/RECORD,,")
    entries.append((f"{DIST_INFO}/RECORD", ("\n".join(record) + "\n").encode()))
    with zipfile.ZipFile(os.path.join(directory, filename), "w", zipfile.ZIP_DEFLATED) as zf:
        for arcname, data in entries:
            info = zipfile.ZipInfo(arcname, EPOCH)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return filename


def _dist_info() -> Dict[str, bytes]:
    """The metadata files of the dist-info directory (RECORD is added by the writer)."""
    return {"METADATA": METADATA.encode(), "WHEEL": WHEEL.encode(), "top_level.txt": f"{DIST}\n".encode()}


def get_requires_for_build_wheel(config_settings: Any = None) -> List[str]:
    """Nothing: the backend is stdlib only."""
    return []


def get_requires_for_build_sdist(config_settings: Any = None) -> List[str]:
    """Nothing: the backend is stdlib only."""
    return []


def get_requires_for_build_editable(config_settings: Any = None) -> List[str]:
    """Nothing: the backend is stdlib only."""
    return []


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: Any = None) -> str:
    """Writes the dist-info directory pip reads before building."""
    target = os.path.join(metadata_directory, DIST_INFO)
    os.makedirs(target, exist_ok=True)
    for name, data in _dist_info().items():
        with open(os.path.join(target, name), "wb") as f:
            f.write(data)
    return DIST_INFO


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(wheel_directory: str, config_settings: Any = None, metadata_directory: Optional[str] = None) -> str:
    """A pure-Python wheel holding iron_shim/** (with its py.typed marker) and the iron_shim.pth autoload."""
    return _write_wheel(wheel_directory, {PTH_NAME: PTH_LINE.encode()})


def build_editable(wheel_directory: str, config_settings: Any = None, metadata_directory: Optional[str] = None) -> str:
    """An editable wheel: a .pth file that puts the source tree's python/ directory on sys.path (it sorts
    before iron_shim.pth, the autoload, which then imports from there)."""
    pth = (PYTHON_DIR + "\n").encode()
    extra = {f"__editable__.{DIST}-{VERSION}.pth": pth, PTH_NAME: PTH_LINE.encode()}
    return _write_wheel(wheel_directory, extra, with_package=False)


def build_sdist(sdist_directory: str, config_settings: Any = None) -> str:
    """A source archive laid out like python/: pyproject.toml, iron_build/, iron_shim/, PKG-INFO."""
    base = f"{DIST}-{VERSION}"
    filename = f"{base}.tar.gz"
    members: List[Tuple[str, bytes]] = [("PKG-INFO", METADATA.encode())]
    with open(os.path.join(PYTHON_DIR, "pyproject.toml"), "rb") as f:
        members.append(("pyproject.toml", f.read()))
    with open(os.path.abspath(__file__), "rb") as f:
        members.append(("iron_build/backend.py", f.read()))
    for path, arcname in _package_files():
        with open(path, "rb") as f:
            members.append((arcname, f.read()))
    mtime = time.mktime(EPOCH + (0, 0, -1))
    with tarfile.open(os.path.join(sdist_directory, filename), "w:gz", format=tarfile.PAX_FORMAT) as tar:
        for arcname, data in members:
            info = tarfile.TarInfo(f"{base}/{arcname}")
            info.size, info.mtime, info.mode = len(data), mtime, 0o644
            tar.addfile(info, io.BytesIO(data))
    return filename
