"""Pinned answers: an override file makes DetectLabels/DetectText/DetectFaces return a declared
response for matching images, and says so in a header."""
import hashlib
import json

import pytest

from conftest import Server, fixture_bytes, make_client


@pytest.fixture
def pinned(tmp_path):
    eagle_sha = hashlib.sha256(fixture_bytes("objects/eagle.jpg")).hexdigest()
    rules = {"overrides": [
        {"name": "cars-are-cars", "operation": "DetectLabels", "key": "cars/*.jpg",
         "response": {"Labels": [{"Name": "Car", "Confidence": 99.5, "Instances": [], "Parents": []}],
                      "LabelModelVersion": "3.0"}},
        {"operation": "DetectText", "sha256": eagle_sha.upper(),
         "response": {"TextDetections": [{"DetectedText": "EAGLE", "Type": "LINE", "Id": 0,
                                          "Confidence": 99.0}], "TextModelVersion": "3.0"}},
    ]}
    path = tmp_path / "overrides.yaml"
    path.write_text(json.dumps(rules))  # JSON is YAML
    srv = Server(config=f"vision:\n  overrides: {path}\n")
    yield srv
    srv.cleanup()


def test_overrides_by_key_and_by_sha256(pinned):
    rek, s3 = make_client(pinned, "rekognition"), make_client(pinned, "s3")
    s3.create_bucket(Bucket="pinned")
    s3.put_object(Bucket="pinned", Key="cars/1.jpg", Body=fixture_bytes("objects/giraffe.jpg"))
    s3.put_object(Bucket="pinned", Key="animals/1.jpg", Body=fixture_bytes("objects/giraffe.jpg"))
    r = rek.detect_labels(Image={"S3Object": {"Bucket": "pinned", "Name": "cars/1.jpg"}})
    assert [label["Name"] for label in r["Labels"]] == ["Car"]
    assert r["ResponseMetadata"]["HTTPHeaders"]["x-fogbank-override"] == "cars-are-cars"
    # The same pixels under another key go to the model, and carry no header.
    r = rek.detect_labels(Image={"S3Object": {"Bucket": "pinned", "Name": "animals/1.jpg"}})
    assert "Giraffe" in [label["Name"] for label in r["Labels"]]
    assert "x-fogbank-override" not in r["ResponseMetadata"]["HTTPHeaders"]
    # A rule for one operation leaves the others to the model.
    r = rek.detect_text(Image={"Bytes": fixture_bytes("objects/eagle.jpg")})
    assert [d["DetectedText"] for d in r["TextDetections"]] == ["EAGLE"]
    assert r["ResponseMetadata"]["HTTPHeaders"]["x-fogbank-override"] == "rule-1"
    r = rek.detect_labels(Image={"Bytes": fixture_bytes("objects/eagle.jpg")})
    assert "Bird" in [label["Name"] for label in r["Labels"]]
    assert "x-fogbank-override" not in r["ResponseMetadata"]["HTTPHeaders"]


@pytest.mark.parametrize("rules", [
    {"overrides": [{"operation": "IndexFaces", "key": "*", "response": {}}]},
    {"overrides": [{"key": "*", "sha256": "ab", "response": {}}]},
    {"overrides": [{"key": "*"}]},
])
def test_bad_override_file_stops_start(tmp_path, rules):
    path = tmp_path / "overrides.yaml"
    path.write_text(json.dumps(rules))
    with pytest.raises(RuntimeError, match="overrides"):
        Server(config=f"vision:\n  overrides: {path}\n")
