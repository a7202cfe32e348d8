#!/usr/bin/python3
"""Accuracy and latency of fogbank's Rekognition on the fixtures, as a Markdown report.

Usage: bench/vision_eval.py [--repeat N]   (after `cmake --build --preset release` and
`fogbank models fetch`). Starts fogbank on a free port and drives it with boto3:

- DetectLabels on tests/fixtures/objects: precision and recall of the object labels (ancestors
  such as Vehicle left out) against each photo's known contents at MinConfidence 55; the
  calibrated confidence of the clear car.
- DetectLabels and DetectText on the street photos of ../shared/testdata/cars/ (one car each,
  its plate in X.txt): Car (or Vehicle) at 90 or more, another vehicle class at 90 or more, and
  the plate's letters and digits within the text found (case and punctuation ignored).
  The same two operations from 4 clients at once (threads, a boto3 client each): latency only.
- DetectFaces on tests/fixtures/faces/test and the object photos: faces found against faces
  there (precision, recall); with Attributes ALL, Smile and the top emotion on four test faces
  labelled by eye (two broad smiles, two closed unsmiling mouths).
- DetectModerationLabels on every fixture photo (all safe): the share answering no label at
  the default MinConfidence 50.
- Face identification: train/ indexed, each face of test/ (cut out of its photo) searched at
  FaceMatchThreshold 80: right, wrong, missed; and a face never indexed must match nobody.
- DetectText on rendered lines in four fonts, three sizes, dark-on-light and light-on-dark:
  word precision and recall (exact match).
- Latency per operation, p50/p99 over N calls per image, measured at the client; and, as the
  same-run baseline, the bare model: JPEG decode and YOLOv5's forward pass for each of
  DetectLabels' two views (OpenCV in Python, the same ONNX file), timed alternately with it
  so that the service's overhead over the bare model reads as a ratio.
"""
import argparse
import concurrent.futures
import os
import pathlib
import statistics
import sys
import time

import boto3
import cv2
import numpy as np
from botocore.config import Config

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from run import ROOT, Target, free_port  # noqa: E402

FIX = ROOT / "tests" / "fixtures"
CARS = ROOT.parent / "shared" / "testdata" / "cars"
OTHER_VEHICLES = {"Truck", "Bus", "Train", "Motorcycle", "Bicycle", "Airplane", "Boat"}
OBJECTS = {  # tests/fixtures/README.md, in Rekognition's names
    "dog.jpg": {"Dog", "Bicycle", "Car", "Truck"},
    "horses.jpg": {"Horse"},
    "person.jpg": {"Person", "Horse", "Dog"},
    "giraffe.jpg": {"Giraffe", "Zebra"},
    "eagle.jpg": {"Bird"},
    "kite.jpg": {"Person", "Kite"},
}
FACES = {"alex_lacamoire1.jpg": 1, "johnsnow_test1.jpg": 1, "obama1.jpg": 1, "obama_small.jpg": 1,
         "kit_with_rose.jpg": 2, "obama_and_biden.jpg": 2, "two_people.jpg": 2}
PEOPLE = {"alex_lacamoire1.jpg": ["alex_lacamoire"], "johnsnow_test1.jpg": ["kit_harington"],
          "obama1.jpg": ["obama"], "obama_small.jpg": ["obama"],
          "kit_with_rose.jpg": ["rose_leslie", "kit_harington"],
          "obama_and_biden.jpg": ["biden", "obama"], "two_people.jpg": ["obama", "biden"]}
PHRASES = ["INVOICE 2041", "Main Street", "fogbank emulator", "OPEN 24 HOURS", "Exit 12 North",
           "quick brown fox", "Parking only", "TOTAL 99.95"]
FONTS = [cv2.FONT_HERSHEY_SIMPLEX, cv2.FONT_HERSHEY_DUPLEX, cv2.FONT_HERSHEY_COMPLEX,
         cv2.FONT_HERSHEY_TRIPLEX]


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def timed(fn, n):
    times, out = [], None
    for _ in range(n):
        t = time.perf_counter()
        out = fn()
        times.append((time.perf_counter() - t) * 1000)
    return out, times


def rendered_text():
    """(png bytes, words) for each rendered case."""
    cases = []
    for i, phrase in enumerate(PHRASES):
        for j, font in enumerate(FONTS):
            scale = [1.0, 1.5, 2.0][(i + j) % 3]
            dark = (i + j) % 2 == 0
            img = np.full((240, 800, 3), 245 if dark else 30, np.uint8)
            cv2.putText(img, phrase, (20, 140), font, scale, (10, 10, 10) if dark else (240, 240, 240),
                        2 if scale < 1.5 else 3, cv2.LINE_AA)
            cases.append((cv2.imencode(".png", img)[1].tobytes(), phrase.split()))
    return cases


def crops(rek, data):
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    h, w = img.shape[:2]
    faces = sorted(rek.detect_faces(Image={"Bytes": data})["FaceDetails"], key=lambda f: f["BoundingBox"]["Left"])
    out = []
    for f in faces:
        b = f["BoundingBox"]
        x0, y0 = int(max(0, (b["Left"] - b["Width"]) * w)), int(max(0, (b["Top"] - b["Height"]) * h))
        x1, y1 = int(min(w, (b["Left"] + 2 * b["Width"]) * w)), int(min(h, (b["Top"] + 2 * b["Height"]) * h))
        out.append(cv2.imencode(".jpg", img[y0:y1, x0:x1])[1].tobytes())
    return out


def plate_of(jpg):
    return jpg.with_suffix(".txt").read_text().split()[-1].upper()


def normalised(text):
    return "".join(ch for ch in text.upper() if ch.isalnum())


SMILES = {"alex_lacamoire1.jpg": True, "obama_small.jpg": True,  # faces/test, labelled by eye
          "obama1.jpg": False, "johnsnow_test1.jpg": False}


def concurrent_cars(client, latency, clients=4):
    """DetectLabels and DetectText over the car photos from `clients` threads at once, each
    with its own boto3 client: the latency a test suite running in parallel sees."""
    photos = [p.read_bytes() for p in sorted(CARS.glob("*.jpg"))]
    for op in ("detect_labels", "detect_text"):
        def work(k):
            rek, times = client(), []
            for data in photos[k::clients]:
                _, t = timed(lambda: getattr(rek, op)(Image={"Bytes": data}), 1)
                times.extend(t)
            return times
        with concurrent.futures.ThreadPoolExecutor(clients) as pool:
            name = {"detect_labels": "DetectLabels", "detect_text": "DetectText"}[op]
            latency[f"{name} (cars, {clients} clients)"] = [t for ts in pool.map(work, range(clients)) for t in ts]


def car_photos(rek, latency):
    """Rows for the car photos: Car at 90+, another vehicle at 90+, plate read."""
    photos = sorted(CARS.glob("*.jpg"))
    car = other = plate = 0
    for jpg in photos:
        data = jpg.read_bytes()
        r, t = timed(lambda: rek.detect_labels(Image={"Bytes": data}), 1)
        latency.setdefault("DetectLabels (cars)", []).extend(t)
        conf = {label["Name"]: label["Confidence"] for label in r["Labels"]}
        car += max(conf.get("Car", 0), conf.get("Vehicle", 0)) >= 90
        other += any(conf.get(v, 0) >= 90 for v in OTHER_VEHICLES)
        r, t = timed(lambda: rek.detect_text(Image={"Bytes": data}), 1)
        latency.setdefault("DetectText (cars)", []).extend(t)
        lines = [normalised(d["DetectedText"]) for d in r["TextDetections"] if d["Type"] == "LINE"]
        plate += any(plate_of(jpg) in line for line in lines)
    n = len(photos)
    return [(f"DetectLabels: Car or Vehicle >= 90 (cars/, {n} photos)", None, car / n, f"{car}/{n}"),
            (f"DetectLabels: another vehicle class >= 90 (cars/)", None, other / n, f"{other}/{n}"),
            (f"DetectText: plate read (cars/, {n} photos)", None, plate / n, f"{plate}/{n}")]


class BareDetector:
    """The baseline: the JPEG decode and a forward pass for each of the views DetectLabels runs
    (the manifest's `views`, each at its scale of the input) on OpenCV's DNN module, the
    runtime fogbank's detector used before oneDNN, with the anchor decode, margins and NMS
    left out. Timed alternately with DetectLabels on the
    same photo, so that this machine's swings in speed land on both sides of the ratio alike."""

    def __init__(self):
        import yaml
        spec = yaml.safe_load((ROOT / "models" / "manifest.yaml").read_text())["models"]["objects"]
        self.sizes = [int(scale) * spec["input"]["width"] for scale, _, _ in spec["views"]]
        self.net = cv2.dnn.readNetFromONNX(str(ROOT / "models" / "data" / spec["file"]))
        self.times = []

    def __call__(self, data):
        t = time.perf_counter()
        img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        for size in self.sizes:
            self.net.setInput(cv2.dnn.blobFromImage(img, 1 / 255, (size, size), swapRB=True))
            self.net.forward(self.net.getUnconnectedOutLayersNames())
        self.times.append((time.perf_counter() - t) * 1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5, help="timed calls per image")
    args = ap.parse_args()
    port = free_port()
    target = Target("fogbank", port, [os.environ.get("FOGBANK_BIN", ROOT / "build" / "release" / "fogbank"), "serve", "--port", str(port),
                                      "--log-level", "warn"], [])
    def client():
        return boto3.client("rekognition", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                            aws_access_key_id="x", aws_secret_access_key="y",
                            config=Config(retries={"max_attempts": 1}))
    rek = client()
    latency = {}
    rows = []
    try:
        # Load every model once so that latencies are warm.
        rek.detect_labels(Image={"Bytes": (FIX / "objects/dog.jpg").read_bytes()})
        rek.detect_text(Image={"Bytes": rendered_text()[0][0]})
        rek.compare_faces(SourceImage={"Bytes": (FIX / "faces/test/obama1.jpg").read_bytes()},
                          TargetImage={"Bytes": (FIX / "faces/test/obama1.jpg").read_bytes()})

        tp = fp = fn = 0
        car = None
        bare = BareDetector()
        for name, truth in OBJECTS.items():
            data = (FIX / "objects" / name).read_bytes()
            for _ in range(args.repeat):
                bare(data)
                r, t = timed(lambda: rek.detect_labels(Image={"Bytes": data}), 1)
                latency.setdefault("DetectLabels", []).extend(t)
            found = {label["Name"] for label in r["Labels"] if label["Instances"]}
            if name == "dog.jpg":
                car = next(label["Confidence"] for label in r["Labels"] if label["Name"] == "Car")
            # Car and Truck are the same pickup: either counts, neither is a false positive.
            tp += len(found & truth)
            fp += len(found - truth)
            fn += len(truth - found - ({"Car", "Truck"} if found & {"Car", "Truck"} else set()))
        rows.append(("DetectLabels (objects/, 6 photos)", tp / (tp + fp), tp / (tp + fn),
                     f"clear car: Car {car:.1f}"))

        if CARS.is_dir():
            rows.extend(car_photos(rek, latency))
            concurrent_cars(client, latency)

        flagged = []
        safe = sorted((FIX / "objects").glob("*.jpg")) + sorted((FIX / "faces/test").glob("*.jpg"))
        for photo in safe:
            data = photo.read_bytes()
            r, t = timed(lambda: rek.detect_moderation_labels(Image={"Bytes": data}), args.repeat)
            latency.setdefault("DetectModerationLabels", []).extend(t)
            if r["ModerationLabels"]:
                flagged.append(photo.name)
        rows.append((f"DetectModerationLabels: safe photos with no label at 50 ({len(safe)})", None,
                     1 - len(flagged) / len(safe), f"flagged: {flagged or 'none'}"))

        right = 0
        for name, smiling in SMILES.items():
            data = (FIX / "faces/test" / name).read_bytes()
            r, t = timed(lambda: rek.detect_faces(Image={"Bytes": data}, Attributes=["ALL"]), args.repeat)
            latency.setdefault("DetectFaces (ALL)", []).extend(t)
            face = r["FaceDetails"][0]
            right += face["Smile"]["Value"] == smiling and (face["Emotions"][0]["Type"] == "HAPPY") == smiling
        rows.append((f"DetectFaces: Smile and top emotion ({len(SMILES)} faces labelled by eye)", None,
                     right / len(SMILES), f"{right}/{len(SMILES)}"))

        tp = fp = fn = 0
        for name, count in FACES.items():
            data = (FIX / "faces/test" / name).read_bytes()
            r, t = timed(lambda: rek.detect_faces(Image={"Bytes": data}), args.repeat)
            latency.setdefault("DetectFaces", []).extend(t)
            n = len(r["FaceDetails"])
            tp, fp, fn = tp + min(n, count), fp + max(0, n - count), fn + max(0, count - n)
        for name in OBJECTS:
            fp += len(rek.detect_faces(Image={"Bytes": (FIX / "objects" / name).read_bytes()})["FaceDetails"])
        rows.append(("DetectFaces (faces/test + objects/)", tp / (tp + fp), tp / (tp + fn),
                     "any face found in objects/ (no frontal faces there) counts as false"))

        rek.create_collection(CollectionId="eval")
        for person in sorted(p.name for p in (FIX / "faces/train").iterdir()):
            for photo in sorted((FIX / "faces/train" / person).iterdir()):
                data = photo.read_bytes()
                _, t = timed(lambda: rek.index_faces(CollectionId="eval", Image={"Bytes": data},
                                                     ExternalImageId=person, MaxFaces=1), 1)
                latency.setdefault("IndexFaces", []).extend(t)
        faces = rek.list_faces(CollectionId="eval")["Faces"]
        by_id = {f["FaceId"]: f["ExternalImageId"] for f in faces}
        # Re-index one-face photos to time IndexFaces warm, then drop the extra faces.
        for person in ["obama", "biden"]:
            data = next((FIX / "faces/train" / person).iterdir()).read_bytes()
            r, t = timed(lambda: rek.index_faces(CollectionId="eval", Image={"Bytes": data}, MaxFaces=1),
                         args.repeat)
            latency["IndexFaces"].extend(t)
        extra = [f["FaceId"] for f in rek.list_faces(CollectionId="eval")["Faces"] if f["FaceId"] not in by_id]
        rek.delete_faces(CollectionId="eval", FaceIds=extra)
        right = wrong = missed = 0
        for name, people in PEOPLE.items():
            for crop, person in zip(crops(rek, (FIX / "faces/test" / name).read_bytes()), people):
                r, t = timed(lambda: rek.search_faces_by_image(CollectionId="eval", Image={"Bytes": crop},
                                                               FaceMatchThreshold=80), args.repeat)
                latency.setdefault("SearchFacesByImage", []).extend(t)
                named = {by_id[m["Face"]["FaceId"]] for m in r["FaceMatches"]}
                if named == {person}:
                    right += 1
                elif named:
                    wrong += 1
                else:
                    missed += 1
        stranger = rek.search_faces_by_image(
            CollectionId="eval", Image={"Bytes": (FIX / "faces/video/lin-manuel-miranda.png").read_bytes()})
        total = right + wrong + missed
        rows.append(("Face identification (train/ indexed, test/ searched at 80)", right / max(1, right + wrong),
                     right / total, f"{right}/{total} right, {wrong} wrong, {missed} missed; "
                                    f"unknown face matched {len(stranger['FaceMatches'])}"))

        tp = fp = fn = 0
        for png, words in rendered_text():
            r, t = timed(lambda: rek.detect_text(Image={"Bytes": png}), max(1, args.repeat // 2))
            latency.setdefault("DetectText", []).extend(t)
            found = [d["DetectedText"] for d in r["TextDetections"] if d["Type"] == "WORD"]
            remaining = list(words)
            for w in found:
                if w in remaining:
                    remaining.remove(w)
                    tp += 1
                else:
                    fp += 1
            fn += len(remaining)
        rows.append((f"DetectText ({len(PHRASES) * len(FONTS)} rendered lines, 4 fonts)", tp / (tp + fp),
                     tp / (tp + fn), "words, exact match"))
    finally:
        target.stop()
    raw = bare.times

    print("| Check | Precision | Recall (or share of photos) | Notes |\n|---|---|---|---|")
    for name, p, r, note in rows:
        print(f"| {name} | {'' if p is None else f'{p:.2f}'} | {r:.2f} | {note} |")
    print("\n| Operation | p50 ms | p99 ms | calls |\n|---|---|---|---|")
    for op, t in latency.items():
        print(f"| {op} | {statistics.median(t):.0f} | {pct(t, 99):.0f} | {len(t)} |")
    labels_p50 = statistics.median(latency["DetectLabels"])
    print(f"| Baseline: decode + YOLOv5s forward at 320 and 640 on OpenCV DNN (Python, alternating) | {statistics.median(raw):.0f} | "
          f"{pct(raw, 99):.0f} | {len(raw)} |")
    print(f"\nDetectLabels p50 (the whole request) / OpenCV's bare forwards p50 = "
          f"{labels_p50 / statistics.median(raw):.2f}")


if __name__ == "__main__":
    main()
