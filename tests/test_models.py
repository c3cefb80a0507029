import pytest
import torch

from nlp.errors import ModelError
from nlp.models import choose_device, choose_dtype, resolve_model


def test_packaged_alias_resolves_offline():
    assert (resolve_model("minilm") / "config.json").is_file()
    assert resolve_model("sentence-transformers/all-MiniLM-L6-v2") == resolve_model("minilm")


def test_local_folder(tiny_bert):
    assert resolve_model(str(tiny_bert)) == tiny_bert


@pytest.mark.parametrize(
    "ref, message",
    [
        ("./no/such/model", "model path ./no/such/model does not exist"),
        ("someorg/not-a-cached-model", "'someorg/not-a-cached-model' is not available offline"),
    ],
)
def test_unavailable_models_give_one_line(ref, message):
    with pytest.raises(ModelError) as info:
        resolve_model(ref)
    assert message in str(info.value) and "encoder.model" in str(info.value) and "\n" not in str(info.value)


def test_folder_without_config(tmp_path):
    with pytest.raises(ModelError, match="not a model folder"):
        resolve_model(str(tmp_path))


def test_device_and_dtype():
    assert choose_device("cpu").type == "cpu"
    assert choose_dtype("auto", torch.device("cpu")) == torch.float32
    assert choose_dtype("bfloat16", torch.device("cpu")) == torch.bfloat16
    if not torch.cuda.is_available():
        with pytest.raises(ModelError, match="no CUDA GPU is available"):
            choose_device("cuda")
        assert choose_device("auto").type in ("cpu", "mps")


def test_batch_size_auto_is_small_on_a_cpu_and_explicit_wins():
    from nlp.models import CPU_BATCH, choose_batch_size

    assert choose_batch_size(0, "cpu") == CPU_BATCH and choose_batch_size(48, "cpu") == 48
    if not torch.cuda.is_available():
        assert choose_batch_size(0, "auto") == CPU_BATCH
