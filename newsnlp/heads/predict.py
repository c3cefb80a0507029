"""Small classifier heads over the shared embeddings, stored as plain arrays (.npz, no pickle)
with a JSON card beside them (labels, data, license, date, cross-validation figures).

A head is multinomial logistic regression over feature blocks: always the embedding, and
optionally lexicon features, word n-gram and character n-gram TF-IDF (each stored as its
vocabulary and idf arrays, and applied without importing scikit-learn)."""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newsnlp.errors import ModelError
from newsnlp.heads.features import LEXICON_FEATURES, lexicon_features
from newsnlp.models.resolve import packaged_alias
from newsnlp.numeric import softmax
from newsnlp.resources import resource_path

NGRAM_RANGE = (1, 2)
ANCHOR_SCALE = 127.0  # familiarity anchors are stored as int8: cosines change by ~1e-3


CHAR_RANGE, CHAR_FEATURES = (2, 5), 30_000  # character n-grams within words: spelling variants, names, tickers
_TOKEN = re.compile(r"(?u)\b\w\w+\b")


def word_grams(text: str) -> list[str]:
    """scikit-learn's word analyzer: lowercase, tokens of 2+ word characters, 1- and 2-grams."""
    tokens = _TOKEN.findall(text.lower())
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def char_grams(text: str) -> list[str]:
    """scikit-learn's `char_wb` analyzer: each lowercased word padded with spaces, its 2-5-grams
    (a word shorter than n gives itself once)."""
    grams: list[str] = []
    for word in text.lower().split():
        padded = f" {word} "
        for n in range(CHAR_RANGE[0], CHAR_RANGE[1] + 1):
            grams.extend(padded[i : i + n] for i in range(max(1, len(padded) - n + 1)))
            if len(padded) <= n:
                break
    return grams


class NgramTfidf:
    """The inference half of the TfidfVectorizer that `nlp train` fits (`train.ngram_vectorizer`), over
    the stored vocabulary and idf. Importing scikit-learn costs about a second of start-up; this
    gives the same matrix (a test checks it against scikit-learn)."""

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, *, chars: bool = False) -> None:
        self.index = {term: i for i, term in enumerate(vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float64)
        self.analyzer = char_grams if chars else word_grams

    def transform(self, texts: Sequence[str]):
        from scipy import sparse

        rows, cols, vals = [], [], []
        for row, text in enumerate(texts):
            counts: dict[int, int] = {}
            for gram in self.analyzer(text):
                j = self.index.get(gram)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if not counts:
                continue
            idx = np.fromiter(counts, dtype=np.int64, count=len(counts))
            weights = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * self.idf[idx]
            weights /= np.linalg.norm(weights)
            rows += [row] * len(idx)
            cols += idx.tolist()
            vals += weights.tolist()
        return sparse.csr_matrix((vals, (rows, cols)), shape=(len(texts), len(self.index)))


def feature_matrix(vectors: np.ndarray, texts: Sequence[str] | None, *, lexicon: bool, vectorizers: Sequence[Any] = ()):
    """[embedding | lexicon features | n-gram TF-IDF blocks], dense unless n-grams make it sparse."""
    if not (lexicon or vectorizers):
        return vectors
    if texts is None or len(texts) != len(vectors):
        raise ValueError("this head needs the texts as well as their embeddings")
    blocks: list[Any] = [vectors]
    if lexicon:
        blocks.append(lexicon_features(texts))
    if vectorizers:
        from scipy import sparse

        blocks += [vectorizer.transform(texts) for vectorizer in vectorizers]
        return sparse.hstack([sparse.csr_matrix(b) for b in blocks]).tocsr()
    return np.hstack(blocks) if len(blocks) > 1 else vectors


@dataclass
class LinearHead:
    """probabilities = softmax([embedding | lexicon | ngrams] @ coef.T + intercept).

    Its classes can be finer than the task's labels: a topics head fits each source's own labels
    (AG News "Sports" and "Sci/Tech" are two coherent classes, where the task's "other" is one
    bimodal class a linear model splits badly), and `class_labels` maps each class to the task
    label it counts for."""

    classes: list[str]
    coef: np.ndarray  # (n_classes, n_features)
    intercept: np.ndarray  # (n_classes,)
    lexicon: bool = False
    vocabulary: list[str] | None = None
    idf: np.ndarray | None = None
    char_vocabulary: list[str] | None = None
    char_idf: np.ndarray | None = None
    anchors: np.ndarray | None = None  # (m, dim) training embeddings, for familiarity
    familiarity_ramp: tuple[float, float, int] = (0.42, 0.50, 5)  # low, high, k
    card: dict[str, Any] = field(default_factory=dict)
    class_labels: list[str] | None = None  # the task label of each class; None: the classes are task labels
    # Independent per-label scores (multi-label topics): one-vs-rest logistic regression per task
    # label over the same features, sigmoid(x @ multi_coef.T + multi_intercept).
    multi_labels: list[str] | None = None
    multi_coef: np.ndarray | None = None  # (n_multi_labels, n_features)
    multi_intercept: np.ndarray | None = None
    _ngrams: list[NgramTfidf] | None = field(default=None, init=False, repr=False, compare=False)

    def familiarity(self, vectors: np.ndarray) -> np.ndarray:
        """Per text, how much to trust this head, in [0, 1]: the mean cosine to its k nearest
        training texts, ramped from `low` (0) to `high` (1). Without anchors, always 1."""
        if self.anchors is None or len(vectors) == 0:
            return np.ones(len(vectors))
        low, high, k = self.familiarity_ramp
        sims = vectors @ self.anchors.T
        k = min(int(k), sims.shape[1])
        nearest = np.partition(sims, -k, axis=1)[:, -k:].mean(axis=1)
        return np.clip((nearest - low) / (high - low), 0.0, 1.0)

    @property
    def dim(self) -> int:
        """The embedding size this head was fitted on."""
        grams = sum(len(v) for v in (self.vocabulary, self.char_vocabulary) if v is not None)
        return int(self.coef.shape[1] - grams - (len(LEXICON_FEATURES) if self.lexicon else 0))

    def features(self, vectors: np.ndarray, texts: Sequence[str] | None = None):
        if vectors.shape[-1] != self.dim:
            encoder = self.card.get("encoder")
            hint = f" (it was trained on encoder.model: {encoder})" if encoder else ""
            raise ModelError(
                f"head expects {self.dim}-dim embeddings but the encoder gives {vectors.shape[-1]}{hint}; "
                "use a head trained on this encoder (nlp train), or that encoder"
            )
        return feature_matrix(vectors, texts, lexicon=self.lexicon, vectorizers=self._vectorizers())

    def predict_proba(self, vectors: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        return softmax(np.asarray(self.features(vectors, texts) @ self.coef.T) + self.intercept)

    @property
    def task_labels(self) -> list[str]:
        """The task label each class counts for, in class order."""
        return self.class_labels if self.class_labels is not None else self.classes

    def task_scores(self, vectors: np.ndarray, texts: Sequence[str] | None, labels: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """From one pass over the features, both (n, len(labels)) views of the task's `labels`:
        probabilities (each class's added to its task label's; 0 for a label no class counts
        for), and independent one-vs-rest scores in [0, 1] (NaN for a label the head has no
        evidence for, or all NaN without that block)."""
        x = self.features(vectors, texts)
        raw = softmax(np.asarray(x @ self.coef.T) + self.intercept)
        probs = np.zeros((len(raw), len(labels)))
        for j, label in enumerate(self.task_labels):
            if label in labels:
                probs[:, list(labels).index(label)] += raw[:, j]
        independent = np.full((len(raw), len(labels)), np.nan)
        if self.multi_coef is not None and self.multi_labels is not None:
            scores = 1.0 / (1.0 + np.exp(-(np.asarray(x @ self.multi_coef.T) + self.multi_intercept)))
            for j, label in enumerate(self.multi_labels):
                if label in labels:
                    independent[:, list(labels).index(label)] = scores[:, j]
        return probs, independent

    def task_proba(self, vectors: np.ndarray, texts: Sequence[str] | None, labels: Sequence[str]) -> np.ndarray:
        return self.task_scores(vectors, texts, labels)[0]

    def label_scores(self, vectors: np.ndarray, texts: Sequence[str] | None, labels: Sequence[str]) -> np.ndarray:
        return self.task_scores(vectors, texts, labels)[1]

    def _vectorizers(self) -> list[NgramTfidf]:
        """The n-gram blocks, rebuilt once from the stored vocabularies (not per call)."""
        if self._ngrams is None:
            self._ngrams = []
            if self.vocabulary is not None and self.idf is not None:
                self._ngrams.append(NgramTfidf(self.vocabulary, self.idf))
            if self.char_vocabulary is not None and self.char_idf is not None:
                self._ngrams.append(NgramTfidf(self.char_vocabulary, self.char_idf, chars=True))
        return self._ngrams

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        # float16 weights halve the file (n-gram weights are most of it); logits move by ~1e-3
        arrays: dict[str, np.ndarray] = {
            "coef": self.coef.astype(np.float16),
            "intercept": self.intercept.astype(np.float32),
            "classes": np.array(self.classes),
            "lexicon": np.array(self.lexicon),
        }
        if self.vocabulary is not None and self.idf is not None:
            arrays["vocabulary"] = np.array(self.vocabulary)
            arrays["idf"] = self.idf.astype(np.float32)
        if self.char_vocabulary is not None and self.char_idf is not None:
            arrays["char_vocabulary"] = np.array(self.char_vocabulary)
            arrays["char_idf"] = self.char_idf.astype(np.float32)
        if self.class_labels is not None:
            arrays["class_labels"] = np.array(self.class_labels)
        if self.multi_coef is not None and self.multi_labels is not None and self.multi_intercept is not None:
            arrays["multi_labels"] = np.array(self.multi_labels)
            arrays["multi_coef"] = self.multi_coef.astype(np.float16)
            arrays["multi_intercept"] = self.multi_intercept.astype(np.float32)
        if self.anchors is not None:
            arrays["anchors"] = stored_anchors(self.anchors)
            arrays["familiarity_ramp"] = np.array(self.familiarity_ramp, dtype=np.float32)
        np.savez_compressed(path, allow_pickle=False, **arrays)
        path.with_suffix(".json").write_text(json.dumps(self.card, indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> LinearHead:
        """A head from its arrays (no pickle) and card, checked before use: a damaged or foreign
        file is one clear error, never NaN scores or a dropped class."""
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"head file not found: {path}; train one with `nlp train` or use head: default")
        try:
            with np.load(path, allow_pickle=False) as a:
                head = cls(
                    classes=[str(c) for c in a["classes"]],
                    coef=a["coef"].astype(np.float32),
                    intercept=a["intercept"].astype(np.float32),
                    lexicon=bool(a["lexicon"]) if "lexicon" in a.files else False,
                    vocabulary=[str(v) for v in a["vocabulary"]] if "vocabulary" in a.files else None,
                    idf=a["idf"].astype(np.float64) if "idf" in a.files else None,
                    char_vocabulary=[str(v) for v in a["char_vocabulary"]] if "char_vocabulary" in a.files else None,
                    char_idf=a["char_idf"].astype(np.float64) if "char_idf" in a.files else None,
                    anchors=read_anchors(a["anchors"]) if "anchors" in a.files else None,
                    class_labels=[str(c) for c in a["class_labels"]] if "class_labels" in a.files else None,
                    multi_labels=[str(c) for c in a["multi_labels"]] if "multi_labels" in a.files else None,
                    multi_coef=a["multi_coef"].astype(np.float32) if "multi_coef" in a.files else None,
                    multi_intercept=a["multi_intercept"].astype(np.float32) if "multi_intercept" in a.files else None,
                )
                if "familiarity_ramp" in a.files:
                    low, high, k = (float(v) for v in a["familiarity_ramp"])
                    head.familiarity_ramp = (low, high, int(k))
        except KeyError as exc:
            raise ModelError(f"{path}: not a head file (no {exc} array); train one with `nlp train` or use head: default") from exc
        except (OSError, ValueError, TypeError, EOFError, zipfile.BadZipFile) as exc:  # not an npz, truncated, pickled objects, odd dtypes
            raise ModelError(
                f"{path}: not a readable head file ({str(exc).splitlines()[0][:120]}); train one with `nlp train` or use head: default"
            ) from exc
        card_path = path.with_suffix(".json")
        if card_path.is_file():
            try:
                head.card = json.loads(card_path.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ModelError(f"{card_path}: the head's card is not readable JSON ({exc})") from exc
            if not isinstance(head.card, dict):
                raise ModelError(f"{card_path}: the head's card must be a JSON object")
        problem = head.problem()
        if problem:
            raise ModelError(f"{path}: not a usable head: {problem}; train one with `nlp train` or use head: default")
        return head

    def problem(self) -> str | None:
        """What makes this head unusable (shapes that disagree, values that are not finite), or None."""
        n = len(self.classes)
        if n < 2:
            return f"{n} class{'' if n == 1 else 'es'}; a head tells at least two apart"
        if self.coef.ndim != 2 or self.coef.shape[0] != n or self.intercept.shape != (n,):
            return f"{n} classes but weights of shape {self.coef.shape} and intercepts of shape {self.intercept.shape}"
        if self.class_labels is not None and len(self.class_labels) != n:
            return f"{n} classes but {len(self.class_labels)} class labels"
        for name, vocabulary, idf in (("word", self.vocabulary, self.idf), ("character", self.char_vocabulary, self.char_idf)):
            if (vocabulary is None) != (idf is None) or (vocabulary is not None and idf is not None and len(vocabulary) != len(idf)):
                return f"its {name} n-gram vocabulary and idf disagree"
        if self.dim <= 0:
            return f"its weights have {self.coef.shape[1]} columns, fewer than its n-gram and lexicon features"
        if self.multi_labels is not None:
            if (
                self.multi_coef is None
                or self.multi_intercept is None
                or self.multi_coef.shape != (len(self.multi_labels), self.coef.shape[1])
                or self.multi_intercept.shape != (len(self.multi_labels),)
            ):
                return "its one-vs-rest label weights do not fit its labels or features"
        if self.anchors is not None and (self.anchors.ndim != 2 or self.anchors.shape[1] != self.dim):
            return f"its familiarity anchors are {self.anchors.shape[-1]}-dim, its weights read {self.dim}-dim embeddings"
        low, high, k = self.familiarity_ramp
        if self.anchors is not None and not (np.isfinite([low, high]).all() and high > low and k >= 1):
            return f"its familiarity ramp ({low}, {high}, k {k}) does not rise"
        arrays = [
            a for a in (self.coef, self.intercept, self.idf, self.char_idf, self.anchors, self.multi_coef, self.multi_intercept) if a is not None
        ]
        if not all(np.isfinite(a).all() for a in arrays):
            return "it holds NaN or infinite values"
        return None


def stored_anchors(vectors: np.ndarray) -> np.ndarray:
    """Unit vectors as int8 (× 127): a quarter of float32's size."""
    return np.round(np.asarray(vectors, dtype=np.float32) * ANCHOR_SCALE).astype(np.int8)


def read_anchors(stored: np.ndarray) -> np.ndarray:
    """Training embeddings as stored: int8 (unit vectors × 127) or, in older heads, float16."""
    return stored.astype(np.float32) / ANCHOR_SCALE if stored.dtype == np.int8 else stored.astype(np.float32)


PACKAGED_HEAD_NAMES = ("default", "finance")  # finance: sentiment fitted on Financial PhraseBank alone


def packaged_head_path(task: str, name: str = "default", encoder: str = "mpnet") -> Path:
    """The packaged head file: each packaged encoder has its own heads (they read its embeddings)."""
    alias = packaged_alias(encoder)
    if alias is None:
        raise ModelError(
            f"tasks.{task}.head: the packaged '{name}' head reads the embeddings of a packaged encoder (mpnet, minilm or static), "
            f"not of encoder.model {encoder}; train one on it with `nlp train {task}` and set tasks.{task}.head=PATH, or use method: embedding"
        )
    file = resource_path(f"{task}_head_{alias}.npz" if name == "default" else f"{task}_head_{name}_{alias}.npz")
    if not file.is_file():
        raise ModelError(
            f"tasks.{task}.head: no packaged '{name}' {task} head for encoder.model {encoder}; "
            f"train one with `nlp train {task}` and set tasks.{task}.head=PATH"
        )
    return file


def head_path(ref: str, task: str, encoder: str = "mpnet") -> Path:
    """The file of a packaged head by name (`default`, `finance`) for the run's encoder, or a path."""
    return packaged_head_path(task, ref, encoder) if ref in PACKAGED_HEAD_NAMES else Path(ref).expanduser()


def load_head(ref: str, task: str, encoder: str = "mpnet") -> LinearHead:
    """A packaged head by name (`default`, `finance`) for the run's encoder, or a path."""
    return LinearHead.load(head_path(ref, task, encoder))
