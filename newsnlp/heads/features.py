"""Text features that heads add to the shared embeddings.

Frozen, averaged embeddings say what a sentence is about more than whether it is good or bad
news. Two cheap, general feature blocks help there (measured by 5-fold CV on Financial
PhraseBank; see README): VADER's lexicon scores, and direction-of-change × kind-of-figure
features ("net loss narrowed" is good news, "costs rose" bad), written from general financial
language, not from any data set.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

_UP = r"(?:rose|rise|rises|risen|rising|increased?|increases|increasing|grew|grow|grows|growing|up|higher|gain(?:ed|s)?|climb(?:ed|s)?|jump(?:ed|s)?|surged?|surges|improved?|improves|widen(?:ed|s)?|doubled|soar(?:ed|s)?|advanced?|advances|boost(?:ed|s)?)"
_DOWN = r"(?:fell|fall|falls|falling|decreased?|decreases|decreasing|declined?|declines|declining|down|lower|drop(?:ped|s)?|dipped|slump(?:ed|s)?|plunged?|plunges|narrow(?:ed|s)?|shrank|shrink|cut|reduced?|weaken(?:ed|s)?|tumbled?|tumbles|slid|slipped)"
# figures where up is good news, and figures where up is bad news
_GOOD = r"(?:profits?|earnings|sales|revenues?|income|margins?|ebit|ebitda|dividends?|orders|order intake|demand|output|market share|operating result|net result|turnover|growth|price target|shares?|stocks?)"
_BAD = r"(?:loss|losses|costs?|expenses?|debts?|deficit|unemployment|write-?downs?|impairments?|provisions?|layoffs|job cuts)"
_UP_RE, _DOWN_RE = re.compile(rf"\b{_UP}\b"), re.compile(rf"\b{_DOWN}\b")
_KINDS = ((re.compile(_GOOD), 1.0), (re.compile(_BAD), -1.0))
_FROM_LOSS = re.compile(r"from (?:a )?(?:net )?loss")
_TO_PROFIT = re.compile(r"\b(?:swung|turned) to (?:a )?(?:net )?profit")
_TO_LOSS = re.compile(r"\b(?:swung|turned) to (?:a )?(?:net )?loss")

LEXICON_FEATURES = ("vader_neg", "vader_neu", "vader_pos", "vader_compound", "figure_direction", "ups", "downs", "from_loss", "to_profit", "to_loss")


def direction_features(text: str) -> np.ndarray:
    """Signed direction of figures near their change words, counts of change words, and turns."""
    text = text.lower()
    f = np.zeros(6)
    for kind, sign in _KINDS:
        for match in kind.finditer(text):
            near = text[max(0, match.start() - 40) : match.start()] + " " + text[match.end() : match.end() + 60]
            up, down = bool(_UP_RE.search(near)), bool(_DOWN_RE.search(near))
            if up != down:
                f[0] += sign if up else -sign
    f[1], f[2] = len(_UP_RE.findall(text)), len(_DOWN_RE.findall(text))
    f[3], f[4], f[5] = bool(_FROM_LOSS.search(text)), bool(_TO_PROFIT.search(text)), bool(_TO_LOSS.search(text))
    return np.tanh(f)


@lru_cache(maxsize=1)
def _vader():
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def lexicon_features(texts: Sequence[str]) -> np.ndarray:
    """(n, 10): VADER's neg/neu/pos/compound, then the direction features."""
    if not texts:
        return np.zeros((0, len(LEXICON_FEATURES)), dtype=np.float32)
    vader = _vader()
    rows = []
    for text in texts:
        s = vader.polarity_scores(text)
        rows.append(np.concatenate([[s["neg"], s["neu"], s["pos"], s["compound"]], direction_features(text)]))
    return np.asarray(rows, dtype=np.float32)
