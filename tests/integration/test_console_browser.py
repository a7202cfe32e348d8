"""The web console in Debian's chromium (tests/integration/node/console.browser.mjs): what a
test created (a bucket with photos, a face collection, a table of 60 items, a function, a
queue, a role, an instance) found, analysed, paged through, peeked at and invoked from the
pages, and a request followed in the live log."""
import json
import os
import pathlib
import shutil
import subprocess
import tempfile
import time

from conftest import create_function, create_table, fixture_bytes, make_client

NODE_DIR = pathlib.Path(__file__).parent / "node"


def test_console_in_a_real_browser(server):
    assert shutil.which("chromium") or os.path.exists("/usr/bin/chromium"), \
        "Debian's chromium is missing: run tests/setup.sh"
    s3 = make_client(server, "s3")
    s3.create_bucket(Bucket="console-photos")
    s3.put_object(Bucket="console-photos", Key="in/dog.jpg", Body=fixture_bytes("objects/dog.jpg"),
                  ContentType="image/jpeg", Tagging="camera=porch")
    s3.put_object(Bucket="console-photos", Key="faces/obama.jpg",
                  Body=fixture_bytes("faces/test/obama1.jpg"), ContentType="image/jpeg")
    rek = make_client(server, "rekognition")
    rek.create_collection(CollectionId="console-people")
    rek.index_faces(CollectionId="console-people", ExternalImageId="obama",
                    Image={"Bytes": fixture_bytes("faces/train/obama/" + sorted(
                        os.listdir(pathlib.Path(__file__).resolve().parents[1] / "fixtures/faces/train/obama"))[0])})
    ddb = make_client(server, "dynamodb")
    create_table(ddb, "console-table", ("pk", "S"))
    for i in range(60):
        ddb.put_item(TableName="console-table", Item={"pk": {"S": f"item-{i:02d}"}, "n": {"N": str(i)}})
    lam = make_client(server, "lambda", read_timeout=120)
    create_function(lam, "console-fn", {"app.py": (
        "def handler(event, context):\n"
        "    print('hello from ' + event['name'])\n"
        "    return {'greeting': 'hi ' + event['name']}\n")})
    sqs = make_client(server, "sqs")
    url = sqs.create_queue(QueueName="console-queue")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="one")
    sqs.send_message(QueueUrl=url, MessageBody="two")
    iam = make_client(server, "iam")
    iam.create_role(RoleName="console-role", AssumeRolePolicyDocument=json.dumps({
        "Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                                                "Principal": {"Service": "lambda.amazonaws.com"}}]}))
    ec2 = make_client(server, "ec2")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    iid = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1,
                            UserData="#!/bin/sh\necho hello from the console instance\n")["Instances"][0]["InstanceId"]
    deadline = time.time() + 30
    while "hello from the console instance" not in ec2.get_console_output(InstanceId=iid).get("Output", ""):
        assert time.time() < deadline, "the instance printed nothing"
        time.sleep(0.2)

    shots = os.environ.get("FOGBANK_SCREENSHOTS") or tempfile.mkdtemp(prefix="fogbank-shots-")
    runtime = NODE_DIR / ".runtime" / "bin" / "node"
    node = str(runtime) if runtime.exists() else shutil.which("node")
    p = subprocess.run([node, "--test", "--test-concurrency=1", "console.browser.mjs"], cwd=NODE_DIR,
                       env={"PATH": "/usr/bin:/bin", "FOGBANK_URL": server.url, "HOME": "/tmp",
                            "FOGBANK_SCREENSHOTS": shots, "FOGBANK_INSTANCE": iid},
                       capture_output=True, text=True, timeout=600)
    summary = [l for l in p.stdout.splitlines() if l.startswith(("# pass", "# fail", "not ok"))]
    print("\n".join(summary))
    assert p.returncode == 0, p.stdout[-8000:] + p.stderr[-4000:]
    assert "# fail 0" in p.stdout and "# pass 14" in p.stdout
    assert len(list(pathlib.Path(shots).glob("*.png"))) == 12
    # What the pages changed, seen by boto3.
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket="console-photos", Prefix="in/")["Contents"]]
    assert keys == ["in/dog.jpg"]
    item = ddb.get_item(TableName="console-table", Key={"pk": {"S": "from-the-page"}})["Item"]
    assert item["n"] == {"N": "99"}
    bodies = [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]]
    assert sorted(bodies) == ["one", "sent from the page", "two"]
