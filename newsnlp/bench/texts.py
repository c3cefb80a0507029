"""The bench's texts: real teasers and articles from a data folder, or text generated
deterministically from the packaged label examples (a fresh install has no data folder)."""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from pathlib import Path

from newsnlp.config import packaged_default
from newsnlp.documents import Document
from newsnlp.documents.text import teaser_cut

N_LEADS = 50


@dataclass
class BenchTexts:
    docs: list[Document]
    source: str

    @property
    def distinct(self) -> list[str]:
        """Every text the pipeline encodes (lead sentences, leads, teasers), each once, in order."""
        return distinct_texts(self.docs)

    @property
    def teasers(self) -> list[str]:
        return [t for d in self.docs for t in d.teasers]


def distinct_texts(docs: list[Document]) -> list[str]:
    """The documents' lead sentences, leads and teasers, each once, in order."""
    return list(dict.fromkeys(t for d in docs for t in [*d.sentences(), d.lead, *d.teasers]))


def bench_texts(n: int = 1000, data_dir: Path | None = None) -> BenchTexts:
    """`n` teasers spread over 50 lead articles: real ones from `data_dir` (a folder laid out as
    ../shared/data) when it holds them."""
    ag = data_dir / "topics" / "ag_news_dev.jsonl" if data_dir else None
    cnn = data_dir / "summarization" / "realsumm_cnndm_test100.jsonl" if data_dir else None
    if ag and cnn and ag.is_file() and cnn.is_file():
        rows = [json.loads(line) for line in ag.read_text(encoding="utf-8").splitlines() if line.strip()]
        teasers = [_teaser(r["description"]) for r in rows][:n]
        leads = [json.loads(line)["article"] for line in cnn.read_text(encoding="utf-8").splitlines() if line.strip()][:N_LEADS]
        source = f"{ag.name} descriptions, {cnn.name} articles"
    else:
        teasers, leads = synthetic_texts(n)
        source = "generated from the packaged label examples (no --data)"
    per = max(1, len(teasers) // len(leads))
    docs = [Document.from_parts(f"bench-{i}", lead, teasers[i * per : (i + 1) * per]) for i, lead in enumerate(leads)]
    return BenchTexts(docs, source)


def unseen_teasers(data_dir: Path | None) -> list[str]:
    """Real news teasers and headlines that no packaged head was fitted on (the heads saw news/,
    openweb/ and Financial PhraseBank): AG News dev (title. description), Reuters R8 titles and
    the stories/ items (headline. opening), in that order; none without the folder."""
    if data_dir is None:
        return []
    sources = {
        "topics/ag_news_dev.jsonl": lambda r: f"{r['title']}. {r['description']}",
        "topics/reuters_r8_test.jsonl": lambda r: r["title"].strip(),
        "stories/items.jsonl": lambda r: f"{r['headline']}. {teaser_cut(r['text'], 250)}",
    }
    texts: list[str] = []
    for name, teaser in sources.items():
        path = data_dir / name
        if path.is_file():
            texts += [teaser(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [text for text in texts if text.strip()]


def _teaser(text: str, words: int = 30) -> str:
    parts = text.split()
    return " ".join(parts[:words]) + ("..." if len(parts) > words else "")


def synthetic_texts(n: int) -> tuple[list[str], list[str]]:
    """Distinct teasers and leads recombined from the packaged default's label examples (this
    project's own sentences), seeded."""
    tasks = packaged_default()["tasks"]
    sentences = [
        e for task in ("topics", "sentiment") for spec in tasks[task]["labels"].values() for e in spec.get("examples", []) if len(e.split()) >= 4
    ]
    rng = random.Random(0)
    teasers = []
    for i in range(n):
        a, b = rng.sample(sentences, 2)
        wa, wb = a.split(), b.split()
        teasers.append(
            f"({i}) " + _teaser(" ".join(wa[: rng.randint(2, len(wa))] + ["and"] + wb[rng.randint(0, len(wb) - 1) :]))
        )  # numbered: distinct
    leads = [". ".join(s[:1].upper() + s[1:] for s in rng.sample(sentences, min(len(sentences), 12))) + "." for _ in range(N_LEADS)]
    return teasers, leads


def page_text(texts: BenchTexts) -> str:
    """The first document as a news page (lead, `Source:` line, teasers): start-up reads one."""
    doc = texts.docs[0]
    return doc.lead + "\nSource: nlp bench\n" + "\n".join(doc.teasers) + "\n"
