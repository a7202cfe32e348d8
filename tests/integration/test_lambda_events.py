"""Event wiring: S3 bucket notifications to Lambda and SQS, and asynchronous invocation with
retries and destinations, driven by boto3 against a live server."""
import json
import shutil
import time

import pytest
from botocore.exceptions import ClientError

from conftest import Server, advance_clock, create_function, create_table, error_of, make_client

RECORDER = '''
import boto3, json, urllib.parse
ddb = boto3.client("dynamodb")
s3 = boto3.client("s3")
def handler(event, context):
    for r in event["Records"]:
        key = urllib.parse.unquote_plus(r["s3"]["object"]["key"])
        meta = s3.head_object(Bucket=r["s3"]["bucket"]["name"], Key=key)["Metadata"] if r["eventName"].startswith("ObjectCreated") else {}
        ddb.put_item(TableName="events", Item={"key": {"S": key}, "record": {"S": json.dumps(r)},
                                              "fullname": {"S": meta.get("fullname", "")}})
    return len(event["Records"])
'''

FLAKY = '''
import json
def handler(event, context):
    print("attempt", json.dumps(event))
    if event.get("fail"):
        raise RuntimeError("failing on purpose")
    return {"done": event}
'''


@pytest.fixture(scope="module")
def fast():
    # Async retries after 100 ms and 200 ms instead of AWS's minutes.
    s = Server(env={"FOGBANK_LAMBDA_RETRY_DELAY_MS": "100"})
    yield s
    # A clean exit (under ASan: no leak, no error) is part of the test.
    rc = s.stop()
    assert rc == 0, "fogbank did not shut down cleanly:\n" + s.logs()[-4000:]
    shutil.rmtree(s.tmp, ignore_errors=True)


@pytest.fixture
def clients(fast):
    fast.reset()
    return {name: make_client(fast, name, read_timeout=60) for name in ["lambda", "s3", "sqs", "dynamodb", "dynamodbstreams"]}


def queue(sqs, name):
    url = sqs.create_queue(QueueName=name)["QueueUrl"]
    return url, sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def receive_bodies(sqs, url, n, timeout=10):
    bodies = []
    deadline = time.time() + timeout
    while len(bodies) < n and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            bodies.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return bodies


def wait_for_items(ddb, table, n, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        items = ddb.scan(TableName=table)["Items"]
        if len(items) >= n:
            return items
        time.sleep(0.1)
    raise AssertionError(f"{table} never held {n} items")


def test_s3_upload_triggers_lambda(clients):
    lam, s3, ddb = clients["lambda"], clients["s3"], clients["dynamodb"]
    create_table(ddb, "events", hash_key=("key", "S"))
    arn = create_function(lam, "recorder", {"app.py": RECORDER}, Timeout=30)["FunctionArn"]
    lam.add_permission(FunctionName="recorder", StatementId="s3", Action="lambda:InvokeFunction",
                       Principal="s3.amazonaws.com", SourceArn="arn:aws:s3:::uploads")
    s3.create_bucket(Bucket="uploads")
    s3.put_bucket_notification_configuration(Bucket="uploads", NotificationConfiguration={
        "LambdaFunctionConfigurations": [{
            "Id": "on-jpg", "LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:*"],
            "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "index/"},
                                               {"Name": "suffix", "Value": ".jpg"}]}}}]})
    cfg = s3.get_bucket_notification_configuration(Bucket="uploads")["LambdaFunctionConfigurations"]
    assert cfg[0]["Id"] == "on-jpg" and cfg[0]["LambdaFunctionArn"] == arn
    assert {r["Name"] for r in cfg[0]["Filter"]["Key"]["FilterRules"]} == {"Prefix", "Suffix"}
    s3.put_object(Bucket="uploads", Key="index/Ada Lovelace.jpg", Body=b"x" * 123,
                  Metadata={"FullName": "Ada Lovelace"})
    s3.put_object(Bucket="uploads", Key="index/skip.png", Body=b"no")   # suffix filtered out
    s3.put_object(Bucket="uploads", Key="other/skip.jpg", Body=b"no")   # prefix filtered out
    items = wait_for_items(ddb, "events", 1)
    time.sleep(0.5)
    assert len(ddb.scan(TableName="events")["Items"]) == 1
    item = items[0]
    assert item["key"]["S"] == "index/Ada Lovelace.jpg" and item["fullname"]["S"] == "Ada Lovelace"
    record = json.loads(item["record"]["S"])
    assert record["eventSource"] == "aws:s3" and record["eventName"] == "ObjectCreated:Put"
    assert record["awsRegion"] == "us-east-1" and record["eventVersion"] == "2.1"
    assert record["s3"]["configurationId"] == "on-jpg"
    assert record["s3"]["bucket"]["name"] == "uploads"
    assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::uploads"
    obj = record["s3"]["object"]
    assert obj["key"] == "index/Ada+Lovelace.jpg" and obj["size"] == 123
    assert obj["eTag"] == s3.head_object(Bucket="uploads", Key="index/Ada Lovelace.jpg")["ETag"].strip('"')
    assert len(obj["sequencer"]) == 16


def test_s3_events_to_sqs(clients):
    s3, sqs = clients["s3"], clients["sqs"]
    url, arn = queue(sqs, "s3-events")
    s3.create_bucket(Bucket="watched")
    s3.put_bucket_notification_configuration(Bucket="watched", NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"]}]})
    test_event = receive_bodies(sqs, url, 1)[0]
    assert test_event["Event"] == "s3:TestEvent" and test_event["Bucket"] == "watched"
    assert test_event["Service"] == "Amazon S3"
    s3.put_object(Bucket="watched", Key="a.txt", Body=b"hello")
    s3.copy_object(Bucket="watched", Key="b.txt", CopySource={"Bucket": "watched", "Key": "a.txt"})
    mpu = s3.create_multipart_upload(Bucket="watched", Key="big.bin")
    part = s3.upload_part(Bucket="watched", Key="big.bin", UploadId=mpu["UploadId"], PartNumber=1, Body=b"p")
    s3.complete_multipart_upload(Bucket="watched", Key="big.bin", UploadId=mpu["UploadId"],
                                 MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    s3.delete_object(Bucket="watched", Key="a.txt")
    s3.delete_objects(Bucket="watched", Delete={"Objects": [{"Key": "b.txt"}, {"Key": "big.bin"}]})
    records = [b["Records"][0] for b in receive_bodies(sqs, url, 6)]
    seen = sorted((r["eventName"], r["s3"]["object"]["key"]) for r in records)
    assert seen == [("ObjectCreated:CompleteMultipartUpload", "big.bin"), ("ObjectCreated:Copy", "b.txt"),
                    ("ObjectCreated:Put", "a.txt"), ("ObjectRemoved:Delete", "a.txt"),
                    ("ObjectRemoved:Delete", "b.txt"), ("ObjectRemoved:Delete", "big.bin")]
    put = next(r for r in records if r["eventName"] == "ObjectCreated:Put")
    assert put["s3"]["object"]["size"] == 5
    removed = next(r for r in records if r["eventName"] == "ObjectRemoved:Delete")
    assert "size" not in removed["s3"]["object"] and "eTag" not in removed["s3"]["object"]
    # An empty configuration turns notifications off.
    s3.put_bucket_notification_configuration(Bucket="watched", NotificationConfiguration={})
    assert "QueueConfigurations" not in s3.get_bucket_notification_configuration(Bucket="watched")
    s3.put_object(Bucket="watched", Key="quiet.txt", Body=b"")
    assert receive_bodies(sqs, url, 1, timeout=2) == []


def test_notification_configuration_errors(clients):
    s3, sqs, lam = clients["s3"], clients["sqs"], clients["lambda"]
    _, arn = queue(sqs, "ok-queue")
    s3.create_bucket(Bucket="strict-bucket")
    bad = [
        {"QueueConfigurations": [{"QueueArn": arn + "-missing", "Events": ["s3:ObjectCreated:*"]}]},
        {"LambdaFunctionConfigurations": [{"LambdaFunctionArn": "arn:aws:lambda:us-east-1:000000000000:function:none",
                                           "Events": ["s3:ObjectCreated:*"]}]},
        {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectExploded:*"]}]},
        {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"],
                                  "Filter": {"Key": {"FilterRules": [{"Name": "middle", "Value": "x"}]}}}]},
        {"QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:ObjectCreated:*"]},
                                 {"QueueArn": arn, "Events": ["s3:ObjectCreated:Put"]}]},
    ]
    for cfg in bad:
        with pytest.raises(ClientError) as e:
            s3.put_bucket_notification_configuration(Bucket="strict-bucket", NotificationConfiguration=cfg)
        assert error_of(e) == ("InvalidArgument", 400), cfg
    with pytest.raises(ClientError) as e:
        s3.put_bucket_notification_configuration(Bucket="no-such-bucket", NotificationConfiguration={})
    assert error_of(e) == ("NoSuchBucket", 404)
    # Different prefixes for one event type do not overlap.
    s3.put_bucket_notification_configuration(Bucket="strict-bucket", NotificationConfiguration={
        "QueueConfigurations": [
            {"QueueArn": arn, "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "a/"}]}}},
            {"QueueArn": arn, "Events": ["s3:ObjectCreated:*"], "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "b/"}]}}}]})
    assert len(s3.get_bucket_notification_configuration(Bucket="strict-bucket")["QueueConfigurations"]) == 2


def test_async_failure_is_retried_twice_then_sent_on_failure(clients, fast):
    lam, sqs = clients["lambda"], clients["sqs"]
    url, arn = queue(sqs, "failures")
    create_function(lam, "flaky", {"app.py": FLAKY})
    lam.put_function_event_invoke_config(FunctionName="flaky", DestinationConfig={"OnFailure": {"Destination": arn}})
    started = time.time()
    r = lam.invoke(FunctionName="flaky", InvocationType="Event", Payload=json.dumps({"fail": True, "id": 7}))
    assert r["StatusCode"] == 202
    record = receive_bodies(sqs, url, 1, timeout=15)[0]
    took = time.time() - started
    assert took >= 0.3  # 100 ms, then 200 ms of back-off
    ctx = record["requestContext"]
    assert ctx["condition"] == "RetriesExhausted" and ctx["approximateInvokeCount"] == 3
    assert ctx["functionArn"] == "arn:aws:lambda:us-east-1:000000000000:function:flaky:$LATEST"
    assert record["requestPayload"] == {"fail": True, "id": 7}
    assert record["responseContext"]["functionError"] == "Unhandled"
    assert record["responsePayload"]["errorType"] == "RuntimeError"
    assert fast.logs().count('attempt {"fail": true, "id": 7}') == 3
    # The same request id on every attempt, as AWS keeps it.
    assert fast.logs().count(ctx["requestId"]) >= 3


def test_async_retry_count_and_success_destination(clients):
    lam, sqs = clients["lambda"], clients["sqs"]
    fail_url, fail_arn = queue(sqs, "fail-dest")
    ok_url, ok_arn = queue(sqs, "ok-dest")
    create_function(lam, "once", {"app.py": FLAKY})
    lam.put_function_event_invoke_config(FunctionName="once", MaximumRetryAttempts=0, DestinationConfig={
        "OnFailure": {"Destination": fail_arn}, "OnSuccess": {"Destination": ok_arn}})
    lam.invoke(FunctionName="once", InvocationType="Event", Payload=json.dumps({"fail": True}))
    lam.invoke(FunctionName="once", InvocationType="Event", Payload=json.dumps({"fine": 1}))
    failed = receive_bodies(sqs, fail_url, 1)[0]
    assert failed["requestContext"]["approximateInvokeCount"] == 1
    ok = receive_bodies(sqs, ok_url, 1)[0]
    assert ok["requestContext"]["condition"] == "Success"
    assert ok["responsePayload"] == {"done": {"fine": 1}}
    assert "functionError" not in ok["responseContext"]


def test_failure_destination_can_be_another_function(clients):
    lam, ddb = clients["lambda"], clients["dynamodb"]
    create_table(ddb, "failed", hash_key=("id", "S"))
    catcher = '''
import boto3, json
def handler(event, context):
    boto3.client("dynamodb").put_item(TableName="failed", Item={"id": {"S": event["requestContext"]["requestId"]},
                                                                 "payload": {"S": json.dumps(event["requestPayload"])}})
'''
    catcher_arn = create_function(lam, "catcher", {"app.py": catcher}, Timeout=30)["FunctionArn"]
    create_function(lam, "thrower", {"app.py": FLAKY})
    lam.put_function_event_invoke_config(FunctionName="thrower", MaximumRetryAttempts=0,
                                         DestinationConfig={"OnFailure": {"Destination": catcher_arn}})
    lam.invoke(FunctionName="thrower", InvocationType="Event", Payload=json.dumps({"fail": "x"}))
    item = wait_for_items(ddb, "failed", 1)[0]
    assert json.loads(item["payload"]["S"]) == {"fail": "x"}


CONSUMER = '''
import boto3, json
ddb = boto3.client("dynamodb")
def handler(event, context):
    failures = []
    for r in event["Records"]:
        body = r["body"]
        if "bad" in body:
            failures.append({"itemIdentifier": r["messageId"]})
            continue
        ddb.put_item(TableName="consumed", Item={"body": {"S": body}, "batch": {"N": str(len(event["Records"]))},
                                                 "record": {"S": json.dumps(r)}})
    if "explode" in [r["body"] for r in event["Records"]]:
        raise RuntimeError("whole batch fails")
    return {"batchItemFailures": failures}
'''


def queue_counts(sqs, url):
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return int(a["ApproximateNumberOfMessages"]), int(a["ApproximateNumberOfMessagesNotVisible"])


def wait_until(predicate, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition never held")


def test_sqs_event_source_processes_and_deletes(clients):
    lam, sqs, ddb = clients["lambda"], clients["sqs"], clients["dynamodb"]
    create_table(ddb, "consumed", hash_key=("body", "S"))
    url, arn = queue(sqs, "work")
    create_function(lam, "consumer", {"app.py": CONSUMER}, Timeout=30)
    m = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="consumer", BatchSize=5)
    assert m["State"] == "Creating" and m["BatchSize"] == 5
    assert m["FunctionArn"].endswith(":function:consumer")
    for i in range(12):
        sqs.send_message(QueueUrl=url, MessageBody=f"job-{i}",
                         MessageAttributes={"kind": {"DataType": "String", "StringValue": "test"}})
    items = wait_for_items(ddb, "consumed", 12)
    assert sorted(i["body"]["S"] for i in items) == sorted(f"job-{i}" for i in range(12))
    assert max(int(i["batch"]["N"]) for i in items) <= 5
    record = json.loads(items[0]["record"]["S"])
    assert record["eventSource"] == "aws:sqs" and record["eventSourceARN"] == arn
    assert record["awsRegion"] == "us-east-1" and record["attributes"]["ApproximateReceiveCount"] == "1"
    assert record["messageAttributes"]["kind"]["stringValue"] == "test"
    assert record["messageAttributes"]["kind"]["dataType"] == "String"
    wait_until(lambda: queue_counts(sqs, url) == (0, 0))
    got = lam.get_event_source_mapping(UUID=m["UUID"])
    assert got["State"] == "Enabled"
    assert [x["UUID"] for x in lam.list_event_source_mappings(FunctionName="consumer")["EventSourceMappings"]] == [m["UUID"]]
    # Disabled, it leaves messages alone.
    lam.update_event_source_mapping(UUID=m["UUID"], Enabled=False)
    assert lam.get_event_source_mapping(UUID=m["UUID"])["State"] == "Disabled"
    sqs.send_message(QueueUrl=url, MessageBody="while-disabled")
    time.sleep(0.7)
    assert queue_counts(sqs, url) == (1, 0)
    lam.update_event_source_mapping(UUID=m["UUID"], Enabled=True)
    wait_until(lambda: queue_counts(sqs, url) == (0, 0))
    assert lam.delete_event_source_mapping(UUID=m["UUID"])["State"] == "Deleting"
    assert lam.list_event_source_mappings()["EventSourceMappings"] == []


def test_partial_batch_failures_go_to_the_dead_letter_queue(clients):
    lam, sqs, ddb = clients["lambda"], clients["sqs"], clients["dynamodb"]
    create_table(ddb, "consumed", hash_key=("body", "S"))
    dlq_url, dlq_arn = queue(sqs, "work-dlq")
    url = sqs.create_queue(QueueName="work-main", Attributes={
        "VisibilityTimeout": "5",
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "2"})})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    # Lambda wants the queue's visibility timeout at least the function's: a batch must not be
    # handed out again while the first invocation may still be running.
    create_function(lam, "partial", {"app.py": CONSUMER}, Timeout=5)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="partial", BatchSize=10,
                                    FunctionResponseTypes=["ReportBatchItemFailures"])
    for body in ["good-1", "bad-1", "good-2", "bad-2"]:
        sqs.send_message(QueueUrl=url, MessageBody=body)
    wait_for_items(ddb, "consumed", 2)
    # The failed two are received again after their visibility timeout, then moved to the DLQ.
    dead = receive_bodies_raw(sqs, dlq_url, 2, timeout=40)
    assert sorted(dead) == ["bad-1", "bad-2"]
    wait_until(lambda: queue_counts(sqs, url) == (0, 0))
    assert sorted(i["body"]["S"] for i in ddb.scan(TableName="consumed")["Items"]) == ["good-1", "good-2"]


def receive_bodies_raw(sqs, url, n, timeout=10):
    bodies = []
    deadline = time.time() + timeout
    while len(bodies) < n and time.time() < deadline:
        for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1).get("Messages", []):
            bodies.append(m["Body"])
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return bodies


def test_failed_batch_stays_queued(clients):
    lam, sqs, ddb = clients["lambda"], clients["sqs"], clients["dynamodb"]
    create_table(ddb, "consumed", hash_key=("body", "S"))
    url = sqs.create_queue(QueueName="explosive", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    create_function(lam, "exploder", {"app.py": CONSUMER}, Timeout=30)
    m = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="exploder", BatchSize=1)
    sqs.send_message(QueueUrl=url, MessageBody="explode")
    wait_for_items(ddb, "consumed", 1)  # the handler ran, then raised
    lam.update_event_source_mapping(UUID=m["UUID"], Enabled=False)
    time.sleep(0.3)
    assert queue_counts(sqs, url) == (0, 1)  # not deleted: invisible until its timeout runs out


def test_event_source_mapping_errors(clients):
    lam, sqs = clients["lambda"], clients["sqs"]
    _, arn = queue(sqs, "esm-errors")
    create_function(lam, "target", {"app.py": CONSUMER})
    raw = lam
    cases = [
        (dict(EventSourceArn="arn:aws:kinesis:us-east-1:000000000000:stream/s", FunctionName="target"), ("InvalidParameterValueException", 400)),
        (dict(EventSourceArn=arn + "-missing", FunctionName="target"), ("InvalidParameterValueException", 400)),
        (dict(EventSourceArn=arn, FunctionName="target", BatchSize=50), ("InvalidParameterValueException", 400)),
        (dict(EventSourceArn=arn, FunctionName="absent"), ("ResourceNotFoundException", 404)),
    ]
    for kwargs, expected in cases:
        with pytest.raises(ClientError) as e:
            raw.create_event_source_mapping(**kwargs)
        assert error_of(e) == expected, kwargs
    # The queue's visibility timeout (2 s) must cover the function's timeout (3 s by default).
    quick = sqs.create_queue(QueueName="esm-quick", Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
    quick_arn = sqs.get_queue_attributes(QueueUrl=quick, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=quick_arn, FunctionName="target")
    assert error_of(e) == ("InvalidParameterValueException", 400)
    assert e.value.response["Error"]["Message"] == \
        "Queue visibility timeout: 2 seconds is less than Function timeout: 3 seconds"
    mapping = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="target", Enabled=False)
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="target")
    assert error_of(e) == ("ResourceConflictException", 409)
    create_function(lam, "slow-target", {"app.py": CONSUMER}, Timeout=31)
    with pytest.raises(ClientError) as e:
        lam.update_event_source_mapping(UUID=mapping["UUID"], FunctionName="slow-target")
    assert error_of(e) == ("InvalidParameterValueException", 400)
    assert lam.get_event_source_mapping(UUID=mapping["UUID"])["FunctionArn"].endswith(":target")
    with pytest.raises(ClientError) as e:
        lam.get_event_source_mapping(UUID="00000000-0000-0000-0000-000000000000")
    assert error_of(e) == ("ResourceNotFoundException", 404)


def test_batching_window_gathers_a_fuller_batch(clients):
    lam, sqs, ddb = clients["lambda"], clients["sqs"], clients["dynamodb"]
    create_table(ddb, "consumed", hash_key=("body", "S"))
    url, arn = queue(sqs, "windowed")
    create_function(lam, "windowed", {"app.py": CONSUMER}, Timeout=30)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="windowed", BatchSize=20,
                                    MaximumBatchingWindowInSeconds=2)
    started = time.time()
    for i in range(3):
        sqs.send_message(QueueUrl=url, MessageBody=f"w-{i}")
        time.sleep(0.2)
    items = wait_for_items(ddb, "consumed", 3)
    # One invocation with all three, after the window rather than at the first message.
    assert {int(i["batch"]["N"]) for i in items} == {3}
    assert time.time() - started >= 1.5


PROJECTOR = '''
import boto3, json
ddb = boto3.client("dynamodb")
def handler(event, context):
    keys = [r["dynamodb"]["Keys"]["id"]["S"] for r in event["Records"]]
    if any(k.startswith("poison") for k in keys):
        raise RuntimeError("cannot project " + ",".join(keys))
    for r in event["Records"]:
        ddb.put_item(TableName="projection", Item={
            "seq": {"S": r["dynamodb"]["SequenceNumber"]}, "event": {"S": r["eventName"]},
            "key": {"S": r["dynamodb"]["Keys"]["id"]["S"]}, "batch": {"N": str(len(keys))},
            "record": {"S": json.dumps(r)}})
    return {}
'''


def streamed(ddb, name):
    create_table(ddb, name, StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
    return ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def shard_of(streams, stream_arn):
    return streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"][0]["ShardId"]


def test_dynamodb_stream_feeds_a_function_in_order(clients):
    lam, ddb = clients["lambda"], clients["dynamodb"]
    arn = streamed(ddb, "orders")
    create_table(ddb, "projection", hash_key=("seq", "S"))
    ddb.put_item(TableName="orders", Item={"id": {"S": "before"}})  # TRIM_HORIZON sees it too
    create_function(lam, "projector", {"app.py": PROJECTOR}, Timeout=30)
    m = lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="projector",
                                        StartingPosition="TRIM_HORIZON", BatchSize=3)
    assert m["StartingPosition"] == "TRIM_HORIZON" and m["BatchSize"] == 3 and "position" not in m
    for i in range(6):
        ddb.put_item(TableName="orders", Item={"id": {"S": f"o{i}"}, "n": {"N": str(i)}})
    ddb.delete_item(TableName="orders", Key={"id": {"S": "o0"}})
    items = sorted(wait_for_items(ddb, "projection", 8), key=lambda i: i["seq"]["S"])
    assert [(i["event"]["S"], i["key"]["S"]) for i in items] == (
        [("INSERT", "before")] + [("INSERT", f"o{i}") for i in range(6)] + [("REMOVE", "o0")])
    assert max(int(i["batch"]["N"]) for i in items) <= 3
    record = json.loads(items[1]["record"]["S"])
    assert record["eventSource"] == "aws:dynamodb" and record["eventSourceARN"] == arn
    assert record["dynamodb"]["NewImage"]["n"] == {"N": "0"}
    got = lam.get_event_source_mapping(UUID=m["UUID"])
    assert got["State"] == "Enabled" and got["LastProcessingResult"] == "OK"


def test_stream_mapping_reads_shard_by_shard_across_a_roll_over(clients, fast):
    lam, ddb, streams = clients["lambda"], clients["dynamodb"], clients["dynamodbstreams"]
    arn = streamed(ddb, "orders")
    create_table(ddb, "projection", hash_key=("seq", "S"))
    for k in ["a", "b"]:
        ddb.put_item(TableName="orders", Item={"id": {"S": k}})
    advance_clock(fast, 4 * 3600 + 60)  # the shard rolls over at the next write
    for k in ["c", "d"]:
        ddb.put_item(TableName="orders", Item={"id": {"S": k}})
    assert len(streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]) == 2
    create_function(lam, "projector", {"app.py": PROJECTOR}, Timeout=30)
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="projector",
                                    StartingPosition="TRIM_HORIZON", BatchSize=10)
    items = sorted(wait_for_items(ddb, "projection", 4), key=lambda i: i["seq"]["S"])
    # In order, and no batch mixes the parent's records with the child's.
    assert [(i["key"]["S"], i["batch"]["N"]) for i in items] == [("a", "2"), ("b", "2"), ("c", "2"), ("d", "2")]


def test_stream_batches_that_keep_failing_go_to_on_failure(clients):
    lam, sqs, ddb = clients["lambda"], clients["sqs"], clients["dynamodb"]
    arn = streamed(ddb, "orders")
    create_table(ddb, "projection", hash_key=("seq", "S"))
    dlq_url, dlq_arn = queue(sqs, "stream-failures")
    create_function(lam, "projector", {"app.py": PROJECTOR}, Timeout=30)
    lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="projector", StartingPosition="LATEST", BatchSize=4,
        MaximumRetryAttempts=2, BisectBatchOnFunctionError=True,
        DestinationConfig={"OnFailure": {"Destination": dlq_arn}})
    for k in ["a", "b", "poison", "c", "d"]:
        ddb.put_item(TableName="orders", Item={"id": {"S": k}})
    # Bisecting isolates the poison record; the records around it are projected.
    failures = receive_bodies(sqs, dlq_url, 1, timeout=20)
    assert len(failures) == 1
    info = failures[0]["DDBStreamBatchInfo"]
    assert info["streamArn"] == arn and info["batchSize"] == 1
    assert info["shardId"] == shard_of(clients["dynamodbstreams"], arn)
    assert failures[0]["requestContext"]["condition"] == "RetryAttemptsExhausted"
    items = wait_for_items(ddb, "projection", 4)
    assert sorted(i["key"]["S"] for i in items) == ["a", "b", "c", "d"]


def test_stream_records_past_their_maximum_age_go_to_on_failure_unsent(clients, fast):
    lam, sqs, ddb = clients["lambda"], clients["sqs"], clients["dynamodb"]
    arn = streamed(ddb, "orders")
    create_table(ddb, "projection", hash_key=("seq", "S"))
    dlq_url, dlq_arn = queue(sqs, "stream-failures")
    for k in ["old1", "old2"]:
        ddb.put_item(TableName="orders", Item={"id": {"S": k}})
    advance_clock(fast, 120)  # on the service clock, the two records are now two minutes old
    ddb.put_item(TableName="orders", Item={"id": {"S": "fresh"}})
    create_function(lam, "projector", {"app.py": PROJECTOR}, Timeout=30)
    lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="projector", StartingPosition="TRIM_HORIZON",
        MaximumRecordAgeInSeconds=60, DestinationConfig={"OnFailure": {"Destination": dlq_arn}})
    items = wait_for_items(ddb, "projection", 1)
    assert [i["key"]["S"] for i in items] == ["fresh"]
    failures = receive_bodies(sqs, dlq_url, 1, timeout=20)
    assert len(failures) == 1
    assert failures[0]["requestContext"]["condition"] == "RecordAgeExceeded"
    assert "functionError" not in failures[0]["responseContext"]
    info = failures[0]["DDBStreamBatchInfo"]
    assert info["streamArn"] == arn and info["batchSize"] == 2
    assert info["shardId"] == shard_of(clients["dynamodbstreams"], arn)
    assert int(info["startSequenceNumber"]) < int(info["endSequenceNumber"])
    time.sleep(0.5)
    assert [i["key"]["S"] for i in ddb.scan(TableName="projection")["Items"]] == ["fresh"]


def test_stream_mapping_errors(clients):
    lam, ddb = clients["lambda"], clients["dynamodb"]
    arn = streamed(ddb, "orders")
    create_function(lam, "projector", {"app.py": PROJECTOR}, Timeout=30)
    for kw, code in [({}, "InvalidParameterValueException"),
                     ({"StartingPosition": "AT_TIMESTAMP"}, "InvalidParameterValueException"),
                     ({"StartingPosition": "LATEST", "MaximumRecordAgeInSeconds": 10},
                      "InvalidParameterValueException")]:
        with pytest.raises(ClientError) as e:
            lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="projector", **kw)
        assert error_of(e)[0] == code, (kw, e.value.response["Error"])
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=arn.replace("orders", "absent"),
                                        FunctionName="projector", StartingPosition="LATEST")
    assert error_of(e)[0] == "InvalidParameterValueException"
    lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="projector", StartingPosition="LATEST")
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=arn, FunctionName="projector", StartingPosition="LATEST")
    assert error_of(e) == ("ResourceConflictException", 409)


def test_filter_criteria_on_stream_and_queue_mappings(clients):
    lam, sqs, ddb = clients["lambda"], clients["sqs"], clients["dynamodb"]
    arn = streamed(ddb, "orders")
    create_table(ddb, "projection", hash_key=("seq", "S"))
    create_table(ddb, "consumed", hash_key=("body", "S"))
    create_function(lam, "projector", {"app.py": PROJECTOR}, Timeout=30)
    create_function(lam, "consumer", {"app.py": CONSUMER}, Timeout=30)
    # Only inserts of shipped orders reach the projector.
    lam.create_event_source_mapping(
        EventSourceArn=arn, FunctionName="projector", StartingPosition="LATEST",
        FilterCriteria={"Filters": [{"Pattern": json.dumps(
            {"eventName": ["INSERT"], "dynamodb": {"NewImage": {"state": {"S": ["shipped"]}}}})}]})
    for k, state in [("a", "new"), ("b", "shipped"), ("c", "new"), ("d", "shipped")]:
        ddb.put_item(TableName="orders", Item={"id": {"S": k}, "state": {"S": state}})
    ddb.delete_item(TableName="orders", Key={"id": {"S": "b"}})
    items = wait_for_items(ddb, "projection", 2)
    time.sleep(0.5)
    assert sorted(i["key"]["S"] for i in ddb.scan(TableName="projection")["Items"]) == ["b", "d"]
    # A queue mapping matches the message body as JSON; the rest are deleted unseen.
    url, qarn = queue(sqs, "filtered")
    lam.create_event_source_mapping(
        EventSourceArn=qarn, FunctionName="consumer", BatchSize=10, MaximumBatchingWindowInSeconds=1,
        FilterCriteria={"Filters": [{"Pattern": json.dumps({"body": {"kind": [{"prefix": "img"}]}})}]})
    for body in [{"kind": "img/png", "n": 1}, {"kind": "doc"}, {"kind": "img/jpg"}, "plain text"]:
        sqs.send_message(QueueUrl=url, MessageBody=json.dumps(body) if isinstance(body, dict) else body)
    items = wait_for_items(ddb, "consumed", 2)
    wait_until(lambda: queue_counts(sqs, url) == (0, 0))
    assert sorted(json.loads(i["body"]["S"])["kind"] for i in ddb.scan(TableName="consumed")["Items"]) == [
        "img/jpg", "img/png"]
    with pytest.raises(ClientError) as e:
        lam.create_event_source_mapping(EventSourceArn=qarn, FunctionName="projector",
                                        FilterCriteria={"Filters": [{"Pattern": "{\"body\": \"x\"}"}]})
    assert error_of(e) == ("InvalidParameterValueException", 400)
