"""The run config's schema: one pydantic model per YAML section, with its defaults (the packaged
default.yaml's labels) and validators. Loading, overrides and error messages: `loading`."""

from __future__ import annotations

import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    Field,
    SecretStr,
    field_validator,
    model_validator,
)

from nlp.config.base import Section
from nlp.config.cascade import CascadeConfig
from nlp.config.inputs import FeedConfig, FetchConfig, HtmlConfig, StoriesConfig
from nlp.errors import ConfigError
from nlp.resources import resource_path

OutputFormat = Literal["jsonl", "json", "csv", "md", "html"]
OUTPUT_FORMATS: tuple[OutputFormat, ...] = ("jsonl", "json", "csv", "md", "html")
DEFAULT_CONFIG_NAME = "default.yaml"


class OutputConfig(Section):
    path: Path = Path("out/records.jsonl")
    format: OutputFormat | None = Field(default=None, description="jsonl, json, csv or md; null infers it from the path's suffix")

    def resolved_format(self) -> OutputFormat:
        """`format`, else the path's suffix; a suffix that names no format is an error, never
        JSONL written into `records.xlsx`."""
        if self.format:
            return self.format
        return format_of_suffix(self.path, "output.path", "set output.format")

    def chosen(self, path: Path | None = None, fmt: OutputFormat | None = None) -> OutputConfig:
        """The output a run writes, by precedence: `--format`, then the `--output` suffix, then
        this config's `format`, then its path's suffix. `--format` alone changes the config
        path's suffix (`out/records.md`), so the file says what it holds."""
        if path is None and fmt is None:
            return OutputConfig(path=self.path, format=self.resolved_format())
        if path is None:
            assert fmt is not None
            return OutputConfig(path=self.path.with_suffix("." + fmt), format=fmt)
        return OutputConfig(path=path, format=fmt or format_of_suffix(path, "--output", "add --format"))


def format_of_suffix(path: Path, where: str, fix: str) -> OutputFormat:
    suffix = path.suffix.lstrip(".").lower()
    for known in OUTPUT_FORMATS:
        if suffix == known:
            return known
    named = f"its suffix '{path.suffix}' names no output format" if path.suffix else "it has no suffix to name its format"
    raise ConfigError(f"{where} {path}: {named}; end it in .jsonl, .json, .csv, .md or .html, or {fix} (jsonl | json | csv | md | html)")


Backend = Literal["torch", "onnx"]
EncoderBackend = Literal["auto", "torch", "onnx", "openvino"]
Quantize = Literal["none", "int8"]


class EncoderConfig(Section):
    model: str = Field(
        default="mpnet",
        description="'mpnet' (packaged, the default), 'minilm' (packaged, the fast preset), 'static' (packaged, distilled from MPNet: configs/turbo.yaml), a folder, a static .npz, or a hub id",
    )
    max_length: int = Field(default=256, ge=8, le=8192, description="tokens per text; longer texts are truncated")
    backend: EncoderBackend = Field(
        default="auto",
        description="auto (onnx on CPU, torch on a GPU) | torch | onnx (ONNX Runtime on CPU, exported once and cached)"
        " | openvino (that export compiled by OpenVINO for the CPU in the run's dtype; pip install 'newsnlp[openvino]')",
    )
    quantize: Quantize = Field(
        default="none", description="backend onnx: none | int8 (dynamic, per-channel MatMul weights; faster, labels can differ)"
    )


class LabelSpec(Section):
    description: str = ""
    examples: list[str] = Field(default_factory=list)


class GenerationKnobs(Section):
    """Generation settings for method abstractive; a knob left null comes from the model's own
    generation_config. Lengths are clamped to what the model can hold."""

    num_beams: int | None = Field(default=None, ge=1, le=64)
    min_new_tokens: int | None = Field(default=None, ge=0)
    max_new_tokens: int | None = Field(default=None, ge=1)
    length_penalty: float | None = None
    no_repeat_ngram_size: int | None = Field(default=None, ge=0)


class SummarizeConfig(Section):
    enabled: bool = True
    method: Literal["extractive", "abstractive"] = "extractive"
    model: str | None = Field(default=None, description="abstractive: a seq2seq model folder or hub id, e.g. sshleifer/distilbart-cnn-12-6")
    generation: GenerationKnobs = Field(default_factory=GenerationKnobs)
    max_input_tokens: int | None = Field(default=None, ge=16, description="abstractive: tokens per chunk; null = the model's input limit")
    chunk_overlap: int = Field(default=1, ge=0, le=10, description="abstractive: sentences a chunk repeats from the end of the previous one")
    max_rounds: int = Field(default=8, ge=1, le=32, description="abstractive: map-reduce rounds at most (each round shrinks the text)")
    sentences: int = Field(default=3, ge=1, le=50)
    position_weight: float = Field(
        default=1.0, ge=0.0, le=1.0, description="weight of the lead-position prior (1: the lead's order, skipping short sentences)"
    )
    position_decay: float = Field(default=1.5, gt=0.0, description="sentences over which the prior halves")
    redundancy: float = Field(default=0.0, ge=0.0, le=1.0, description="MMR penalty on similarity to picked sentences")
    min_words: int = Field(default=4, ge=1, description="shorter sentences are never picked")
    adaptive: bool = Field(
        default=False, description="trust the lead per article by how central its first sentence is; false: always position_weight"
    )
    adaptive_gap: float = Field(
        default=-0.4, le=0.0, description="first sentence's centrality gap (to the most central, in spreads) at half trust in the lead"
    )
    adaptive_slope: float = Field(default=0.1, gt=0.0, description="how sharply trust in the lead changes around adaptive_gap")
    adaptive_position_weight: float = Field(default=0.2, ge=0.0, le=1.0, description="the position prior's weight where the opening is not a summary")
    adaptive_document_weight: float = Field(
        default=0.5, ge=0.0, le=1.0, description="there, the whole text's embedding's share of the centrality query (the rest: the centroid)"
    )


class HeadTrainConfig(Section):
    """How `nlp train` fits a head for this task (logistic regression over feature blocks)."""

    c: float = Field(default=2.0, gt=0.0, description="inverse regularisation strength")
    lexicon: bool = Field(default=False, description="add VADER and direction-of-change features")
    ngrams: bool = Field(default=False, description="add word 1-2-gram TF-IDF features")
    chars: bool = Field(default=False, description="add character 2-5-gram TF-IDF features (the 30,000 most frequent, within words)")
    familiarity: bool = Field(default=False, description="store training embeddings so the head is trusted only on familiar text")
    data_labels: bool = Field(default=False, description="fit each source's own labels (mapped to the task's by data.label_map), not the task's")
    multi_label: bool = Field(
        default=False,
        description="topics: also fit one-vs-rest scores per label on whether it applies: the label, plus data.also_field's where the data has it (the records' label_scores)",
    )
    teaser_chars: int = Field(
        default=0,
        ge=0,
        description="also score (and fit) each text's body cut to this many characters and '...', as news pages show teasers (0: off)",
    )
    fit_teasers: bool = Field(default=True, description="with teaser_chars: fit the cuts as well as the whole texts; false: only score them")
    familiarity_low: float = Field(default=0.42, description="mean cosine to the k nearest training texts at which trust starts")
    familiarity_high: float = Field(default=0.50, description="... and at which trust is full")
    familiarity_k: int = Field(default=5, ge=1)
    anchor_clusters: int = Field(
        default=0,
        ge=0,
        description="with familiarity: store this many k-means centroids of the training embeddings as anchors instead of every text's (0: every text's)",
    )
    folds: int = Field(default=5, ge=2, le=20)
    seed: int = 0

    @model_validator(mode="after")
    def _ramp_rises(self) -> HeadTrainConfig:
        if self.familiarity_high <= self.familiarity_low:
            raise ValueError(f"familiarity_high above familiarity_low (got {self.familiarity_high} and {self.familiarity_low})")
        return self


class TopicsTrainConfig(HeadTrainConfig):
    """Topics: logistic regression over the embedding alone, fitted on real news teasers (n-gram
    vocabularies and per-text anchors would store their text), with one-vs-rest scores per label
    for multi-label records (see docs/quality.md)."""

    c: float = Field(default=2.0, gt=0.0)
    multi_label: bool = True
    familiarity: bool = True
    anchor_clusters: int = 16
    familiarity_k: int = 1
    familiarity_low: float = 0.25
    familiarity_high: float = 0.40


class SentimentTrainConfig(HeadTrainConfig):
    """Sentiment: logistic regression over the embedding, fitted on real news teasers with
    Financial PhraseBank at a small weight (see docs/quality.md)."""

    c: float = Field(default=2.0, gt=0.0)
    familiarity_low: float = 0.30
    familiarity_high: float = 0.40


def _packaged_labels(task: str) -> dict[str, LabelSpec]:
    """Default labels come from the packaged default config: one place for label prototypes."""
    return {name: LabelSpec(**spec) for name, spec in packaged_default()["tasks"][task]["labels"].items()}


class TopicsConfig(Section):
    enabled: bool = True
    method: Literal["embedding", "head", "nli"] = "head"
    model: str | None = Field(default=None, description="method nli: an NLI model folder or hub id, e.g. facebook/bart-large-mnli")
    hypothesis_template: str = Field(default="This news is about {}.", description="method nli: '{}' takes each label's description (or its name)")
    backend: Backend = Field(default="torch", description="method nli: torch | onnx (CPU)")
    quantize: Quantize = Field(default="none", description="method nli, backend onnx: none | int8")
    head: str = Field(default="default", description="'default' (the packaged head for the encoder) or a path to a head .npz")
    head_weight: float = Field(
        default=0.8,
        ge=0.0,
        le=1.0,
        description="method head: the head's weight against the prototypes (times its familiarity with the text, for a head with anchors)",
    )
    train: TopicsTrainConfig = Field(default_factory=TopicsTrainConfig)
    labels: dict[str, LabelSpec] = Field(default_factory=lambda: _packaged_labels("topics"))
    labels_mode: Literal["add", "replace"] = Field(
        default="add",
        description="add: a labels: section adds its labels to the four (markets, diplomacy, energy, other; one named again is replaced); replace: it is the whole set",
    )
    other_label: str = "other"
    threshold: float = Field(default=0.4, ge=0.0, le=1.0, description="below this best-label score the text is 'other'")
    temperature: float = Field(default=0.05, ge=1e-3, le=100.0, description="softmax temperature over label similarities")
    prototype_smoothing: float = Field(default=0.05, ge=0.0, le=10.0, description="log-mean-exp over a label's prototypes; 0 = max")
    label_threshold: float = Field(
        default=0.4, ge=0.0, le=1.0, description="a label applies (in a record's `labels`) when its independent score reaches this"
    )
    label_center: float = Field(default=0.25, description="method embedding/head: the prototype cosine at which a label's independent score is 0.5")
    label_scale: float = Field(default=0.036, ge=1e-4, description="... and how many cosine units move it by one logit")

    @field_validator("labels")
    @classmethod
    def _at_least_one_label(cls, labels: dict[str, LabelSpec]) -> dict[str, LabelSpec]:
        if not labels:
            raise ValueError("needs at least one label")
        return labels

    @model_validator(mode="before")
    @classmethod
    def _labels_add_to_the_four(cls, data: Any) -> Any:
        """labels_mode add (the default): a file's labels: section adds to the packaged four."""
        if isinstance(data, dict) and data.get("labels_mode", "add") == "add" and isinstance(data.get("labels"), dict):
            return {**data, "labels": {**packaged_default()["tasks"]["topics"]["labels"], **data["labels"]}}
        return data

    @field_validator("hypothesis_template")
    @classmethod
    def _one_placeholder(cls, template: str) -> str:
        if template.count("{}") != 1:
            raise ValueError("a sentence with one '{}' where the label goes, e.g. 'This news is about {}.'")
        return template


SentimentLabel = Literal["negative", "neutral", "positive"]


class SentimentConfig(Section):
    enabled: bool = True
    method: Literal["head", "embedding", "classifier"] = "head"
    model: str | None = Field(default=None, description="method classifier: a sequence classifier folder or hub id, e.g. ProsusAI/finbert")
    label_map: dict[str, SentimentLabel] = Field(
        default_factory=dict, description="method classifier: model label -> negative/neutral/positive; empty = read from the model's id2label"
    )
    backend: Backend = Field(default="torch", description="method classifier: torch | onnx (CPU)")
    quantize: Quantize = Field(default="none", description="method classifier, backend onnx: none | int8")
    head: str = Field(
        default="default",
        description="'default' (the packaged head for the encoder), 'finance' (fitted on Financial PhraseBank alone) or a path to a head .npz",
    )
    head_weight: float = Field(
        default=0.7,
        ge=0.0,
        le=1.0,
        description="method head: the head's weight against the zero-shot prototypes (times its familiarity with the text, for a head with anchors)",
    )
    labels: dict[str, LabelSpec] = Field(
        default_factory=lambda: _packaged_labels("sentiment"),
        description="descriptions used by the zero-shot 'embedding' method",
    )
    temperature: float = Field(default=0.05, ge=1e-3, le=100.0)
    prototype_smoothing: float = Field(default=0.05, ge=0.0, le=10.0, description="log-mean-exp over a label's prototypes; 0 = max")
    train: SentimentTrainConfig = Field(default_factory=SentimentTrainConfig)

    @field_validator("labels")
    @classmethod
    def _the_three_labels(cls, labels: dict[str, LabelSpec]) -> dict[str, LabelSpec]:
        if sorted(labels) != ["negative", "neutral", "positive"]:
            raise ValueError(f"exactly negative, neutral and positive (got {', '.join(labels) or 'none'})")
        return labels


class DataConfig(Section):
    """Labelled data for `nlp evaluate` / `nlp calibrate` (absent in plain run configs)."""

    path: Path | list[Path] = Field(
        description="a JSONL file, or a list of files read as one source; '{data}' at the start of a path stands for data.root; relative paths resolve against the current directory"
    )
    root: Path | None = Field(
        default=None,
        description="the folder '{data}' stands for: --data DIR, else $NLP_DATA_DIR, else ../shared/data (the development data beside a checkout)",
    )
    name: str | None = Field(
        default=None, description="the source's name in head cards and per-source figures; null = the file's stem (a list: their common prefix)"
    )
    text_fields: list[str] = Field(default_factory=lambda: ["text"], min_length=1, description="joined in order")
    label_field: str | None = Field(default=None, description="gold label (topics, sentiment)")
    label_map: dict[str, str] = Field(default_factory=dict, description="data label -> task label; empty = as is")
    also_field: str | None = Field(default=None, description="topics: a list of other labels that apply (multi-label gold beside label_field)")
    also_map: dict[str, list[str]] = Field(
        default_factory=dict, description="topics: data label -> task labels that also apply to every row with it (a coarse source's lenient gold)"
    )
    reference_fields: list[str] = Field(default_factory=list, description="summaries: the first field a row has is used")
    title_field: str | None = Field(default=None, description="stories: a headline, read before the text as a feed item's teaser")
    source_field: str | None = Field(default=None, description="stories: the outlet")
    date_field: str | None = Field(default=None, description="stories: when it was published (YYYY-MM-DD or ISO 8601; empty: unknown)")
    lookalikes: Path | None = Field(
        default=None, description="stories: a JSON list of events with 'event' and 'confusable_with' (look-alike pairs); '{data}' as in path"
    )
    id_field: str | None = None
    weight: float = Field(default=1.0, gt=0.0, description="nlp train: each row's weight in the fit (e.g. 0.1 to let a large source count less)")
    fit_only: bool = Field(
        default=False,
        description="nlp train: these rows are in every fold's fit and never scored out of fold (training files beside a scored dev file)",
    )
    license: str = Field(default="", description="the data's license; a head trained on it inherits it (written to its card)")
    limit: int | None = Field(default=None, ge=1, description="evaluate the first N rows only")

    @field_validator("path")
    @classmethod
    def _some_path(cls, value: Path | list[Path]) -> Path | list[Path]:
        if isinstance(value, list) and not value:
            raise ValueError("a file, or a non-empty list of files")
        return value

    @property
    def files(self) -> list[Path]:
        """The data files, '{data}' resolved to `data_root`."""
        return [self.resolve(p) for p in (self.path if isinstance(self.path, list) else [self.path])]

    @property
    def data_root(self) -> Path:
        return self.root or Path(os.environ.get("NLP_DATA_DIR") or "../shared/data")

    def resolve(self, path: Path) -> Path:
        text = str(path)
        if text == "{data}" or text.startswith("{data}/"):
            return self.data_root / text[len("{data}/") :]
        return path

    @property
    def source(self) -> str:
        """One name for the source: `name`, the file's stem, or the files' common prefix."""
        if self.name:
            return self.name
        stems = [f.stem for f in self.files]
        common = os.path.commonprefix(stems).rstrip("_-.") if len(stems) > 1 else stems[0]
        return common or "+".join(stems)

    def describe(self) -> str:
        return ", ".join(str(f) for f in self.files)


class TasksConfig(Section):
    summarize: SummarizeConfig = Field(default_factory=SummarizeConfig)
    topics: TopicsConfig = Field(default_factory=TopicsConfig)
    sentiment: SentimentConfig = Field(default_factory=SentimentConfig)


class CacheConfig(Section):
    """The on-disk embedding cache (`nlp/models/cache.py`): re-runs encode only new texts."""

    enabled: bool = Field(default=True, description="store and reuse text embeddings on disk (they are derived from your texts)")
    path: Path | None = Field(
        default=None, description="the SQLite file; null = the user cache folder ($NLP_CACHE_DIR or ~/.cache/nlp)/embeddings.sqlite"
    )
    max_mb: float = Field(default=1024.0, gt=0, description="past this size the least recently used vectors are dropped")


class RayConfig(Section):
    """`nlp run --engine ray` only."""

    address: str | None = Field(default=None, description="null: a local Ray instance; 'auto' or 'ray://host:10001': a cluster")
    workers: int = Field(default=0, ge=0, description="pipeline actors; 0 = one per CPU core (one per GPU with device cuda)")
    batch_size: int = Field(default=128, ge=1, description="documents per actor call")


class ServeConfig(Section):
    """`nlp serve` only: where it listens, what it accepts, how it batches requests."""

    host: str = Field(default="127.0.0.1", description="the address to listen on; 0.0.0.0 exposes the server to the network")
    port: int = Field(default=8000, ge=0, le=65535)
    workers: int = Field(default=1, ge=1, le=64, description="server processes (uvicorn workers), each loading the models once")
    max_body_bytes: int = Field(default=2_000_000, ge=1, description="a larger request body is refused (413)")
    max_documents: int = Field(default=64, ge=1, description="documents per /v1/pages request (more: 413)")
    max_texts: int = Field(default=256, ge=1, description="texts per /v1/classify or /v1/sentiment request (more: 413)")
    max_wait_ms: float = Field(default=5.0, ge=0.0, le=1000.0, description="how long a request waits for others to share its encoder pass")
    max_batch_texts: int = Field(
        default=0,
        ge=0,
        description="texts (or documents) in one shared pass at most; 0 = auto: 256 on a GPU, 1 on a CPU (where a shared pass was slower per text)",
    )
    max_queue: int = Field(default=256, ge=1, description="requests waiting for the model at most; more: 503 with Retry-After")
    timeout_s: float = Field(default=60.0, gt=0.0, description="a request not answered in this time gets 504")
    max_text_chars: int = Field(
        default=50_000, ge=1, description="characters per text of /v1/classify, /v1/sentiment, /v1/summarize at most (more: 413)"
    )
    max_sentences: int = Field(default=1_000, ge=1, description="sentences in a /v1/summarize text at most (more: 413)")
    shutdown_s: float = Field(
        default=30.0, ge=0.0, description="on SIGTERM, how long requests under way may take to finish; the rest are answered 503"
    )
    token: SecretStr | None = Field(
        default=None, description="every route but the health checks needs 'Authorization: Bearer <token>'; or set NLP_SERVE_TOKEN"
    )

    @field_validator("token")
    @classmethod
    def _token_not_empty(cls, token: SecretStr | None) -> SecretStr | None:
        if token is not None and not token.get_secret_value().strip():
            raise ValueError("an empty token would serve with no auth; give a token, or null for no auth")
        return token

    cors_origins: list[str] = Field(default_factory=list, description="origins allowed by CORS; empty: CORS off")
    allow_fetch: bool = Field(
        default=False, description="POST /v1/pages may name a 'url' to fetch (public addresses only: never loopback, private or link-local)"
    )
    fetch_allow_hosts: list[str] = Field(default_factory=list, description="with allow_fetch: hosts exempt from the public-address rule (tests)")


class RunConfig(Section):
    input: list[str] = Field(
        default_factory=lambda: ["seeds"],
        min_length=1,
        description="what to read: a path or URL, or a list of them (pages, HTML, feeds, JSONL, folders, files of URLs)",
    )
    input_encoding: str = Field(default="utf-8", description="text encoding of the input files, e.g. latin-1")
    on_duplicate: Literal["error", "suffix"] = Field(default="error", description="a repeated document id: an error, or made unique as id#2")
    max_document_bytes: int = Field(
        default=32_000_000,
        ge=1,
        description="bytes read of one input file or JSONL line at most; a larger file is read in part with a warning, a larger JSONL line is an error record",
    )
    max_lead_chars: int = Field(
        default=200_000, ge=0, description="lead text read per document (0 = all); longer leads are cut at a paragraph, with a warning"
    )
    html: HtmlConfig = Field(default_factory=HtmlConfig)
    feed: FeedConfig = Field(default_factory=FeedConfig)
    fetch: FetchConfig = Field(default_factory=FetchConfig)
    stories: StoriesConfig = Field(default_factory=StoriesConfig)
    output: OutputConfig = Field(default_factory=OutputConfig)
    device: str = Field(default="auto", description="auto | cpu | cuda | cuda:N | mps")
    dtype: Literal["auto", "float32", "float16", "bfloat16"] = Field(
        default="auto",
        description="auto: bf16 on a GPU that has it (else fp16), fp32 on a CPU; encoder.backend openvino: bf16 where the CPU has AVX-512 bf16 or AMX, else fp32",
    )
    batch_size: int = Field(default=0, ge=0, le=4096, description="texts per model batch; 0 = auto: 16 on a CPU, 128 on a GPU")
    threads: int = Field(default=0, ge=0, le=1024, description="CPU threads for inference; 0 = the libraries' default (all cores)")
    encoder: EncoderConfig = Field(default_factory=EncoderConfig)
    tasks: TasksConfig = Field(default_factory=TasksConfig)
    cache: CacheConfig = Field(default_factory=CacheConfig)
    cascade: CascadeConfig = Field(default_factory=CascadeConfig)
    ray: RayConfig = Field(default_factory=RayConfig)
    serve: ServeConfig = Field(default_factory=ServeConfig)
    data: DataConfig | None = None

    @field_validator("input", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        """One path or URL, or a list of them; kept as strings (a URL made a Path loses a slash)."""
        if isinstance(value, (str, Path)):
            value = [value]
        if isinstance(value, list):
            return [str(v) if isinstance(v, Path) else v for v in value]
        return value

    @field_validator("input")
    @classmethod
    def _no_blank_input(cls, value: list[str]) -> list[str]:
        if any(not v.strip() for v in value):
            raise ValueError("an empty path; give a file, folder or URL")
        return value

    @field_validator("device")
    @classmethod
    def _known_device(cls, value: str) -> str:
        if not re.fullmatch(r"auto|cpu|mps|cuda(:\d+)?", value):
            raise ValueError("one of auto, cpu, cuda, cuda:N, mps")
        return value


@lru_cache(maxsize=1)
def packaged_default() -> dict[str, Any]:
    """The default config shipped inside the package (identical to configs/default.yaml)."""
    return yaml.safe_load(resource_path(DEFAULT_CONFIG_NAME).read_text(encoding="utf-8"))
