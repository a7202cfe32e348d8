"""Face collections: index the people of tests/fixtures/faces/train, identify those of test/."""
import pathlib

import pytest
from botocore.exceptions import ClientError

from conftest import FIXTURES, Server, cli_json, error_of, fixture_bytes, make_client, run_cli

TRAIN = FIXTURES / "faces" / "train"
# Who is in each test photo, left to right (checked by eye).
TEST_PEOPLE = {
    "alex_lacamoire1.jpg": ["alex_lacamoire"],
    "johnsnow_test1.jpg": ["kit_harington"],
    "obama1.jpg": ["obama"],
    "obama_small.jpg": ["obama"],
    "kit_with_rose.jpg": ["rose_leslie", "kit_harington"],
    "obama_and_biden.jpg": ["biden", "obama"],
    "two_people.jpg": ["obama", "biden"],
}


def image(relative):
    return {"Bytes": fixture_bytes(relative)}


def index_train(rek, collection="people"):
    rek.create_collection(CollectionId=collection)
    ids = {}
    for person in sorted(p.name for p in TRAIN.iterdir()):
        for photo in sorted((TRAIN / person).iterdir()):
            r = rek.index_faces(CollectionId=collection, Image={"Bytes": photo.read_bytes()},
                                ExternalImageId=person, MaxFaces=1)
            assert len(r["FaceRecords"]) == 1, photo
            ids[r["FaceRecords"][0]["Face"]["FaceId"]] = person
    return ids


def face_crops(rek, photo_bytes):
    """Each face of a photo cut out with a margin, left to right, as JPEG bytes."""
    cv2 = pytest.importorskip("cv2")
    import numpy as np
    img = cv2.imdecode(np.frombuffer(photo_bytes, np.uint8), cv2.IMREAD_COLOR)
    h, w = img.shape[:2]
    faces = rek.detect_faces(Image={"Bytes": photo_bytes})["FaceDetails"]
    crops = []
    for f in sorted(faces, key=lambda f: f["BoundingBox"]["Left"]):
        b = f["BoundingBox"]
        x0, y0 = int(max(0, (b["Left"] - b["Width"]) * w)), int(max(0, (b["Top"] - b["Height"]) * h))
        x1 = int(min(w, (b["Left"] + 2 * b["Width"]) * w))
        y1 = int(min(h, (b["Top"] + 2 * b["Height"]) * h))
        crops.append(cv2.imencode(".jpg", img[y0:y1, x0:x1])[1].tobytes())
    return crops


def test_collection_lifecycle(rek):
    created = rek.create_collection(CollectionId="famouspersons", Tags={"team": "vision"})
    assert created["StatusCode"] == 200
    assert created["CollectionArn"] == "aws:rekognition:us-east-1:000000000000:collection/famouspersons"
    assert created["FaceModelVersion"]
    with pytest.raises(ClientError) as e:
        rek.create_collection(CollectionId="famouspersons")
    assert error_of(e) == ("ResourceAlreadyExistsException", 400)
    described = rek.describe_collection(CollectionId="famouspersons")
    assert described["FaceCount"] == 0 and described["CollectionARN"] == created["CollectionArn"]
    for name in ["b-coll", "a-coll", "c.coll"]:
        rek.create_collection(CollectionId=name)
    listed = rek.list_collections()
    assert listed["CollectionIds"] == ["a-coll", "b-coll", "c.coll", "famouspersons"]
    assert len(listed["FaceModelVersions"]) == 4
    page = rek.list_collections(MaxResults=3)
    assert page["CollectionIds"] == ["a-coll", "b-coll", "c.coll"]
    rest = rek.list_collections(MaxResults=3, NextToken=page["NextToken"])
    assert rest["CollectionIds"] == ["famouspersons"] and "NextToken" not in rest
    paginated = [c for p in rek.get_paginator("list_collections").paginate(PaginationConfig={"PageSize": 2})
                 for c in p["CollectionIds"]]
    assert paginated == listed["CollectionIds"]
    assert rek.delete_collection(CollectionId="famouspersons")["StatusCode"] == 200
    for call in (lambda: rek.delete_collection(CollectionId="famouspersons"),
                 lambda: rek.describe_collection(CollectionId="famouspersons"),
                 lambda: rek.list_faces(CollectionId="famouspersons"),
                 lambda: rek.index_faces(CollectionId="famouspersons", Image=image("faces/test/obama1.jpg")),
                 lambda: rek.search_faces_by_image(CollectionId="famouspersons",
                                                   Image=image("faces/test/obama1.jpg"))):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == ("ResourceNotFoundException", 400)


def test_collection_id_validation(server):
    raw = make_client(server, "rekognition", parameter_validation=False)
    for bad in ["has space", "slash/", "", "x" * 256]:
        with pytest.raises(ClientError) as e:
            raw.create_collection(CollectionId=bad)
        assert error_of(e) == ("ValidationException", 400), bad
    raw.create_collection(CollectionId="ok")
    with pytest.raises(ClientError) as e:
        raw.index_faces(CollectionId="ok", Image=image("faces/test/obama1.jpg"), ExternalImageId="no spaces")
    assert error_of(e) == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        raw.index_faces(CollectionId="ok", Image=image("faces/test/obama1.jpg"), DetectionAttributes=["NOSE"])
    assert error_of(e) == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        raw.index_faces(CollectionId="ok", Image=image("faces/test/obama1.jpg"), MaxFaces=0)
    assert error_of(e) == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        raw.search_faces_by_image(CollectionId="ok", Image=image("faces/test/obama1.jpg"),
                                  FaceMatchThreshold=120)
    assert error_of(e) == ("ValidationException", 400)
    with pytest.raises(ClientError) as e:
        raw.delete_faces(CollectionId="ok", FaceIds=["not-a-face-id"])
    assert error_of(e) == ("ValidationException", 400)


def test_every_test_face_identified_and_no_false_match(rek):
    ids = index_train(rek)
    assert rek.describe_collection(CollectionId="people")["FaceCount"] == len(ids) == 9
    for photo, people in TEST_PEOPLE.items():
        crops = face_crops(rek, fixture_bytes("faces/test/" + photo))
        assert len(crops) == len(people), photo
        for crop, person in zip(crops, people):
            matches = rek.search_faces_by_image(CollectionId="people", Image={"Bytes": crop},
                                                FaceMatchThreshold=80)["FaceMatches"]
            assert matches, (photo, person)
            named = {m["Face"]["ExternalImageId"] for m in matches}
            assert named == {person}, (photo, person, named)
            assert all(ids[m["Face"]["FaceId"]] == person for m in matches)
    # Someone who was never indexed matches nobody.
    unknown = rek.search_faces_by_image(CollectionId="people",
                                        Image=image("faces/video/lin-manuel-miranda.png"))
    assert unknown["FaceMatches"] == []
    assert unknown["SearchedFaceConfidence"] > 90


def test_search_faces_by_id_and_by_image(rek):
    ids = index_train(rek)
    obama = [face_id for face_id, person in ids.items() if person == "obama"]
    r = rek.search_faces(CollectionId="people", FaceId=obama[0])
    assert r["SearchedFaceId"] == obama[0]
    assert [m["Face"]["FaceId"] for m in r["FaceMatches"]] == [obama[1]]
    r = rek.search_faces_by_image(CollectionId="people", Image=image("faces/test/obama1.jpg"), MaxFaces=1)
    assert len(r["FaceMatches"]) == 1 and r["FaceMatches"][0]["Similarity"] >= 80
    box = r["SearchedFaceBoundingBox"]
    assert 0 < box["Width"] < 1 and 0 < box["Height"] < 1
    # Everything, most similar first, once the threshold is 0.
    everyone = rek.search_faces_by_image(CollectionId="people", Image=image("faces/test/obama1.jpg"),
                                         FaceMatchThreshold=0, MaxFaces=100)["FaceMatches"]
    assert len(everyone) == 9
    sims = [m["Similarity"] for m in everyone]
    assert sims == sorted(sims, reverse=True)
    with pytest.raises(ClientError) as e:
        rek.search_faces_by_image(CollectionId="people", Image=image("objects/eagle.jpg"))
    assert error_of(e) == ("InvalidParameterException", 400)
    with pytest.raises(ClientError) as e:
        rek.search_faces(CollectionId="people", FaceId="00000000-0000-4000-8000-000000000000")
    assert error_of(e) == ("InvalidParameterException", 400)


def test_empty_collection_search(rek):
    rek.create_collection(CollectionId="empty")
    r = rek.search_faces_by_image(CollectionId="empty", Image=image("faces/test/obama1.jpg"))
    assert r["FaceMatches"] == []


def test_index_faces_limits_list_and_delete(rek, s3):
    rek.create_collection(CollectionId="group")
    s3.create_bucket(Bucket="photos")
    s3.put_object(Bucket="photos", Key="index/pair.jpg", Body=fixture_bytes("faces/test/kit_with_rose.jpg"))
    one = rek.index_faces(CollectionId="group", MaxFaces=1, ExternalImageId="pair.jpg",
                          Image={"S3Object": {"Bucket": "photos", "Name": "index/pair.jpg"}})
    assert len(one["FaceRecords"]) == 1
    assert [u["Reasons"] for u in one["UnindexedFaces"]] == [["EXCEEDS_MAX_FACES"]]
    record = one["FaceRecords"][0]
    assert record["Face"]["ExternalImageId"] == "pair.jpg"
    assert record["FaceDetail"]["BoundingBox"] == record["Face"]["BoundingBox"]
    both = rek.index_faces(CollectionId="group", Image=image("faces/test/kit_with_rose.jpg"),
                           DetectionAttributes=["ALL"])
    assert len(both["FaceRecords"]) == 2 and both["UnindexedFaces"] == []
    assert len(both["FaceRecords"][0]["FaceDetail"]["Landmarks"]) == 30
    assert len({r["Face"]["ImageId"] for r in both["FaceRecords"]}) == 1
    nothing = rek.index_faces(CollectionId="group", Image=image("objects/eagle.jpg"))
    assert nothing["FaceRecords"] == [] and nothing["UnindexedFaces"] == []

    faces = rek.list_faces(CollectionId="group")["Faces"]
    assert len(faces) == 3
    assert [f["FaceId"] for f in faces] == sorted(f["FaceId"] for f in faces)
    first = rek.list_faces(CollectionId="group", MaxResults=2)
    assert len(first["Faces"]) == 2
    second = rek.list_faces(CollectionId="group", MaxResults=2, NextToken=first["NextToken"])
    assert [f["FaceId"] for f in first["Faces"] + second["Faces"]] == [f["FaceId"] for f in faces]

    gone = faces[0]["FaceId"]
    missing = "00000000-0000-4000-8000-000000000000"
    r = rek.delete_faces(CollectionId="group", FaceIds=[gone, missing])
    assert r["DeletedFaces"] == [gone]
    # (Debian's botocore predates UnsuccessfulFaceDeletions; the JS SDK test reads it.)
    assert rek.describe_collection(CollectionId="group")["FaceCount"] == 2


def test_collections_survive_restart(tmp_path):
    srv = Server(data_dir=tmp_path / "data")
    try:
        rek = make_client(srv, "rekognition")
        rek.create_collection(CollectionId="kept")
        face_id = rek.index_faces(CollectionId="kept", Image=image("faces/train/obama/obama.jpg"),
                                  ExternalImageId="obama")["FaceRecords"][0]["Face"]["FaceId"]
        srv.stop()
        srv.start()
        assert rek.describe_collection(CollectionId="kept")["FaceCount"] == 1
        match = rek.search_faces_by_image(CollectionId="kept", Image=image("faces/test/obama1.jpg"))
        assert [m["Face"]["FaceId"] for m in match["FaceMatches"]] == [face_id]
    finally:
        srv.cleanup()


def test_famous_persons_recipe_with_the_cli(server, tmp_path):
    """P5's Rekognition commands, verbatim, with the AWS CLI."""
    out = cli_json(server, "rekognition", "create-collection", "--collection-id", "famouspersons")
    assert out["StatusCode"] == 200
    run_cli(server, "s3", "mb", "s3://bucket3mini")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(fixture_bytes("faces/train/biden/biden.jpg"))
    run_cli(server, "s3", "cp", str(photo), "s3://bucket3mini/index/photo.jpg", "--metadata",
            "FullName=Joe Biden")
    indexed = cli_json(server, "rekognition", "index-faces", "--collection-id", "famouspersons",
                       "--image", '{"S3Object":{"Bucket":"bucket3mini","Name":"index/photo.jpg"}}',
                       "--external-image-id", "photo.jpg")
    face_id = indexed["FaceRecords"][0]["Face"]["FaceId"]
    probe = tmp_path / "probe.jpg"
    probe.write_bytes(fixture_bytes("faces/train/biden/biden2.jpg"))
    found = cli_json(server, "rekognition", "search-faces-by-image", "--collection-id", "famouspersons",
                     "--image-bytes", f"fileb://{probe}", "--face-match-threshold", "80")
    assert [m["Face"]["FaceId"] for m in found["FaceMatches"]] == [face_id]
    listed = cli_json(server, "rekognition", "list-faces", "--collection-id", "famouspersons")
    assert [f["FaceId"] for f in listed["Faces"]] == [face_id]
    p = run_cli(server, "rekognition", "describe-collection", "--collection-id", "nope", check=False)
    assert p.returncode != 0 and "ResourceNotFoundException" in p.stderr
