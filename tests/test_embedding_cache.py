"""The on-disk embedding cache: hits equal fresh vectors, keys follow the encoder, damage rebuilds."""

import numpy as np
import pytest

from newsnlp.config import CacheConfig, EncoderConfig
from newsnlp.models.cache import EmbeddingCache, cached_encode, encoder_fingerprint
from newsnlp.models.encoder import Encoder
from newsnlp.models.runtime import Runtime

TEXTS = ["Stocks rose on Friday.", "The peace talks stalled again.", "oil", "Stocks rose on Friday."]


def test_cached_vectors_equal_fresh_ones_and_only_new_texts_are_encoded(tmp_path, tiny_bert):
    cache = CacheConfig(enabled=True, path=tmp_path / "e.sqlite")
    fresh = Encoder(EncoderConfig(model=str(tiny_bert), max_length=64), Runtime("cpu")).encode(TEXTS)
    encoder = Encoder(EncoderConfig(model=str(tiny_bert), max_length=64), Runtime("cpu"), cache=cache)
    first = encoder.encode(TEXTS)
    np.testing.assert_allclose(first, fresh, atol=1e-6)
    seen = []
    again = cached_encode(encoder.cache, lambda texts: seen.append(list(texts)) or encoder._encode_all(texts, None), TEXTS + ["new text"])
    assert seen == [["new text"]]  # the cached ones were read, not encoded
    np.testing.assert_allclose(again[:4], fresh, atol=1e-6)


def test_other_settings_are_other_keys(tmp_path, tiny_bert):
    a = encoder_fingerprint(tiny_bert, 64, "onnx", "none")
    assert a == encoder_fingerprint(tiny_bert, 64, "onnx", "none")
    assert (
        len(
            {
                a,
                encoder_fingerprint(tiny_bert, 128, "onnx", "none"),
                encoder_fingerprint(tiny_bert, 64, "torch", "none"),
                encoder_fingerprint(tiny_bert, 64, "onnx", "int8"),
            }
        )
        == 4
    )
    path = tmp_path / "e.sqlite"
    EmbeddingCache(path, a).put(["x"], np.ones((1, 3), dtype=np.float32))
    assert EmbeddingCache(path, "another-model").get(["x"]) == [None]
    assert EmbeddingCache(path, a, dim=4).get(["x"]) == [None]  # a vector of the wrong size is never returned


def test_a_damaged_cache_in_nlps_folder_is_set_aside_and_one_elsewhere_refused(tmp_path, capsys, monkeypatch):
    """Step 3 (news-input round): a file that is not a cache this project made is never renamed
    or altered; nlp's own file in its own folder, damaged, is set aside and begun again."""
    from newsnlp.errors import ConfigError
    from newsnlp.models.cache import default_cache_path

    monkeypatch.setenv("NLP_CACHE_DIR", str(tmp_path / "nlp"))
    path = default_cache_path()
    path.parent.mkdir()
    path.write_bytes(b"this is not a database" * 100)
    cache = EmbeddingCache(path, "fp")
    assert cache.get(["x"]) == [None] and "damaged" in capsys.readouterr().err
    cache.put(["x"], np.ones((1, 2), dtype=np.float32))
    assert np.array_equal(EmbeddingCache(path, "fp").get(["x"])[0], np.ones(2, dtype=np.float32))
    assert path.with_suffix(".corrupt").exists()
    elsewhere = tmp_path / "mine.dat"
    elsewhere.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ConfigError, match="not an nlp embedding cache"):
        EmbeddingCache(elsewhere, "fp")
    assert elsewhere.read_bytes() == b"this is not a database" * 100 and not elsewhere.with_suffix(".corrupt").exists()


def test_progress_counts_every_text_once_cached_or_not(tmp_path, tiny_bert):
    encoder = Encoder(
        EncoderConfig(model=str(tiny_bert), max_length=64), Runtime("cpu", batch_size=2), cache=CacheConfig(enabled=True, path=tmp_path / "e.sqlite")
    )
    encoder.encode(TEXTS[:2])
    steps = []
    encoder.encode(TEXTS + ["new text"], on_batch=steps.append)
    assert sum(steps) == len(TEXTS) + 1


def test_past_max_bytes_the_least_recently_used_go_first(tmp_path):
    import sqlite3

    path = tmp_path / "e.sqlite"
    cache = EmbeddingCache(path, "fp", max_bytes=None)
    vector = np.ones((1, 1000), dtype=np.float32)  # 4 kB each
    for i in range(50):
        cache.put([f"old {i}"], vector)
    with sqlite3.connect(path) as db:  # the old ones were last used long ago; "old 0" was just read
        db.execute("UPDATE vectors SET used = 1")
    assert cache.get(["old 0"])[0] is not None  # read now: recently used again
    cache.max_bytes = cache.stored_bytes() // 2
    cache.put(["new"], vector)
    assert cache.stored_bytes() <= cache.max_bytes
    kept = cache.get([f"old {i}" for i in range(50)] + ["new"])
    assert kept[0] is not None and kept[-1] is not None  # the recently used stay
    assert sum(v is None for v in kept) >= 20  # the least recently used went


def test_a_cache_from_before_the_cap_is_upgraded_and_another_programs_database_left_alone(tmp_path, capsys):
    """Step 3 (news-input round): another program's SQLite database got a `vectors` table and WAL
    mode with no warning; a folder named as cache.path was renamed to `.corrupt`."""
    import sqlite3

    from newsnlp.errors import ConfigError

    old = tmp_path / "old.sqlite"
    with sqlite3.connect(old) as db:
        db.execute("CREATE TABLE vectors (encoder TEXT NOT NULL, text BLOB NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (encoder, text))")
    EmbeddingCache(old, "fp").put(["x"], np.ones((1, 2), dtype=np.float32))
    assert EmbeddingCache(old, "fp").get(["x"])[0] is not None and "warning" not in capsys.readouterr().err
    foreign = tmp_path / "foreign.sqlite"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE vectors (id INTEGER, name TEXT)")
        db.execute("CREATE TABLE customers (id INTEGER)")
    before = foreign.read_bytes()
    for path in (foreign, tmp_path):
        with pytest.raises(ConfigError, match="another program's SQLite file|is a folder"):
            EmbeddingCache(path, "fp")
    assert foreign.read_bytes() == before and not (tmp_path / "foreign.sqlite-wal").exists() and not list(tmp_path.glob("*.corrupt"))


def test_a_cache_that_cannot_be_written_is_left_alone_and_the_run_goes_on(tmp_path, capsys, tiny_bert):
    """Step 3: a cache locked by another process (or read-only, or on a full disk) was a
    traceback, and blocked even fully cached runs (the LRU update in get())."""
    import sqlite3

    path = tmp_path / "e.sqlite"
    EmbeddingCache(path, "fp").put(["cached"], np.ones((1, 2), dtype=np.float32))
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process writing, for longer than we wait
    holder.execute("INSERT INTO encoders VALUES ('x', 'y')")
    cache = EmbeddingCache(path, "fp", busy_s=0.2)
    assert cache.get(["cached"])[0] is not None  # a cached run still reads
    cache.put(["new"], np.ones((1, 2), dtype=np.float32))  # cannot write: one warning, no traceback
    err = capsys.readouterr().err
    assert err.count("cannot be used") == 1 and "going on without it" in err
    assert cache.get(["cached"]) == [None]  # left alone from then on: encoded afresh
    holder.execute("ROLLBACK")
    holder.close()


def test_stored_vectors_of_the_wrong_size_null_or_nan_are_misses(tmp_path, tiny_bert):
    import sqlite3

    from newsnlp.models.cache import text_key

    path = tmp_path / "e.sqlite"
    encoder = Encoder(EncoderConfig(model=str(tiny_bert), max_length=64), Runtime("cpu"), CacheConfig(path=path))
    fresh = encoder.encode(["a", "b", "c"])
    with sqlite3.connect(path) as db:  # damage the stored rows: another size, NaN
        db.execute("UPDATE vectors SET vector = ? WHERE text = ?", (np.ones(3, dtype=np.float32).tobytes(), text_key("a")))
        db.execute("UPDATE vectors SET vector = ? WHERE text = ?", (np.full(32, np.nan, dtype=np.float32).tobytes(), text_key("b")))
    again = Encoder(EncoderConfig(model=str(tiny_bert), max_length=64), Runtime("cpu"), CacheConfig(path=path)).encode(["a", "b", "c"])
    assert again.shape == fresh.shape and np.allclose(again, fresh, atol=1e-5)


def fingerprint_value(text: str) -> float:
    import hashlib

    return float(int(hashlib.sha256(text.encode()).hexdigest()[:6], 16) % 1000)


def test_a_writer_killed_mid_transaction_leaves_only_whole_right_vectors(tmp_path):
    """A writer puts batches of vectors that are a function of their text; SIGKILLed mid-run, the
    file opens, and every vector it returns is the one its text was stored with."""
    import signal
    import subprocess
    import sys

    path = tmp_path / "e.sqlite"
    writer = (
        "import sys, numpy as np\n"
        "from newsnlp.models.cache import EmbeddingCache\n"
        "from tests.test_embedding_cache import fingerprint_value\n"
        "cache = EmbeddingCache(sys.argv[1], 'fp')\n"
        "for batch in range(10**6):\n"
        "    texts = [f'text {batch} {i}' for i in range(200)]\n"
        "    cache.put(texts, np.array([[fingerprint_value(t), len(t)] * 64 for t in texts], dtype=np.float32))\n"
        "    print(batch, flush=True)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", writer, str(path)], stdout=subprocess.PIPE, text=True)
    for _ in range(5):
        proc.stdout.readline()  # a few batches committed, and one under way
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    texts = [f"text {b} {i}" for b in range(200) for i in range(200)]
    found = EmbeddingCache(path, "fp").get(texts)
    assert sum(v is not None for v in found) >= 5 * 200 and sum(v is not None for v in found) % 200 == 0  # whole batches only
    for text, vector in zip(texts, found):
        if vector is not None:
            assert vector.shape == (128,) and vector[0] == fingerprint_value(text) and vector[1] == len(text), text


def test_cache_info_and_clear(tmp_path):
    from typer.testing import CliRunner

    from newsnlp.cli import app

    path = tmp_path / "e.sqlite"
    EmbeddingCache(path, "fp", name="tiny").put(["x", "y"], np.ones((2, 4), dtype=np.float32))
    runner = CliRunner()
    info = runner.invoke(app, ["cache", "info", "--set", f"cache.path={path}", "--json"])
    assert info.exit_code == 0, info.output
    assert __import__("json").loads(info.stdout)["encoders"] == {"tiny": {"vectors": 2, "bytes": 32, "fingerprint": "fp"}}
    cleared = runner.invoke(app, ["cache", "clear", "--set", f"cache.path={path}"])
    assert cleared.exit_code == 0 and "cleared" in cleared.output and not path.exists()
    assert "no cache yet" in runner.invoke(app, ["cache", "info", "--set", f"cache.path={path}"]).stdout


def test_cache_info_names_encoders_and_clear_says_what_it_leaves(tmp_path, tiny_bert, monkeypatch):
    """Step 2 (news-input round): `nlp cache info` listed encoders as hex fingerprints; `cache
    clear` did not say that models and exports stay."""
    from typer.testing import CliRunner

    from newsnlp.cli import app

    monkeypatch.setenv("NLP_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("NLP_MODELS_DIR", str(tmp_path / "models"))
    (tmp_path / "models" / "some-model").mkdir(parents=True)
    (tmp_path / "models" / "some-model" / "weights").write_bytes(b"x" * 2048)
    encoder = Encoder(EncoderConfig(model=str(tiny_bert), max_length=64), Runtime("cpu"), CacheConfig(path=tmp_path / "embeddings.sqlite"))
    encoder.encode(["oil prices rose"])
    runner = CliRunner()
    info = runner.invoke(app, ["cache", "info"]).stdout
    assert f"{tiny_bert} (onnx none, max_length 64): 1 vectors" in info
    kept = runner.invoke(app, ["cache", "clear"])
    assert kept.exit_code == 0 and "left models:" in kept.output and "--all clears them too" in kept.output
    assert (tmp_path / "models" / "some-model" / "weights").exists() and (tmp_path / "onnx").is_dir()
    gone = runner.invoke(app, ["cache", "clear", "--all"])
    assert gone.exit_code == 0 and "cleared models:" in gone.output and "cleared ONNX exports:" in gone.output
    assert not (tmp_path / "models").exists() and not (tmp_path / "onnx").exists()
