"""The run config: `schema` (one pydantic model per YAML section) and `loading` (safe YAML,
dotted overrides, errors that name the key and the fix)."""

from nlp.config.loading import (
    apply_overrides,
    config_to_yaml,
    load_config,
    parse_overrides,
    read_yaml,
    validate_config,
)
from nlp.config.schema import (
    OUTPUT_FORMATS,
    CacheConfig,
    DataConfig,
    EncoderConfig,
    HeadTrainConfig,
    LabelSpec,
    OutputConfig,
    OutputFormat,
    RayConfig,
    RunConfig,
    SentimentConfig,
    SummarizeConfig,
    TasksConfig,
    TopicsConfig,
    TopicsTrainConfig,
    format_of_suffix,
    packaged_default,
)

__all__ = [
    "OUTPUT_FORMATS", "CacheConfig", "DataConfig", "EncoderConfig", "HeadTrainConfig", "LabelSpec", "OutputConfig", "OutputFormat",
    "RayConfig", "RunConfig", "SentimentConfig", "SummarizeConfig", "TasksConfig", "TopicsConfig", "TopicsTrainConfig",
    "apply_overrides", "config_to_yaml", "format_of_suffix", "load_config", "packaged_default", "parse_overrides", "read_yaml",
    "validate_config",
]
