"""DetectFaces and CompareFaces on photos of known people (tests/fixtures/faces), via boto3."""
import pytest
from botocore.exceptions import ClientError

from conftest import error_of, fixture_bytes, make_client


def image(relative):
    return {"Bytes": fixture_bytes(relative)}


@pytest.mark.parametrize("photo,count", [
    ("faces/test/obama1.jpg", 1),
    ("faces/test/alex_lacamoire1.jpg", 1),
    ("faces/test/obama_small.jpg", 1),
    ("faces/test/kit_with_rose.jpg", 2),
    ("faces/test/obama_and_biden.jpg", 2),
    ("faces/test/two_people.jpg", 2),
    ("objects/eagle.jpg", 0),
    ("objects/giraffe.jpg", 0),
])
def test_faces_counted(rek, photo, count):
    assert len(rek.detect_faces(Image=image(photo))["FaceDetails"]) == count


def test_default_face_detail(rek):
    faces = rek.detect_faces(Image=image("faces/test/obama1.jpg"))["FaceDetails"]
    face = faces[0]
    assert set(face) == {"BoundingBox", "Landmarks", "Pose", "Quality", "Confidence"}
    assert face["Confidence"] > 99
    box = face["BoundingBox"]
    marks = {m["Type"]: m for m in face["Landmarks"]}
    assert set(marks) == {"eyeLeft", "eyeRight", "nose", "mouthLeft", "mouthRight"}
    for m in marks.values():
        assert box["Left"] <= m["X"] <= box["Left"] + box["Width"]
        assert box["Top"] <= m["Y"] <= box["Top"] + box["Height"]
    assert marks["eyeLeft"]["X"] < marks["nose"]["X"] < marks["eyeRight"]["X"]
    assert marks["eyeLeft"]["Y"] < marks["nose"]["Y"] < marks["mouthLeft"]["Y"]
    assert all(-180 <= face["Pose"][k] <= 180 for k in ("Roll", "Yaw", "Pitch"))
    assert abs(face["Pose"]["Roll"]) < 20  # an upright portrait
    assert 0 < face["Quality"]["Brightness"] < 100 and 0 < face["Quality"]["Sharpness"] <= 100


def test_unknown_attribute(server):
    raw = make_client(server, "rekognition", parameter_validation=False)
    with pytest.raises(ClientError) as e:
        raw.detect_faces(Image=image("faces/test/obama1.jpg"), Attributes=["NOSE"])
    assert error_of(e) == ("ValidationException", 400)


def test_all_attributes(rek):
    face = rek.detect_faces(Image=image("faces/test/obama1.jpg"), Attributes=["ALL"])["FaceDetails"][0]
    assert len(face["Landmarks"]) == 30
    assert face["EyesOpen"]["Value"] is True and face["EyesOpen"]["Confidence"] > 50
    assert set(face["MouthOpen"]) == {"Value", "Confidence"}
    assert face["Gender"]["Value"] == "Male" and face["Gender"]["Confidence"] > 80
    assert 10 <= face["AgeRange"]["Low"] < face["AgeRange"]["High"] <= 90


EMOTION_TYPES = {"HAPPY", "SAD", "ANGRY", "CONFUSED", "DISGUSTED", "SURPRISED", "CALM", "FEAR"}


def test_smile_and_emotions_on_smiling_and_unsmiling_faces(rek):
    # Looked at by eye: two broad smiles, two closed mouths with no smile.
    for photo, smiling in [("faces/test/alex_lacamoire1.jpg", True), ("faces/test/obama_small.jpg", True),
                           ("faces/test/obama1.jpg", False), ("faces/test/johnsnow_test1.jpg", False)]:
        face = rek.detect_faces(Image=image(photo), Attributes=["ALL"])["FaceDetails"][0]
        assert face["Smile"]["Value"] is smiling and face["Smile"]["Confidence"] > 80, (photo, face["Smile"])
        emotions = face["Emotions"]
        assert {e["Type"] for e in emotions} <= EMOTION_TYPES and len(emotions) >= 7
        confidences = [e["Confidence"] for e in emotions]
        assert confidences == sorted(confidences, reverse=True), photo
        assert 99 <= sum(confidences) <= 101  # one distribution over the expressions
        assert (emotions[0]["Type"] == "HAPPY") is smiling, (photo, emotions[:2])
    # DEFAULT attributes carry neither.
    plain = rek.detect_faces(Image=image("faces/test/obama_small.jpg"))["FaceDetails"][0]
    assert "Smile" not in plain and "Emotions" not in plain
    # A named attribute asks for the full detail, as it does for the others.
    named = rek.detect_faces(Image=image("faces/test/obama_small.jpg"), Attributes=["EMOTIONS"])["FaceDetails"][0]
    assert named["Emotions"][0]["Type"] == "HAPPY" and named["Smile"]["Value"] is True


def test_index_faces_face_detail_has_emotions(rek):
    rek.create_collection(CollectionId="moods")
    r = rek.index_faces(CollectionId="moods", Image=image("faces/test/alex_lacamoire1.jpg"), DetectionAttributes=["ALL"])
    detail = r["FaceRecords"][0]["FaceDetail"]
    assert detail["Smile"]["Value"] is True and detail["Emotions"][0]["Type"] == "HAPPY"


def test_gender_of_each_known_person(rek):
    for photo, gender in [("faces/train/rose_leslie/img1.jpg", "Female"),
                          ("faces/train/rose_leslie/img2.jpg", "Female"),
                          ("faces/train/biden/biden.jpg", "Male"),
                          ("faces/train/kit_harington/john1.jpeg", "Male"),
                          ("faces/train/alex_lacamoire/img1.jpg", "Male")]:
        face = rek.detect_faces(Image=image(photo), Attributes=["ALL"])["FaceDetails"][0]
        assert face["Gender"]["Value"] == gender, photo
    # Joe Biden reads older than Kit Harington.
    biden = rek.detect_faces(Image=image("faces/train/biden/biden.jpg"), Attributes=["ALL"])["FaceDetails"][0]
    kit = rek.detect_faces(Image=image("faces/train/kit_harington/john1.jpeg"), Attributes=["ALL"])["FaceDetails"][0]
    assert biden["AgeRange"]["High"] > kit["AgeRange"]["High"]


def test_faces_left_to_right_and_deterministic(rek):
    first = rek.detect_faces(Image=image("faces/test/two_people.jpg"))
    second = rek.detect_faces(Image=image("faces/test/two_people.jpg"))
    first.pop("ResponseMetadata")
    second.pop("ResponseMetadata")
    assert first == second


def test_compare_faces(rek):
    same = rek.compare_faces(SourceImage=image("faces/train/obama/obama.jpg"),
                             TargetImage=image("faces/test/obama1.jpg"))
    assert len(same["FaceMatches"]) == 1 and same["UnmatchedFaces"] == []
    assert same["FaceMatches"][0]["Similarity"] >= 90
    assert same["SourceImageFace"]["Confidence"] > 90
    # Obama is the left face of two_people.jpg; Biden on the right stays unmatched.
    pair = rek.compare_faces(SourceImage=image("faces/train/obama/obama2.jpg"),
                             TargetImage=image("faces/test/two_people.jpg"))
    assert len(pair["FaceMatches"]) == 1 and len(pair["UnmatchedFaces"]) == 1
    assert pair["FaceMatches"][0]["Face"]["BoundingBox"]["Left"] < pair["UnmatchedFaces"][0]["BoundingBox"]["Left"]
    other = rek.compare_faces(SourceImage=image("faces/train/biden/biden.jpg"),
                              TargetImage=image("faces/test/alex_lacamoire1.jpg"))
    assert other["FaceMatches"] == [] and len(other["UnmatchedFaces"]) == 1
    low = rek.compare_faces(SourceImage=image("faces/train/biden/biden.jpg"),
                            TargetImage=image("faces/test/alex_lacamoire1.jpg"), SimilarityThreshold=0)
    assert len(low["FaceMatches"]) == 1 and low["FaceMatches"][0]["Similarity"] < 50


def test_compare_faces_needs_faces(rek):
    with pytest.raises(ClientError) as e:
        rek.compare_faces(SourceImage=image("objects/eagle.jpg"), TargetImage=image("faces/test/obama1.jpg"))
    assert error_of(e) == ("InvalidParameterException", 400)
    with pytest.raises(ClientError) as e:
        rek.compare_faces(SourceImage=image("faces/test/obama1.jpg"), TargetImage=image("objects/eagle.jpg"))
    assert error_of(e) == ("InvalidParameterException", 400)
    with pytest.raises(ClientError) as e:
        rek.compare_faces(SourceImage={"Bytes": b"not an image"}, TargetImage=image("faces/test/obama1.jpg"))
    assert error_of(e) == ("InvalidImageFormatException", 400)
