"""The tasks' sections: summarize, topics (with their labels), sentiment, and how `nlp train` fits heads."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import (
    Field,
    field_validator,
    model_validator,
)

from newsnlp.config.base import Section
from newsnlp.config.encoder import Backend, Quantize
from newsnlp.config.packaged import packaged_default


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
    familiarity: bool = False  # fitted on news and the open web, the head is trusted on every text (README, Quality)
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
    threshold: float = Field(default=0.5, ge=0.0, le=1.0, description="below this best-label score the text is 'other'")
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
    teasers: Literal["sentences", "whole"] = Field(
        default="sentences",
        description="method head/embedding: a teaser of several sentences scored by sentence, then averaged by words (sentences), or as one text (whole: no sentence splitting; the turbo preset's static tier)",
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


class TasksConfig(Section):
    summarize: SummarizeConfig = Field(default_factory=SummarizeConfig)
    topics: TopicsConfig = Field(default_factory=TopicsConfig)
    sentiment: SentimentConfig = Field(default_factory=SentimentConfig)
