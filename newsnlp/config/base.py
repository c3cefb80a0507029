"""The base of every config section: unknown keys refused, assignments validated, no NaN."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)  # a NaN or infinite knob makes NaN scores


DURATION_UNITS = {"": 1.0, "s": 1.0, "m": 60.0, "h": 3600.0, "d": 86_400.0}


def seconds_of(text: str) -> float | None:
    """'30s', '10m', '1h', '3d', '90' (seconds) as seconds; None when it is not a positive duration."""
    import re

    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([smhd]?)\s*", text)
    if not match or float(match.group(1)) <= 0:
        return None
    return float(match.group(1)) * DURATION_UNITS[match.group(2)]
