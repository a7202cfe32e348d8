"""DetectText on images the tests render themselves (OpenCV's putText), through boto3."""
import pytest
from botocore.exceptions import ClientError

from conftest import error_of, fixture_bytes, make_client

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")


def render(lines, size=(640, 480), background=(255, 255, 255), color=(0, 0, 0), scale=2.0, base=None):
    """PNG bytes of `lines` [(text, (x, y))] drawn in OpenCV's sans-serif font."""
    img = base.copy() if base is not None else np.full((size[1], size[0], 3), background, np.uint8)
    for text, origin in lines:
        cv2.putText(img, text, origin, cv2.FONT_HERSHEY_DUPLEX, scale, color, 3, cv2.LINE_AA)
    return cv2.imencode(".png", img)[1].tobytes()


def detections(rek, png, **kw):
    return rek.detect_text(Image={"Bytes": png}, **kw)["TextDetections"]


def test_lines_and_words(rek):
    png = render([("HELLO WORLD", (40, 150)), ("fogbank 2026", (40, 330))])
    found = detections(rek, png)
    lines = [d for d in found if d["Type"] == "LINE"]
    words = [d for d in found if d["Type"] == "WORD"]
    assert [line["DetectedText"] for line in lines] == ["HELLO WORLD", "fogbank 2026"]
    assert [w["DetectedText"] for w in words] == ["HELLO", "WORLD", "fogbank", "2026"]
    # Lines take the first Ids; each word names its line.
    assert [d["Id"] for d in found] == list(range(len(found)))
    assert [w["ParentId"] for w in words] == [0, 0, 1, 1]
    assert all("ParentId" not in line for line in lines)
    for d in found:
        assert d["Confidence"] > 80
        box = d["Geometry"]["BoundingBox"]
        assert len(d["Geometry"]["Polygon"]) == 4
        assert 0 <= box["Left"] < 1 and 0 <= box["Top"] < 1 and box["Width"] > 0 and box["Height"] > 0
    hello, world = words[0]["Geometry"]["BoundingBox"], words[1]["Geometry"]["BoundingBox"]
    assert hello["Left"] + hello["Width"] <= world["Left"]
    # The first line is drawn at y=150 of 480, the second at 330.
    assert lines[0]["Geometry"]["BoundingBox"]["Top"] < 150 / 480 < lines[1]["Geometry"]["BoundingBox"]["Top"]


def test_light_text_on_dark_and_on_a_photo(rek, s3):
    png = render([("EXIT 12", (60, 250))], background=(40, 40, 40), color=(250, 250, 250))
    assert [d["DetectedText"] for d in detections(rek, png) if d["Type"] == "LINE"] == ["EXIT 12"]
    photo = cv2.imdecode(np.frombuffer(fixture_bytes("objects/dog.jpg"), np.uint8), cv2.IMREAD_COLOR)
    cv2.rectangle(photo, (20, 20), (330, 90), (255, 255, 255), -1)
    sign = render([("STOP 42", (30, 75))], base=photo, scale=1.6)
    s3.create_bucket(Bucket="signs")
    s3.put_object(Bucket="signs", Key="sign.png", Body=sign)
    found = rek.detect_text(Image={"S3Object": {"Bucket": "signs", "Name": "sign.png"}})["TextDetections"]
    assert [d["DetectedText"] for d in found if d["Type"] == "LINE"] == ["STOP 42"]


def test_no_text(rek):
    assert detections(rek, fixture_bytes("objects/giraffe.jpg")) == []
    assert detections(rek, render([])) == []


def test_filters(rek):
    png = render([("BIG TEXT", (40, 150))], scale=2.5)
    small = render([("BIG TEXT", (40, 150))], scale=2.5,
                   base=cv2.imdecode(np.frombuffer(render([("tiny words", (40, 400))], scale=0.9), np.uint8),
                                     cv2.IMREAD_COLOR))
    assert [d["DetectedText"] for d in detections(rek, png) if d["Type"] == "LINE"] == ["BIG TEXT"]
    both = [d["DetectedText"] for d in detections(rek, small) if d["Type"] == "LINE"]
    assert both == ["BIG TEXT", "tiny words"]
    tall_only = detections(rek, small, Filters={"WordFilter": {"MinBoundingBoxHeight": 0.08}})
    assert [d["DetectedText"] for d in tall_only if d["Type"] == "LINE"] == ["BIG TEXT"]
    lower_half = detections(rek, small, Filters={"RegionsOfInterest": [
        {"BoundingBox": {"Left": 0, "Top": 0.6, "Width": 1, "Height": 0.4}}]})
    assert [d["DetectedText"] for d in lower_half if d["Type"] == "LINE"] == ["tiny words"]
    none = detections(rek, small, Filters={"WordFilter": {"MinConfidence": 100}})
    assert none == []


def test_deterministic(rek):
    png = render([("same answer", (40, 200))])
    first = rek.detect_text(Image={"Bytes": png})
    second = rek.detect_text(Image={"Bytes": png})
    first.pop("ResponseMetadata")
    second.pop("ResponseMetadata")
    assert first == second and first["TextModelVersion"]


def test_bad_input(server, rek):
    with pytest.raises(ClientError) as e:
        rek.detect_text(Image={"Bytes": b"\x89PNG\r\n\x1a\nbroken"})
    assert error_of(e) == ("InvalidImageFormatException", 400)
    raw = make_client(server, "rekognition", parameter_validation=False)
    with pytest.raises(ClientError) as e:
        raw.detect_text(Image={"Bytes": render([])}, Filters={"WordFilter": {"MinConfidence": 150}})
    assert error_of(e) == ("ValidationException", 400)
