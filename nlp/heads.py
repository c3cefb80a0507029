"""Small classifier heads over the shared embeddings, stored as plain arrays (.npz, no pickle)
with a JSON card beside them (labels, data, license, date, cross-validation figures).

A head is multinomial logistic regression over feature blocks: always the embedding, and
optionally lexicon features and word n-gram TF-IDF (stored as its vocabulary and idf arrays,
and rebuilt with scikit-learn's own vectorizer)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .errors import ModelError
from .features import LEXICON_FEATURES, lexicon_features
from .numeric import softmax
from .resources import resource_path

PACKAGED_HEADS = {"sentiment": "sentiment_head.npz", "topics": "topics_head.npz"}
NGRAM_RANGE = (1, 2)


def ngram_vectorizer(vocabulary: Sequence[str] | None = None, idf: np.ndarray | None = None):
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(ngram_range=NGRAM_RANGE, sublinear_tf=True, min_df=1 if vocabulary is not None else 2, vocabulary=vocabulary)
    if idf is not None:
        vectorizer.idf_ = idf
    return vectorizer


class NgramTfidf:
    """The inference half of scikit-learn's TfidfVectorizer as `nlp train` fits it (lowercase,
    token pattern `\\b\\w\\w+\\b`, word 1-2-grams, sublinear tf, idf, L2 norm), over the
    stored vocabulary and idf. Importing scikit-learn costs about a second of start-up; this
    gives the same matrix (a test checks it against scikit-learn)."""

    _TOKEN = re.compile(r"(?u)\b\w\w+\b")

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray) -> None:
        self.index = {term: i for i, term in enumerate(vocabulary)}
        self.idf = np.asarray(idf, dtype=np.float64)

    def transform(self, texts: Sequence[str]):
        from scipy import sparse

        rows, cols, vals = [], [], []
        for row, text in enumerate(texts):
            tokens = self._TOKEN.findall(text.lower())
            grams = tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]
            counts: dict[int, int] = {}
            for gram in grams:
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


def feature_matrix(vectors: np.ndarray, texts: Sequence[str] | None, *, lexicon: bool, vectorizer=None):
    """[embedding | lexicon features | n-gram TF-IDF], dense unless n-grams make it sparse."""
    if (lexicon or vectorizer is not None) and (texts is None or len(texts) != len(vectors)):
        raise ValueError("this head needs the texts as well as their embeddings")
    blocks: list[Any] = [vectors]
    if lexicon:
        blocks.append(lexicon_features(texts))  # type: ignore[arg-type]
    if vectorizer is not None:
        from scipy import sparse

        blocks.append(vectorizer.transform(texts))
        return sparse.hstack([sparse.csr_matrix(b) for b in blocks]).tocsr()
    return np.hstack(blocks) if len(blocks) > 1 else vectors


@dataclass
class LinearHead:
    """probabilities = softmax([embedding | lexicon | ngrams] @ coef.T + intercept)."""

    classes: list[str]
    coef: np.ndarray  # (n_classes, n_features)
    intercept: np.ndarray  # (n_classes,)
    lexicon: bool = False
    vocabulary: list[str] | None = None
    idf: np.ndarray | None = None
    anchors: np.ndarray | None = None  # (m, dim) training embeddings, for familiarity
    familiarity_ramp: tuple[float, float, int] = (0.42, 0.50, 5)  # low, high, k
    card: dict[str, Any] = field(default_factory=dict)
    _ngrams: Any = field(default=None, init=False, repr=False, compare=False)

    def familiarity(self, vectors: np.ndarray) -> np.ndarray:
        """Per text, how much to trust this head, in [0, 1]: the mean cosine to its k nearest
        training texts, ramped from `low` (0) to `high` (1). Without anchors, always 1."""
        if self.anchors is None or len(vectors) == 0:
            return np.ones(len(vectors))
        low, high, k = self.familiarity_ramp
        sims = vectors @ self.anchors.T.astype(np.float32)
        k = min(int(k), sims.shape[1])
        nearest = np.partition(sims, -k, axis=1)[:, -k:].mean(axis=1)
        return np.clip((nearest - low) / (high - low), 0.0, 1.0)

    def predict_proba(self, vectors: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        expected = self.coef.shape[1] - (len(self.vocabulary) if self.vocabulary is not None else 0) - (len(LEXICON_FEATURES) if self.lexicon else 0)
        if vectors.shape[-1] != expected:
            raise ModelError(f"head expects {expected}-dim embeddings but the encoder gives {vectors.shape[-1]}; train the head on this encoder")
        x = feature_matrix(vectors, texts, lexicon=self.lexicon, vectorizer=self._vectorizer())
        return softmax(np.asarray(x @ self.coef.T) + self.intercept)

    def _vectorizer(self):
        """The n-gram features, rebuilt once from the stored vocabulary (not per call)."""
        if self.vocabulary is None:
            return None
        if self._ngrams is None:
            self._ngrams = NgramTfidf(self.vocabulary, self.idf)
        return self._ngrams

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, np.ndarray] = {"coef": self.coef.astype(np.float32), "intercept": self.intercept.astype(np.float32),
                                         "classes": np.array(self.classes), "lexicon": np.array(self.lexicon)}
        if self.vocabulary is not None and self.idf is not None:
            arrays["vocabulary"] = np.array(self.vocabulary)
            arrays["idf"] = self.idf.astype(np.float32)
        if self.anchors is not None:
            arrays["anchors"] = self.anchors.astype(np.float16)
            arrays["familiarity_ramp"] = np.array(self.familiarity_ramp, dtype=np.float32)
        np.savez_compressed(path, **arrays)
        path.with_suffix(".json").write_text(json.dumps(self.card, indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "LinearHead":
        path = Path(path)
        if not path.is_file():
            raise ModelError(f"head file not found: {path}; train one with `nlp train` or use head: default")
        with np.load(path, allow_pickle=False) as a:
            head = cls(classes=[str(c) for c in a["classes"]], coef=a["coef"], intercept=a["intercept"],
                       lexicon=bool(a["lexicon"]) if "lexicon" in a.files else False,
                       vocabulary=[str(v) for v in a["vocabulary"]] if "vocabulary" in a.files else None,
                       idf=a["idf"].astype(np.float64) if "idf" in a.files else None,
                       anchors=a["anchors"] if "anchors" in a.files else None)
            if "familiarity_ramp" in a.files:
                low, high, k = (float(v) for v in a["familiarity_ramp"])
                head.familiarity_ramp = (low, high, int(k))
        card_path = path.with_suffix(".json")
        if card_path.is_file():
            head.card = json.loads(card_path.read_text(encoding="utf-8"))
        return head


def packaged_head_path(task: str) -> Path:
    return resource_path(PACKAGED_HEADS[task])


def load_head(ref: str, task: str) -> LinearHead:
    """`default` is the head shipped in nlp/resources; anything else is a path."""
    return LinearHead.load(packaged_head_path(task) if ref == "default" else Path(ref).expanduser())
