"""P2 (../shared/PIPELINES.md): car and text recognition with two parallel workers.

A bucket holds 0.jpg … 9.jpg: photos with a car, with readable text, with both, with neither
(composed from the fixtures: text is drawn on a white band). Worker A walks them in order,
calls DetectLabels on each (S3Object input) and sends the index of every image with Car ≥ 90
to a queue, then -1. Worker B, at the same time, receives indexes as they arrive, calls
DetectText on those images, and on -1 writes a file listing each index that has both a car and
text, followed by the detected text. Both workers are written as their authors would write
them for AWS: boto3, no fogbank-specific calls."""
import threading
import time

import pytest

from conftest import fixtures

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")

FIX = fixtures.FIXTURES / "objects"


def photo(name, text=None, flip=False, scale=1.0):
    img = cv2.imread(str(FIX / name), cv2.IMREAD_COLOR)
    if flip:
        img = cv2.flip(img, 1)
    if scale != 1.0:
        img = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    if text:
        h, w = img.shape[:2]
        cv2.rectangle(img, (0, h - 90), (w, h), (255, 255, 255), -1)
        cv2.putText(img, text, (20, h - 28), cv2.FONT_HERSHEY_DUPLEX, 1.6, (0, 0, 0), 3, cv2.LINE_AA)
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes()


# index -> (image, has a car, text on it)
IMAGES = [
    (lambda: photo("dog.jpg"), True, None),
    (lambda: photo("giraffe.jpg", text="ZOO GATE 3"), False, "ZOO GATE 3"),
    (lambda: photo("dog.jpg", text="PARKING 24"), True, "PARKING 24"),
    (lambda: photo("horses.jpg"), False, None),
    (lambda: photo("dog.jpg", flip=True, text="EXIT 12"), True, "EXIT 12"),
    (lambda: photo("eagle.jpg", text="BIRD PARK"), False, "BIRD PARK"),
    (lambda: photo("dog.jpg", flip=True), True, None),
    (lambda: photo("kite.jpg", scale=0.5), False, None),
    (lambda: photo("dog.jpg", scale=0.8, text="LOT 7"), True, "LOT 7"),
    (lambda: photo("person.jpg"), False, None),
]


def worker_a(rek, sqs, queue_url, bucket, log):
    for i in range(len(IMAGES)):
        labels = rek.detect_labels(Image={"S3Object": {"Bucket": bucket, "Name": f"{i}.jpg"}})["Labels"]
        if any(label["Name"] == "Car" and label["Confidence"] >= 90 for label in labels):
            sqs.send_message(QueueUrl=queue_url, MessageBody=str(i))
            log.append(("A sent", i, time.monotonic()))
    sqs.send_message(QueueUrl=queue_url, MessageBody="-1")
    log.append(("A done", -1, time.monotonic()))


def worker_b(rek, sqs, queue_url, bucket, out_path, log):
    found = []
    while True:
        msgs = sqs.receive_message(QueueUrl=queue_url, WaitTimeSeconds=5, MaxNumberOfMessages=1).get("Messages", [])
        for m in msgs:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
            i = int(m["Body"])
            log.append(("B got", i, time.monotonic()))
            if i == -1:
                with open(out_path, "w") as f:
                    for index, text in found:
                        f.write(f"{index}: {text}\n")
                return
            lines = [d["DetectedText"] for d in rek.detect_text(
                Image={"S3Object": {"Bucket": bucket, "Name": f"{i}.jpg"}})["TextDetections"] if d["Type"] == "LINE"]
            if lines:
                found.append((i, " ".join(lines)))


def test_p2_car_and_text_workers(server, tmp_path):
    s3 = fixtures.make_client(server, "s3")
    sqs = fixtures.make_client(server, "sqs")
    rek = fixtures.make_client(server, "rekognition")
    s3.create_bucket(Bucket="p2-images")
    for i, (make, _, _) in enumerate(IMAGES):
        s3.put_object(Bucket="p2-images", Key=f"{i}.jpg", Body=make())
    queue_url = sqs.create_queue(QueueName="p2-cars")["QueueUrl"]

    log, out_path = [], tmp_path / "cars_with_text.txt"
    b = threading.Thread(target=worker_b, args=(rek, sqs, queue_url, "p2-images", out_path, log))
    a = threading.Thread(target=worker_a, args=(rek, sqs, queue_url, "p2-images", log))
    b.start()
    a.start()
    a.join(timeout=300)
    b.join(timeout=300)
    assert not a.is_alive() and not b.is_alive()

    expected = "".join(f"{i}: {text}\n" for i, (_, car, text) in enumerate(IMAGES) if car and text)
    assert out_path.read_text() == expected
    # B handled indexes while A was still walking the images: the workers overlapped.
    a_done = next(t for what, _, t in log if what == "A done")
    first_b = min(t for what, i, t in log if what == "B got" and i != -1)
    assert first_b < a_done
    assert sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])[
        "Attributes"]["ApproximateNumberOfMessages"] == "0"
