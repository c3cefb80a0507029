"""Property-based tests: any text into the readers and the config loader gives documents or a
clean, one-line error (InputError / ConfigError), never another exception; a page survives
parsing and re-serialising."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from newsnlp.config import RunConfig, config_to_yaml, load_config, parse_overrides
from newsnlp.documents import iter_documents, parse_page
from newsnlp.errors import ConfigError, InputError, NlpError

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
lines = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=80)


@FUZZ
@given(st.text(max_size=2000))
def test_any_text_parses_as_a_page(text):
    doc = parse_page(text, id="x")
    assert doc.id == "x" and all(p.text for p in doc.paragraphs) and all(doc.teasers)
    doc.sentences()  # splitting never fails either


@FUZZ
@given(st.binary(max_size=600))
def test_any_bytes_as_a_page_file_give_a_document_or_one_line_error(tmp_path, data):
    path = tmp_path / "page.txt"
    path.write_bytes(data)
    try:
        docs = list(iter_documents(path))
    except InputError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
    else:
        assert len(docs) == 1


@FUZZ
@given(
    st.lists(
        st.one_of(
            st.binary(max_size=80),
            st.builds(
                json.dumps,
                st.dictionaries(
                    st.sampled_from(["id", "text", "lead", "teasers", "x"]),
                    st.one_of(st.text(max_size=30), st.integers(), st.lists(st.text(max_size=10), max_size=3), st.none()),
                ),
            ).map(str.encode),
        ),
        max_size=6,
    )
)
def test_any_jsonl_gives_documents_or_a_line_numbered_error(tmp_path, rows):
    path = tmp_path / "docs.jsonl"
    path.write_bytes(b"\n".join(rows))
    try:
        docs = list(iter_documents(path))
    except InputError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
    else:
        assert all(d.id for d in docs)


line = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), min_size=1, max_size=60).map(str.strip).filter(bool)


@FUZZ
@given(st.lists(line, min_size=1, max_size=5), st.lists(line, max_size=5), st.sampled_from(["Reuters.com", "Wire", None]))
def test_a_page_survives_parsing_and_re_serialising(lead, teasers, source):
    lead = [p for p in lead if not p.lower().startswith("source")]  # a 'Source:' line ends the lead by definition
    page = "\n".join(lead) + (f"\nSource: {source}\n" + "\n".join(teasers) if source else "")
    first = parse_page(page, id="p")
    again = parse_page(first.to_page(), id="p")
    assert [p.text for p in again.paragraphs] == [p.text for p in first.paragraphs]
    assert again.teasers == first.teasers and again.source == first.source and again.lead == first.lead
    if source:
        assert first.source == source and len(first.teasers) == len([t for t in teasers if t.strip()])


yaml_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
yaml_trees = st.recursive(
    yaml_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(
            st.sampled_from(["input", "device", "batch_size", "tasks", "topics", "threshold", "labels", "encoder", "model", "x"]),
            children,
            max_size=4,
        ),
    ),
    max_leaves=12,
)


@FUZZ
@given(st.one_of(st.text(max_size=300), yaml_trees.map(lambda tree: yaml.safe_dump(tree))))
def test_any_config_file_loads_or_gives_one_config_error(tmp_path, text):
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        config = load_config(path)
    except ConfigError as exc:
        assert "\n" not in str(exc).strip()
    else:
        assert isinstance(config, RunConfig)
        assert RunConfig.model_validate(yaml.safe_load(config_to_yaml(config))) == config


@FUZZ
@given(st.lists(st.text(max_size=40), max_size=4))
def test_any_set_option_parses_or_gives_one_config_error(pairs):
    try:
        load_config(None, parse_overrides(pairs))
    except ConfigError as exc:
        assert "\n" not in str(exc).strip()


@pytest.mark.parametrize(
    "tag", ["!!python/object/apply:os.system ['echo hacked']", "!!python/name:os.system", "!!python/object/new:subprocess.Popen [['ls']]"]
)
def test_config_never_constructs_python_objects(tmp_path, tag):
    path = tmp_path / "c.yaml"
    path.write_text(f"device: {tag}\n")
    with pytest.raises(ConfigError, match="malformed YAML"):
        load_config(path)


def test_every_library_error_is_an_nlp_error():
    import newsnlp.errors

    errors = [v for v in vars(newsnlp.errors).values() if isinstance(v, type) and issubclass(v, Exception) and v.__module__ == "newsnlp.errors"]
    assert {"InputError", "ConfigError", "ModelError"} <= {e.__name__ for e in errors}
    assert all(issubclass(e, NlpError) for e in errors)


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(["", " ", "\t", "\n", " \u00a0 "]), st.text(max_size=20)), max_size=8))
def test_jsonl_teasers_blank_or_not_keep_indexes_in_order(tmp_path, teasers):
    """Every reader drops empty and whitespace-only teasers before indexing and counts them."""
    path = tmp_path / "docs.jsonl"
    path.write_text(json.dumps({"id": "d", "lead": "Stocks rose.", "teasers": teasers}) + "\n")
    [doc] = list(iter_documents(path))
    kept = [t for t in teasers if t.strip()]
    assert doc.teasers == kept
    dropped = len(teasers) - len(kept)
    assert (dropped == 0 and not doc.warnings) or doc.warnings == [f"{dropped} empty teaser{'s' * (dropped > 1)} dropped"]


# Step 3 (news-input round): Step 1's readers get the same treatment: hostile HTML and XML, from
# random bytes to shapes built to hurt (entity expansion, huge attributes, deep nesting).
tags = st.sampled_from(["html", "body", "div", "p", "a", "article", "nav", "li", "ul", "h2", "script", "rss", "channel", "item", "feed", "entry"])
markup = st.recursive(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    lambda inner: st.tuples(tags, st.lists(inner, max_size=4), st.text(max_size=10)).map(
        lambda t: f'<{t[0]} href="/{t[2]}" class="{t[2]}">' + "".join(t[1]) + f"</{t[0]}>"
    ),
    max_leaves=30,
)


@FUZZ
@given(
    st.one_of(markup, st.binary(max_size=800).map(lambda b: b.decode("latin-1"))), st.sampled_from(["page.html", "feed.xml", "feed.json", "x.txt"])
)
def test_any_markup_as_html_or_a_feed_gives_documents_or_one_line_error(tmp_path, text, name):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        docs = list(iter_documents(path))
    except InputError as exc:
        assert "\n" not in str(exc) and str(path) in str(exc)
    else:
        assert docs and all(isinstance(d.lead, str) and all(isinstance(t, str) for t in d.teasers) for d in docs)


@pytest.mark.parametrize(
    "name, data, message",
    [
        (
            "laughs.xml",
            b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "aaaaaaaaaa">]><rss version="2.0"><channel><title>&a;</title></channel></rss>',
            "declares XML entities",
        ),
        (
            "external.xml",
            b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss><channel><title>&x;</title></channel></rss>',
            "declares XML entities",
        ),
        ("deep.html", b"<html><body>" + b"<div>" * 100_000 + b"text" + b"</div>" * 100_000 + b"</body></html>", "over html.max_elements"),
        ("deep-within.html", b"<html><body>" + b"<div>" * 50_000 + b"text" + b"</div>" * 50_000 + b"</body></html>", None),
        ("attribute.html", b'<html><body><a href="/' + b"x" * 3_000_000 + b'">A long link to a story of the site</a></body></html>', None),
        ("deep.xml", b'<?xml version="1.0"?><rss version="2.0"><channel>' + b"<x>" * 50_000 + b"</x>" * 50_000 + b"</channel></rss>", None),
    ],
)
def test_hostile_markup_is_bounded(tmp_path, name, data, message):
    path = tmp_path / name
    path.write_bytes(data)
    if message:
        with pytest.raises(InputError, match=message):
            list(iter_documents(path))
        return
    docs = list(iter_documents(path))
    assert docs and "passwd" not in json.dumps([d.to_json() for d in docs])


def _story_index(path):
    """A small story index as a run leaves it."""
    import numpy as np

    from newsnlp.config import StoriesConfig
    from newsnlp.stories.grouping import Grouper
    from newsnlp.stories.index import StoryIndex
    from newsnlp.stories.items import Item

    rng = np.random.default_rng(0)
    items = [
        Item.of(f"d{i}#0", f"d{i}", 0, f"Oil talks in Vienna, round {i % 5}", rng.normal(size=8), f"2024-01-0{1 + i % 5}", 0.0) for i in range(30)
    ]
    index = StoryIndex(path, "minilm")
    with index:
        list(Grouper(StoriesConfig(threshold=0.5), index).group(sorted(items, key=Item.order)))
    index.close()
    return items


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(min_value=0), st.integers(min_value=0, max_value=255)), min_size=1, max_size=12), st.booleans())
def test_a_damaged_story_index_is_set_aside_or_one_line_never_a_traceback(tmp_path, flips, in_header):
    """Step 4: random bytes of an index overwritten (in its header, or anywhere): opening it for a
    run either sets it aside with a warning and starts again, or groups into it, or stops with one
    line; `nlp stories` reads it or says in one line that it cannot."""
    import io
    from contextlib import redirect_stderr

    from newsnlp.config import StoriesConfig
    from newsnlp.stories.grouping import Grouper
    from newsnlp.stories.index import StoryIndex
    from newsnlp.stories.items import Item

    path = tmp_path / "stories.sqlite"
    path.unlink(missing_ok=True)
    items = _story_index(path)
    data = bytearray(path.read_bytes())
    for offset, value in flips:
        data[offset % (100 if in_header else len(data))] = value
    path.write_bytes(bytes(data))
    try:
        opened = StoryIndex.reading(path)
        try:
            opened.listing()
        finally:
            opened.close()
    except NlpError as exc:
        assert "\n" not in str(exc)
    stderr = io.StringIO()
    try:
        with redirect_stderr(stderr):
            index = StoryIndex(path, "minilm")
            try:
                with index:
                    found = list(Grouper(StoriesConfig(threshold=0.5), index).group(sorted(items[:5], key=Item.order)))
            finally:
                index.close()
    except NlpError as exc:
        assert "\n" not in str(exc)
    else:
        assert len(found) == 5
        if (tmp_path / "stories.sqlite.set-aside").exists():
            assert "moved aside" in stderr.getvalue()
    for aside in tmp_path.glob("*.set-aside"):
        aside.unlink()
