"""The provider wire facts (provider_wire.json), read once: the file the mock and the policies read too."""
from __future__ import annotations

import json
import os
import re
from typing import Any, Dict, FrozenSet, Tuple

_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "provider_wire.json")

with open(_FILE, encoding="utf-8") as _handle:
    FACTS: Dict[str, Any] = json.load(_handle)

_SECRETS = FACTS["secrets"]
SECRET_HEADERS: FrozenSet[str] = frozenset(_SECRETS["headers"])
SECRET_HEADER_PARTS: Tuple[str, ...] = tuple(_SECRETS["header_parts"])
SECRET_PARAMS: FrozenSet[str] = frozenset(_SECRETS["query_params"])

GEMINI = FACTS["gemini"]
GEMINI_PATH = re.compile(GEMINI["path"])
GEMINI_HOSTS: FrozenSet[str] = frozenset(GEMINI["hosts"])
GEMINI_ERROR_STATUS: Dict[int, str] = {int(k): v for k, v in GEMINI["error_status"].items()}
COMPATIBLE_HOSTS: Dict[str, str] = dict(FACTS["openai_compatible_hosts"])

OLLAMA = FACTS["ollama"]
OLLAMA_PATH = re.compile(OLLAMA["path"])
OLLAMA_ENDPOINTS: Dict[str, str] = dict(OLLAMA["endpoints"])
OLLAMA_STREAM_TYPE: str = OLLAMA["stream_content_type"]
