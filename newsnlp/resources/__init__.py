"""Small shipped artifacts (the default config, trained heads with their cards)."""

from pathlib import Path

RESOURCES_DIR = Path(__file__).parent


def resource_path(name: str) -> Path:
    return RESOURCES_DIR / name
