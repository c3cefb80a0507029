"""The base of every config section: unknown keys refused, assignments validated, no NaN."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True, allow_inf_nan=False)  # a NaN or infinite knob makes NaN scores
