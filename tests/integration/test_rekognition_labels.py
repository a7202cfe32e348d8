"""DetectLabels on photos with known contents (tests/fixtures/objects), through boto3."""
import json
import os
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import Server, cli_json, error_of, fixture_bytes, make_client


def labels_of(resp):
    return {label["Name"]: label for label in resp["Labels"]}


def detect(rek, name, **kw):
    return rek.detect_labels(Image={"Bytes": fixture_bytes("objects/" + name)}, **kw)


@pytest.mark.parametrize("photo,expected", [
    ("dog.jpg", {"Dog", "Bicycle", "Car"}),
    ("giraffe.jpg", {"Giraffe", "Zebra"}),
    ("eagle.jpg", {"Bird"}),
    ("horses.jpg", {"Horse"}),
    ("person.jpg", {"Person", "Dog", "Horse"}),
    ("kite.jpg", {"Kite", "Person"}),
])
def test_known_objects_are_found(rek, photo, expected):
    found = labels_of(detect(rek, photo))
    assert expected <= set(found), sorted(found)
    for name in expected:
        label = found[name]
        assert label["Confidence"] >= 55
        assert label["Instances"], name
        for inst in label["Instances"]:
            box = inst["BoundingBox"]
            assert 0 <= box["Left"] <= 1 and 0 <= box["Top"] <= 1
            assert 0 < box["Width"] <= 1 and 0 < box["Height"] <= 1
            assert box["Left"] + box["Width"] <= 1.0001 and box["Top"] + box["Height"] <= 1.0001


def test_clear_car_is_above_90_with_rekognition_hierarchy(rek):
    resp = detect(rek, "dog.jpg")
    assert resp["LabelModelVersion"] == "3.0"
    found = labels_of(resp)
    car = found["Car"]
    assert car["Confidence"] >= 90
    assert [p["Name"] for p in car["Parents"]] == ["Transportation", "Vehicle"]
    assert {"Name": "Automobile"} in car["Aliases"]
    assert car["Categories"] == [{"Name": "Vehicles and Automotive"}]
    # Ancestors are labels of their own, as confident as their most confident child.
    assert found["Vehicle"]["Confidence"] >= car["Confidence"]
    assert found["Vehicle"]["Parents"] == [{"Name": "Transportation"}]
    assert found["Vehicle"]["Instances"] == []
    assert "Transportation" in found
    # The car is in the upper right of the photo, the dog lower left.
    car_box = car["Instances"][0]["BoundingBox"]
    dog_box = found["Dog"]["Instances"][0]["BoundingBox"]
    assert car_box["Left"] > 0.5 and car_box["Top"] < 0.3
    assert dog_box["Left"] < 0.3 and dog_box["Top"] > 0.3
    # Most confident first.
    confidences = [label["Confidence"] for label in resp["Labels"]]
    assert confidences == sorted(confidences, reverse=True)


def test_instances_counted(rek):
    horses = labels_of(detect(rek, "horses.jpg"))["Horse"]
    assert len(horses["Instances"]) >= 4
    people = labels_of(detect(rek, "kite.jpg"))["Person"]
    assert len(people["Instances"]) >= 5


def test_min_confidence_max_labels_and_filters(rek):
    everything = detect(rek, "dog.jpg", MinConfidence=0)["Labels"]
    strict = detect(rek, "dog.jpg", MinConfidence=90)["Labels"]
    assert strict and len(strict) < len(everything)
    assert all(label["Confidence"] >= 90 for label in strict)
    for label in strict:
        assert all(i["Confidence"] >= 90 for i in label["Instances"])
    assert len(detect(rek, "dog.jpg", MaxLabels=2)["Labels"]) == 2
    only = detect(rek, "dog.jpg", Settings={"GeneralLabels": {"LabelInclusionFilters": ["Dog"]}})
    assert [label["Name"] for label in only["Labels"]] == ["Dog"]
    animals = detect(rek, "person.jpg", Settings={
        "GeneralLabels": {"LabelCategoryInclusionFilters": ["Animals and Pets"]}})
    assert "Person" not in labels_of(animals) and "Dog" in labels_of(animals)


def test_blank_image_has_no_labels(rek):
    cv2 = pytest.importorskip("cv2")
    import numpy as np
    blank = np.full((480, 640, 3), 200, np.uint8)
    ok, png = cv2.imencode(".png", blank)
    assert rek.detect_labels(Image={"Bytes": png.tobytes()})["Labels"] == []


def test_s3_object_input_and_determinism(rek, s3):
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="in/dog.jpg", Body=fixture_bytes("objects/dog.jpg"))
    by_s3 = rek.detect_labels(Image={"S3Object": {"Bucket": "photos", "Name": "in/dog.jpg"}})
    by_bytes = detect(rek, "dog.jpg")
    again = detect(rek, "dog.jpg")
    for r in (by_s3, by_bytes, again):
        r.pop("ResponseMetadata")
    assert by_s3 == by_bytes == again


def test_bad_images(rek, s3):
    with pytest.raises(ClientError) as e:
        rek.detect_labels(Image={"Bytes": b"this is not an image at all"})
    assert error_of(e) == ("InvalidImageFormatException", 400)
    # A JPEG cut short decodes to nothing.
    with pytest.raises(ClientError) as e:
        rek.detect_labels(Image={"Bytes": fixture_bytes("objects/dog.jpg")[:200]})
    assert error_of(e) == ("InvalidImageFormatException", 400)
    # GIF is not a format Rekognition reads.
    with pytest.raises(ClientError) as e:
        rek.detect_labels(Image={"Bytes": b"GIF89a" + b"\0" * 100})
    assert error_of(e) == ("InvalidImageFormatException", 400)
    with pytest.raises(ClientError) as e:
        rek.detect_labels(Image={"Bytes": b"\xff\xd8\xff" + os.urandom(5 * 1024 * 1024)})
    assert error_of(e) == ("ImageTooLargeException", 400)
    # So large that even the request body is over the limit.
    with pytest.raises(ClientError) as e:
        rek.detect_labels(Image={"Bytes": b"\xff\xd8\xff" + os.urandom(13 * 1024 * 1024)})
    assert error_of(e) == ("ImageTooLargeException", 400)
    s3.create_bucket(Bucket="photos")
    with pytest.raises(ClientError) as e:
        rek.detect_labels(Image={"S3Object": {"Bucket": "photos", "Name": "missing.jpg"}})
    assert error_of(e) == ("InvalidS3ObjectException", 400)
    s3.put_object(Bucket="photos", Key="big.jpg", Body=b"\xff\xd8\xff" + b"\0" * (15 * 1024 * 1024 + 1))
    with pytest.raises(ClientError) as e:
        rek.detect_labels(Image={"S3Object": {"Bucket": "photos", "Name": "big.jpg"}})
    assert error_of(e) == ("ImageTooLargeException", 400)


def test_invalid_parameters(server):
    raw = make_client(server, "rekognition", parameter_validation=False)
    image = {"Bytes": fixture_bytes("objects/eagle.jpg")}
    with pytest.raises(ClientError) as e:
        raw.detect_labels()
    assert error_of(e) == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        raw.detect_labels(Image=image, MinConfidence=101)
    assert error_of(e) == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        raw.detect_labels(Image=image, MaxLabels=-1)
    assert error_of(e) == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        raw.detect_labels(Image={"Bytes": image["Bytes"], "S3Object": {"Bucket": "b", "Name": "k"}})
    assert error_of(e) == ("InvalidParameterException", 400)
    with pytest.raises(ClientError) as e:
        raw.detect_labels(Image={})
    assert error_of(e) == ("InvalidParameterException", 400)


def test_cli_and_health(server, s3, tmp_path):
    s3.create_bucket(Bucket="cli-photos")
    s3.put_object(Bucket="cli-photos", Key="eagle.jpg", Body=fixture_bytes("objects/eagle.jpg"))
    out = cli_json(server, "rekognition", "detect-labels", "--image",
                   '{"S3Object":{"Bucket":"cli-photos","Name":"eagle.jpg"}}', "--max-labels", "5")
    assert "Bird" in [label["Name"] for label in out["Labels"]]
    photo = tmp_path / "eagle.jpg"
    photo.write_bytes(fixture_bytes("objects/eagle.jpg"))
    out = cli_json(server, "rekognition", "detect-labels", "--image-bytes", f"fileb://{photo}")
    assert "Bird" in [label["Name"] for label in out["Labels"]]
    with urllib.request.urlopen(server.url + "/_fogbank/health") as r:
        health = json.loads(r.read())
    assert health["services"]["rekognition"] == "running"
    assert health["details"]["rekognition"]["models"]["objects"] == "loaded"


def test_missing_models_are_a_clear_server_error(tmp_path):
    srv = Server(env={"FOGBANK_VISION_MODELS_DIR": str(tmp_path / "no-models")})
    try:
        rek = make_client(srv, "rekognition")
        with pytest.raises(ClientError) as e:
            rek.detect_labels(Image={"Bytes": fixture_bytes("objects/eagle.jpg")})
        assert error_of(e) == ("InternalServerError", 500)
        assert "fogbank models fetch" in str(e.value)
        # Bad input is still judged before any model is needed, and the server stays up.
        with pytest.raises(ClientError) as e:
            rek.detect_labels(Image={"Bytes": b"not an image"})
        assert error_of(e) == ("InvalidImageFormatException", 400)
        assert rek.create_collection(CollectionId="fine")["StatusCode"] == 200
        with urllib.request.urlopen(srv.url + "/_fogbank/health") as r:
            models = json.loads(r.read())["details"]["rekognition"]["models"]
        assert "fogbank models fetch" in models["objects"]
    finally:
        srv.cleanup()


def test_concurrent_requests_all_answered_alike(server):
    """More images at once than inference slots: they queue, and every answer is the same."""
    from concurrent.futures import ThreadPoolExecutor
    data = fixture_bytes("objects/horses.jpg")

    clients = [make_client(server, "rekognition") for _ in range(16)]  # boto3 builds clients unsafely in threads

    def one(client):
        r = client.detect_labels(Image={"Bytes": data})
        r.pop("ResponseMetadata")
        return json.dumps(r, sort_keys=True)

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(one, clients))
    assert len(set(answers)) == 1 and "Horse" in answers[0]
    # The server kept serving other services meanwhile.
    assert make_client(server, "s3").list_buckets()["Buckets"] == []


def server_with_objects_model(tmp_path, **changes):
    """A server whose manifest is the project's with DetectLabels' model entry changed."""
    import yaml
    from conftest import ROOT
    manifest = yaml.safe_load((ROOT / "models" / "manifest.yaml").read_text())
    assert len(manifest["models"]["objects"]["views"]) == 2
    manifest["models"]["objects"].update(changes)
    path = tmp_path / "manifest.yaml"
    path.write_text(yaml.safe_dump(manifest))
    return Server(config=f"vision:\n  manifest: {path}\n  models_dir: {ROOT / 'models' / 'data'}\n")


def test_the_manifests_views_are_the_ones_run(tmp_path):
    """The coarse view alone (the manifest's speed setting) still names the car, but misses the
    small people that the default's 640 px view finds."""
    default = Server()
    coarse = server_with_objects_model(tmp_path, views=[[1, 1.3, 1.0]])
    try:
        counts = []
        for srv in (default, coarse):
            rek = make_client(srv, "rekognition")
            assert "Car" in labels_of(detect(rek, "dog.jpg"))
            counts.append(len(labels_of(detect(rek, "kite.jpg"))["Person"]["Instances"]))
        assert counts[0] >= 5 and counts[1] < counts[0], counts
    finally:
        default.stop()
        coarse.stop()


def test_a_model_file_that_is_not_onnx_is_refused_not_run(tmp_path):
    """An unpinned detector file that is no ONNX model (here, a JPEG) is refused by fogbank's
    own ONNX reader with a server error naming it; the server stays up."""
    (tmp_path / "yolov5s.onnx").write_bytes(fixture_bytes("objects/eagle.jpg"))
    srv = server_with_objects_model(tmp_path, file=str(tmp_path / "yolov5s.onnx"), sha256=None)
    try:
        rek = make_client(srv, "rekognition")
        with pytest.raises(ClientError) as e:
            rek.detect_labels(Image={"Bytes": fixture_bytes("objects/eagle.jpg")})
        assert error_of(e) == ("InternalServerError", 500)
        assert "is not an ONNX model fogbank reads" in str(e.value)
        # Other models still load and answer.
        faces = rek.detect_faces(Image={"Bytes": fixture_bytes("faces/test/obama1.jpg")})
        assert len(faces["FaceDetails"]) == 1
    finally:
        srv.cleanup()
