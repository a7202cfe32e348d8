"""The AWS CLI's rekognition commands that the other files do not already drive."""
from conftest import cli_json, fixture_bytes, run_cli


def test_faces_text_and_collection_commands(server, tmp_path):
    def file(relative, name):
        p = tmp_path / name
        p.write_bytes(fixture_bytes(relative))
        return f"fileb://{p}"

    pair = file("faces/test/two_people.jpg", "pair.jpg")
    obama = file("faces/train/obama/obama.jpg", "obama.jpg")
    faces = cli_json(server, "rekognition", "detect-faces", "--image-bytes", pair, "--attributes", "ALL")
    assert len(faces["FaceDetails"]) == 2
    for face in faces["FaceDetails"]:
        assert isinstance(face["Smile"]["Value"], bool) and face["Emotions"][0]["Confidence"] > 0
    smiling = cli_json(server, "rekognition", "detect-faces", "--attributes", "ALL",
                       "--image-bytes", file("faces/test/alex_lacamoire1.jpg", "alex.jpg"))["FaceDetails"][0]
    assert smiling["Smile"]["Value"] is True and smiling["Emotions"][0]["Type"] == "HAPPY"
    compared = cli_json(server, "rekognition", "compare-faces", "--source-image-bytes", obama,
                        "--target-image-bytes", pair)
    assert len(compared["FaceMatches"]) == 1 and len(compared["UnmatchedFaces"]) == 1
    text = cli_json(server, "rekognition", "detect-text", "--image-bytes", file("objects/eagle.jpg", "eagle.jpg"))
    assert text["TextDetections"] == []

    cli_json(server, "rekognition", "create-collection", "--collection-id", "cli")
    listed = cli_json(server, "rekognition", "list-collections")
    assert listed["CollectionIds"] == ["cli"]
    ids = [r["Face"]["FaceId"] for r in cli_json(server, "rekognition", "index-faces", "--collection-id", "cli",
                                                   "--image-bytes", pair)["FaceRecords"]]
    assert len(ids) == 2
    r = cli_json(server, "rekognition", "index-faces", "--collection-id", "cli", "--image-bytes", obama)
    obama_id = r["FaceRecords"][0]["Face"]["FaceId"]
    found = cli_json(server, "rekognition", "search-faces", "--collection-id", "cli", "--face-id", obama_id)
    assert len(found["FaceMatches"]) == 1 and found["FaceMatches"][0]["Face"]["FaceId"] in ids
    deleted = cli_json(server, "rekognition", "delete-faces", "--collection-id", "cli", "--face-ids", *ids)
    assert sorted(deleted["DeletedFaces"]) == sorted(ids)
    assert cli_json(server, "rekognition", "delete-collection", "--collection-id", "cli")["StatusCode"] == 200
    not_image = tmp_path / "notes.txt"
    not_image.write_text("not a picture")
    p = run_cli(server, "rekognition", "detect-labels", "--image-bytes", f"fileb://{not_image}", check=False)
    assert p.returncode != 0 and "InvalidImageFormatException" in p.stderr
