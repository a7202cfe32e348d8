"""DetectModerationLabels through boto3 and the AWS CLI: nsfwjs's classifier run on the pixels,
its classes reported in Rekognition's top-level moderation categories. The fixtures are all safe
photos (animals, people, kites), so at the default MinConfidence (50) they answer no labels;
with MinConfidence 0 the measured categories come back with the classifier's (small) confidences.
The JS SDK suite checks ContentTypes (Illustrated) on a drawing: Debian's botocore predates it.
"""
import pytest
from botocore.exceptions import ClientError

from conftest import FIXTURES, cli_json, error_of, fixture_bytes, make_client

MEASURED = {"Explicit", "Swimwear or Underwear"}


def safe_photos():
    return sorted(FIXTURES.glob("objects/*.jpg")) + sorted(FIXTURES.glob("faces/test/*.jpg"))


def test_safe_photos_answer_no_labels(rek):
    photos = safe_photos()
    assert len(photos) >= 10
    for photo in photos:
        r = rek.detect_moderation_labels(Image={"Bytes": photo.read_bytes()})
        assert r["ModerationLabels"] == [], (photo.name, r["ModerationLabels"])
        assert r["ModerationModelVersion"] == "7.0"


def test_min_confidence_zero_shows_what_was_measured(rek):
    data = fixture_bytes("objects/person.jpg")
    labels = rek.detect_moderation_labels(Image={"Bytes": data}, MinConfidence=0)["ModerationLabels"]
    assert {label["Name"] for label in labels} == MEASURED
    assert all(label["ParentName"] == "" for label in labels)
    confidences = [label["Confidence"] for label in labels]
    assert confidences == sorted(confidences, reverse=True)
    assert all(0 < c < 50 for c in confidences)  # a safe photo: measured, and low
    # MinConfidence filters the same answer, and the answer is the same every time.
    cut = sorted(confidences)[0] + 1e-3
    assert [label["Name"] for label in rek.detect_moderation_labels(Image={"Bytes": data}, MinConfidence=cut)["ModerationLabels"]] == [labels[0]["Name"]]
    again = rek.detect_moderation_labels(Image={"Bytes": data}, MinConfidence=0)["ModerationLabels"]
    assert again == labels


def test_from_s3_as_from_bytes(rek, s3):
    s3.create_bucket(Bucket="moderated")
    s3.put_object(Bucket="moderated", Key="kite.jpg", Body=fixture_bytes("objects/kite.jpg"))
    from_s3 = rek.detect_moderation_labels(Image={"S3Object": {"Bucket": "moderated", "Name": "kite.jpg"}}, MinConfidence=0)
    from_bytes = rek.detect_moderation_labels(Image={"Bytes": fixture_bytes("objects/kite.jpg")}, MinConfidence=0)
    assert from_s3["ModerationLabels"] == from_bytes["ModerationLabels"]


def test_bad_input(server):
    raw = make_client(server, "rekognition", parameter_validation=False)
    image = {"Bytes": fixture_bytes("objects/eagle.jpg")}
    for kwargs, expected in [
        (dict(Image=image, MinConfidence=101), ("ValidationException", 400)),
        (dict(Image=image, MinConfidence=-1), ("ValidationException", 400)),
        (dict(), ("ValidationException", 400)),
        (dict(Image={"Bytes": b"not an image"}), ("InvalidImageFormatException", 400)),
        (dict(Image={"S3Object": {"Bucket": "nowhere", "Name": "x.jpg"}}), ("InvalidS3ObjectException", 400)),
    ]:
        with pytest.raises(ClientError) as e:
            raw.detect_moderation_labels(**kwargs)
        assert error_of(e) == expected, kwargs


def test_cli(server, tmp_path):
    photo = tmp_path / "dog.jpg"
    photo.write_bytes(fixture_bytes("objects/dog.jpg"))
    out = cli_json(server, "rekognition", "detect-moderation-labels", "--image-bytes", f"fileb://{photo}")
    assert out["ModerationLabels"] == [] and out["ModerationModelVersion"] == "7.0"
    out = cli_json(server, "rekognition", "detect-moderation-labels", "--image-bytes", f"fileb://{photo}",
                   "--min-confidence", "0")
    assert {label["Name"] for label in out["ModerationLabels"]} == MEASURED
