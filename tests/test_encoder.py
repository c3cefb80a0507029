import numpy as np
import pytest

from newsnlp.config import EncoderConfig
from newsnlp.models.encoder import Encoder
from newsnlp.models.runtime import Runtime
from tests.helpers import mpnet_or_skip

TEXTS = ["Stocks rose on Friday.", "The peace talks stalled again.", "oil", "A much longer sentence " * 40]


def test_tiny_encoder_shapes_norms_and_order(tiny_bert):
    enc = Encoder(EncoderConfig(model=str(tiny_bert), max_length=64), Runtime("cpu", batch_size=2))
    vectors = enc.encode(TEXTS)
    assert vectors.shape == (4, 32) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    one_by_one = np.vstack([enc.encode([t]) for t in TEXTS])
    assert np.allclose(vectors, one_by_one, atol=1e-5)  # padding and sorting do not change vectors
    assert enc.encode([]).shape == (0, 32)


@pytest.mark.parametrize("model", ["minilm", "mpnet"])
def test_matches_sentence_transformers(model):
    """Mean pooling + L2 norm on each packaged encoder equals sentence-transformers' own vectors,
    on both backends (onnx: the CPU default; torch)."""
    st = pytest.importorskip("sentence_transformers")
    from newsnlp.models.resolve import resolve_model

    if model == "mpnet":
        mpnet_or_skip()

    reference = st.SentenceTransformer(str(resolve_model(model)), device="cpu").encode(TEXTS, normalize_embeddings=True)
    for backend in ("onnx", "torch"):
        ours = Encoder(EncoderConfig(model=model, backend=backend, max_length=256), Runtime("cpu")).encode(TEXTS)
        assert ours.shape == reference.shape and np.abs(ours - reference).max() < 1e-4, backend
