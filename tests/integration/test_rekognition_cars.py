"""DetectLabels on real street photos of cars (../shared/testdata/cars: openalpr's benchmark
photos, read in place, never copied): a sample of every third photo, through boto3.

The bars sit just under the level reached today (16 of the 19 sampled photos), so that a
change that makes Rekognition worse on real photos fails here; bench/vision_eval.py measures the whole set against issue 14's goals
(Car at 90 or more on 95 % of the photos).
"""
import os
import pathlib

import pytest

CARS = pathlib.Path(os.environ.get("FOGBANK_CARS_DIR",
                                   pathlib.Path(__file__).resolve().parents[3] / "shared" / "testdata" / "cars"))
OTHER_VEHICLES = {"Truck", "Bus", "Train", "Motorcycle", "Bicycle", "Airplane", "Boat"}

pytestmark = pytest.mark.skipif(not CARS.is_dir(), reason=f"no car photos at {CARS}")


def sample():
    return sorted(CARS.glob("*.jpg"))[::3]


def test_a_car_at_rekognition_confidence_on_real_photos(rek):
    photos = sample()
    assert len(photos) >= 15
    sure, named_otherwise = [], []
    for jpg in photos:
        labels = {label["Name"]: label for label in rek.detect_labels(Image={"Bytes": jpg.read_bytes()})["Labels"]}
        car = max(labels.get("Car", {}).get("Confidence", 0), labels.get("Vehicle", {}).get("Confidence", 0))
        if car >= 90:
            sure.append(jpg.stem)
        if any(labels.get(v, {}).get("Confidence", 0) >= 90 for v in OTHER_VEHICLES):
            named_otherwise.append(jpg.stem)
        # Whatever the confidence, a car photo's labels put the car in its family tree.
        if "Car" in labels:
            assert {p["Name"] for p in labels["Car"]["Parents"]} >= {"Vehicle", "Transportation"}
            assert labels["Vehicle"]["Confidence"] >= labels["Car"]["Confidence"]
    assert len(sure) >= 0.78 * len(photos), f"Car >= 90 on {len(sure)} of {len(photos)}: {sure}"
    assert len(named_otherwise) <= 1, named_otherwise


def test_min_confidence_filters_the_same_answer(rek):
    data = sample()[0].read_bytes()
    everything = rek.detect_labels(Image={"Bytes": data}, MinConfidence=0)["Labels"]
    strict = rek.detect_labels(Image={"Bytes": data}, MinConfidence=90)["Labels"]
    assert {label["Name"] for label in strict} == {label["Name"] for label in everything if label["Confidence"] >= 90}
