"""The cascade section: the static tier labels everything; texts it is unsure of go to a
transformer tier, whose answer stands (configs/turbo.yaml)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from newsnlp.config.base import Section


class CascadeConfig(Section):
    enabled: bool = Field(default=False, description="true: escalate the uncertain texts of encoder.model (the static tier) to the transformer tier")
    config: str | None = Field(
        default=None,
        description="the transformer tier's run config (its encoder and task keys; null: the packaged default, MPNet); e.g. configs/fast.yaml for MiniLM",
    )
    quantize: Literal["none", "int8"] = Field(
        default="none",
        description="int8: the transformer tier's encoder runs ONNX int8 (its packaged heads, checked against fp32 when built; docs/speed.md); none: as its config says",
    )
    topic_margin: float = Field(
        default=0.0, ge=0.0, le=1.0, description="a text whose two best topic scores are nearer than this is escalated (0: never)"
    )
    sentiment_margin: float = Field(
        default=0.0, ge=0.0, le=1.0, description="a text whose two likeliest sentiment labels are nearer than this is escalated (0: never)"
    )
