"""P4 (../shared/PIPELINES.md): video face recognition in stages, a Lambda chain.

Uploading <name>.mp4 to `input` triggers `video-splitting`, which runs ffmpeg to cut one frame
per second into `stage-1/<name>/`, then invokes `face-recognition` asynchronously
(InvocationType Event). That function searches each frame against a collection indexed
beforehand and writes the most frequent match to `output/<name>.txt`. One invocation fails
on its first attempt and must be retried, as AWS retries asynchronous invocations."""
import concurrent.futures
import shutil
import subprocess
import time

import pytest

from conftest import fixtures

FACES = fixtures.FIXTURES / "faces"

SPLITTER = '''
import json, os, pathlib, subprocess, tempfile, urllib.parse
import boto3

s3 = boto3.client("s3")
lambda_client = boto3.client("lambda")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        name = key.rsplit(".", 1)[0]
        with tempfile.TemporaryDirectory() as tmp:
            video = pathlib.Path(tmp) / key
            s3.download_file(bucket, key, str(video))
            subprocess.run(["ffmpeg", "-v", "error", "-i", str(video), "-vf", "fps=1",
                            str(pathlib.Path(tmp) / "frame%02d.jpg")], check=True)
            frames = sorted(p for p in pathlib.Path(tmp).glob("frame*.jpg"))
            for frame in frames:
                s3.upload_file(str(frame), "stage-1", f"{name}/{frame.name}")
        print(f"{key}: {len(frames)} frames")
        lambda_client.invoke(FunctionName="face-recognition", InvocationType="Event",
                             Payload=json.dumps({"video": name, "bucket": "stage-1", "prefix": name + "/"}))
'''

RECOGNISER = '''
import collections
import boto3

s3 = boto3.client("s3")
rekognition = boto3.client("rekognition")


def handler(event, context):
    name = event["video"]
    if name == "flaky":
        # Fails the first time it sees this video, as a transient fault would.
        try:
            s3.head_object(Bucket="output", Key="attempted/flaky")
        except s3.exceptions.ClientError:
            s3.put_object(Bucket="output", Key="attempted/flaky", Body=context.aws_request_id.encode())
            raise RuntimeError("transient failure")
    votes = collections.Counter()
    listing = s3.list_objects_v2(Bucket=event["bucket"], Prefix=event["prefix"])
    for obj in listing.get("Contents", []):
        image = {"S3Object": {"Bucket": event["bucket"], "Name": obj["Key"]}}
        try:
            found = rekognition.search_faces_by_image(CollectionId="known-faces", Image=image,
                                                      FaceMatchThreshold=80, MaxFaces=1)
        except rekognition.exceptions.InvalidParameterException:
            continue  # no face in this frame
        for match in found["FaceMatches"]:
            votes[match["Face"]["ExternalImageId"]] += 1
    person = votes.most_common(1)[0][0] if votes else "unknown"
    s3.put_object(Bucket="output", Key=f"{name}.txt", Body=person.encode())
    return {"video": name, "person": person, "votes": dict(votes)}
'''


def still_video(photo, out):
    """A 3-second video of one photo, as ffmpeg makes one."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", str(photo), "-t", "3", "-r", "5",
                    "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-pix_fmt", "yuv420p", str(out)],
                   check=True, timeout=120)
    return out.read_bytes()


def test_p4_video_face_recognition(server, tmp_path):
    if not shutil.which("ffmpeg"):
        pytest.fail("ffmpeg is missing: run tests/setup.sh")
    lam = fixtures.make_client(server, "lambda", read_timeout=120)
    s3 = fixtures.make_client(server, "s3")
    rek = fixtures.make_client(server, "rekognition")

    rek.create_collection(CollectionId="known-faces")
    for person, photo in [("lin-manuel-miranda", "video/lin-manuel-miranda.png"),
                          ("alex-lacamoire", "video/alex-lacamoire.png"),
                          ("barack-obama", "train/obama/obama.jpg"),
                          ("kit-harington", "train/kit_harington/john1.jpeg")]:
        rek.index_faces(CollectionId="known-faces", ExternalImageId=person, MaxFaces=1,
                        Image={"Bytes": (FACES / photo).read_bytes()})
    for bucket in ["input", "stage-1", "output"]:
        s3.create_bucket(Bucket=bucket)
    splitter = fixtures.create_function(lam, "video-splitting", {"app.py": SPLITTER}, Timeout=120)
    fixtures.create_function(lam, "face-recognition", {"app.py": RECOGNISER}, Timeout=120)
    lam.add_permission(FunctionName="video-splitting", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::input")
    s3.put_bucket_notification_configuration(Bucket="input", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{"LambdaFunctionArn": splitter["FunctionArn"],
                                          "Events": ["s3:ObjectCreated:Put"],
                                          "Filter": {"Key": {"FilterRules": [{"Name": "suffix", "Value": ".mp4"}]}}}]})

    videos = {
        "hamilton.mp4": ((FACES / "video/short_hamilton_clip.mp4").read_bytes(), "lin-manuel-miranda"),
        "obama.mp4": (still_video(FACES / "test/obama1.jpg", tmp_path / "obama.mp4"), "barack-obama"),
        "flaky.mp4": (still_video(FACES / "test/johnsnow_test1.jpg", tmp_path / "kit.mp4"), "kit-harington"),
    }
    # Uploaded at once.
    with concurrent.futures.ThreadPoolExecutor(len(videos)) as pool:
        list(pool.map(lambda kv: s3.put_object(Bucket="input", Key=kv[0], Body=kv[1][0]), videos.items()))

    deadline = time.time() + 240
    results = {}
    while time.time() < deadline and len(results) < len(videos):
        for video in videos:
            key = video.replace(".mp4", ".txt")
            try:
                results[video] = s3.get_object(Bucket="output", Key=key)["Body"].read().decode()
            except s3.exceptions.NoSuchKey:
                pass
        time.sleep(0.5)
    assert results == {v: person for v, (_, person) in videos.items()}, server.logs()[-4000:]
    frames = s3.list_objects_v2(Bucket="stage-1", Prefix="hamilton/")["KeyCount"]
    assert frames == 10  # one per second of the 10 s clip
    # The flaky video's first invocation failed and was retried.
    assert s3.get_object(Bucket="output", Key="attempted/flaky")["Body"].read()
    assert "retry 1" in server.logs()
