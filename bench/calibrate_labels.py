#!/usr/bin/python3
"""Measures how often a DetectLabels label is right at each raw detector score: the data behind
the `calibration` points of the `objects` model in models/manifest.yaml.

Usage: bench/calibrate_labels.py   (after `cmake --build --preset release` and `fogbank models
fetch`). Starts fogbank with a copy of the manifest whose `objects` calibration is the identity
(confidence = 100 x the detector's score), runs DetectLabels at MinConfidence 0 on
tests/fixtures/objects, and takes each label's best instance as that label's score: a label is
right when the photo shows that object (tests/fixtures/README.md). The street photos of
../shared/testdata/cars/ (one car each, in parking lots) add what they can decide: Car is right
on each, Bus, Train, Airplane and Boat are wrong; Truck, Motorcycle, Bicycle and every other
label are left out, since a pickup is a truck to COCO and the lots hold real trucks and people. Prints every label with its
score, then the precision of the labels in each score band after pooling adjacent bands until
precision rises with the score (pool adjacent violators), so that a calibration drawn from it is
monotone, and the Laplace-smoothed precision ((right + 1) / (n + 2)) of all labels at or above
the band: what MinConfidence set at that band would let through.
"""
import os
import pathlib
import sys
import tempfile

import boto3
import yaml
from botocore.config import Config

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from run import ROOT, Target, free_port  # noqa: E402
from vision_eval import CARS, OBJECTS  # noqa: E402

CAR_PHOTO_RIGHT = {"Car"}
CAR_PHOTO_WRONG = {"Bus", "Train", "Airplane", "Boat"}

BANDS = [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 1.01]


def pooled(bands):
    """Pool adjacent violators over [(lo, hi, right, n)]: precision never falls as scores rise."""
    out = []
    for b in bands:
        out.append(list(b))
        while len(out) > 1 and out[-2][2] / out[-2][3] > out[-1][2] / out[-1][3]:
            lo, _, r, n = out.pop(-2)
            out[-1] = [lo, out[-1][1], out[-1][2] + r, out[-1][3] + n]
    return out


def main():
    manifest = yaml.safe_load((ROOT / "models" / "manifest.yaml").read_text())
    manifest["models"]["objects"]["calibration"] = [[0.0, 0.0], [1.0, 100.0]]
    for spec in manifest["models"].values():
        if not pathlib.Path(spec["file"]).is_absolute():
            spec["file"] = str(ROOT / "models" / "data" / spec["file"])
    with tempfile.TemporaryDirectory() as tmp:
        path = pathlib.Path(tmp) / "manifest.yaml"
        path.write_text(yaml.safe_dump(manifest))
        port = free_port()
        os.environ["FOGBANK_VISION_MANIFEST"] = str(path)
        binary = os.environ.get("FOGBANK_BIN", ROOT / "build" / "release" / "fogbank")
        target = Target("fogbank", port, [binary, "serve", "--port",
                                          str(port), "--data-dir", tmp, "--log-level", "warn"], [])
        rek = boto3.client("rekognition", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                           aws_access_key_id="x", aws_secret_access_key="y",
                           config=Config(retries={"max_attempts": 1}))
        labels = []
        try:
            for name, truth in OBJECTS.items():
                data = (ROOT / "tests" / "fixtures" / "objects" / name).read_bytes()
                for label in rek.detect_labels(Image={"Bytes": data}, MinConfidence=0)["Labels"]:
                    if label["Instances"]:
                        score = max(i["Confidence"] for i in label["Instances"]) / 100
                        labels.append((score, label["Name"] in truth, label["Name"], name))
            for photo in sorted(CARS.glob("*.jpg")) if CARS.is_dir() else []:
                for label in rek.detect_labels(Image={"Bytes": photo.read_bytes()},
                                               MinConfidence=0)["Labels"]:
                    decided = label["Name"] in CAR_PHOTO_RIGHT | CAR_PHOTO_WRONG
                    if label["Instances"] and decided:
                        score = max(i["Confidence"] for i in label["Instances"]) / 100
                        labels.append((score, label["Name"] in CAR_PHOTO_RIGHT, label["Name"],
                                       "cars/" + photo.name))
        finally:
            target.stop()
    labels.sort(reverse=True)
    print("| Peak | Label | Photo | Right |\n|---|---|---|---|")
    for score, right, label, photo in labels:
        print(f"| {score:.3f} | {label} | {photo} | {'yes' if right else 'no'} |")
    bands = []
    for lo, hi in zip(BANDS, BANDS[1:]):
        inside = [right for score, right, _, _ in labels if lo <= score < hi]
        if inside:
            bands.append((lo, hi, sum(inside), len(inside)))
    print("\n| Peak band | Labels | Right | Precision | At or above (smoothed) |\n|---|---|---|---|---|")
    for lo, hi, right, n in pooled(bands):
        above = [r for score, r, _, _ in labels if score >= lo]
        print(f"| {lo:.2f}-{min(hi, 1.0):.2f} | {n} | {right} | {right / n:.2f} | "
              f"{(sum(above) + 1) / (len(above) + 2):.2f} of {len(above)} |")


if __name__ == "__main__":
    main()
