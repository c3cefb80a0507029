"""The default config shipped inside the package (identical to configs/default.yaml)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import yaml

from newsnlp.resources import resource_path

DEFAULT_CONFIG_NAME = "default.yaml"


@lru_cache(maxsize=1)
def packaged_default() -> dict[str, Any]:
    """The default config shipped inside the package (identical to configs/default.yaml)."""
    return yaml.safe_load(resource_path(DEFAULT_CONFIG_NAME).read_text(encoding="utf-8"))
