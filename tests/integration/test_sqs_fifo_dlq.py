"""FIFO queues (ordering, group locks, deduplication) and dead-letter queues (redrive policy,
allow policy, source listing) through boto3."""
import hashlib
import json
import time

import pytest
from botocore.exceptions import ClientError

from conftest import advance_clock, error_of


@pytest.fixture
def fifo(sqs):
    return sqs.create_queue(QueueName="jobs.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]


def send(sqs, url, body, group, dedup=None, **kw):
    return sqs.send_message(QueueUrl=url, MessageBody=body, MessageGroupId=group,
                            MessageDeduplicationId=dedup or body, **kw)


def test_fifo_attributes(sqs, fifo):
    a = sqs.get_queue_attributes(QueueUrl=fifo, AttributeNames=["All"])["Attributes"]
    assert a["FifoQueue"] == "true"
    assert a["ContentBasedDeduplication"] == "false"
    assert a["DeduplicationScope"] == "queue"
    assert a["FifoThroughputLimit"] == "perQueue"
    sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"DeduplicationScope": "messageGroup",
                                                        "FifoThroughputLimit": "perMessageGroupId"})
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"DeduplicationScope": "queue"})
    assert error_of(e) == ("InvalidAttributeValue", 400)
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=fifo, Attributes={"FifoThroughputLimit": "fast"})
    assert error_of(e) == ("InvalidAttributeValue", 400)


def test_order_within_groups_and_group_lock(sqs, fifo):
    seqs = []
    for i in range(3):
        for g in ["a", "b"]:
            seqs.append(int(send(sqs, fifo, f"{g}{i}", g)["SequenceNumber"]))
    assert seqs == sorted(seqs) and len(set(seqs)) == 6
    first = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=1)["Messages"]
    assert [m["Body"] for m in first] == ["a0"]
    # Group a is locked while a0 is in flight: the next receive gets group b only.
    nxt = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in nxt] == ["b0", "b1", "b2"]
    assert "Messages" not in sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)
    sqs.delete_message(QueueUrl=fifo, ReceiptHandle=first[0]["ReceiptHandle"])
    rest = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10, AttributeNames=["All"])["Messages"]
    assert [m["Body"] for m in rest] == ["a1", "a2"]
    assert rest[0]["Attributes"]["MessageGroupId"] == "a"
    assert rest[0]["Attributes"]["MessageDeduplicationId"] == "a1"
    assert int(rest[0]["Attributes"]["SequenceNumber"]) == seqs[2]


def test_failed_message_comes_back_first_in_its_group(sqs, fifo):
    for i in range(3):
        send(sqs, fifo, f"m{i}", "g")
    got = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=2, VisibilityTimeout=1)["Messages"]
    assert [m["Body"] for m in got] == ["m0", "m1"]
    sqs.delete_message(QueueUrl=fifo, ReceiptHandle=got[0]["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=fifo)  # m1 still in flight: locked
    time.sleep(1.2)
    again = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in again] == ["m1", "m2"]
    # The expired handle is refused on a FIFO queue.
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=fifo, ReceiptHandle=got[1]["ReceiptHandle"])
    assert error_of(e) == ("InvalidParameterValue", 400)


def test_deduplication_window(server, sqs, fifo):
    a = send(sqs, fifo, "one", "g", dedup="d1")
    b = send(sqs, fifo, "one again", "g", dedup="d1")
    assert a["MessageId"] == b["MessageId"] and a["SequenceNumber"] == b["SequenceNumber"]
    msgs = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in msgs] == ["one"]
    sqs.delete_message(QueueUrl=fifo, ReceiptHandle=msgs[0]["ReceiptHandle"])
    assert send(sqs, fifo, "still deduplicated", "g", dedup="d1")["MessageId"] == a["MessageId"]
    advance_clock(server, 301)
    c = send(sqs, fifo, "after the window", "g", dedup="d1")
    assert c["MessageId"] != a["MessageId"]
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=fifo)["Messages"]] == ["after the window"]


def test_content_based_deduplication(sqs):
    url = sqs.create_queue(QueueName="cbd.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"})["QueueUrl"]
    a = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g")
    b = sqs.send_message(QueueUrl=url, MessageBody="same body", MessageGroupId="g")
    c = sqs.send_message(QueueUrl=url, MessageBody="other body", MessageGroupId="g")
    assert a["MessageId"] == b["MessageId"] != c["MessageId"]
    m = sqs.receive_message(QueueUrl=url, AttributeNames=["MessageDeduplicationId"])["Messages"][0]
    assert m["Attributes"]["MessageDeduplicationId"] == hashlib.sha256(b"same body").hexdigest()


def test_deduplication_scope_message_group(sqs):
    url = sqs.create_queue(QueueName="pg.fifo", Attributes={
        "FifoQueue": "true", "DeduplicationScope": "messageGroup", "FifoThroughputLimit": "perMessageGroupId"})["QueueUrl"]
    a = send(sqs, url, "x", "g1", dedup="same")
    b = send(sqs, url, "y", "g2", dedup="same")
    assert a["MessageId"] != b["MessageId"]
    assert send(sqs, url, "z", "g1", dedup="same")["MessageId"] == a["MessageId"]


def test_fifo_send_errors(sqs, fifo):
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=fifo, MessageBody="x", MessageDeduplicationId="d")
    assert error_of(e) == ("MissingParameter", 400)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=fifo, MessageBody="x", MessageGroupId="g")
    assert error_of(e) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as e:
        send(sqs, fifo, "x", "g", DelaySeconds=5)
    assert error_of(e) == ("InvalidParameterValue", 400)
    # An explicit 0 is no delay, and SQS takes it, alone and in a batch.
    assert send(sqs, fifo, "zero", "g", DelaySeconds=0)["MessageId"]
    r = sqs.send_message_batch(QueueUrl=fifo, Entries=[
        {"Id": "0", "MessageBody": "a0", "MessageGroupId": "g", "MessageDeduplicationId": "b0", "DelaySeconds": 0},
        {"Id": "1", "MessageBody": "a1", "MessageGroupId": "g", "MessageDeduplicationId": "b1", "DelaySeconds": 1}])
    assert [x["Id"] for x in r["Successful"]] == ["0"]
    assert [(x["Id"], x["Code"]) for x in r["Failed"]] == [("1", "InvalidParameterValue")]
    with pytest.raises(ClientError) as e:
        send(sqs, fifo, "x", "g" * 129)
    assert error_of(e) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as e:
        send(sqs, fifo, "x", "has space")
    assert error_of(e) == ("InvalidParameterValue", 400)
    standard = sqs.create_queue(QueueName="plain")["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=standard, MessageBody="x", MessageDeduplicationId="d")
    assert error_of(e) == ("InvalidParameterValue", 400)
    # Standard queues take a MessageGroupId (fair queues) and hand it back.
    sqs.send_message(QueueUrl=standard, MessageBody="x", MessageGroupId="tenant-1")
    m = sqs.receive_message(QueueUrl=standard, AttributeNames=["All"])["Messages"][0]
    assert m["Attributes"]["MessageGroupId"] == "tenant-1"


def test_receive_request_attempt_id_returns_the_same_batch(sqs, fifo):
    for i in range(3):
        send(sqs, fifo, f"m{i}", "g")
    first = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1")["Messages"]
    # A retry with the same attempt id (say the first response was lost) gets the same batch.
    retry = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=2, ReceiveRequestAttemptId="try-1")["Messages"]
    assert [(m["Body"], m["ReceiptHandle"]) for m in retry] == [(m["Body"], m["ReceiptHandle"]) for m in first]
    assert "Messages" not in sqs.receive_message(QueueUrl=fifo, ReceiveRequestAttemptId="try-2")
    sqs.delete_message(QueueUrl=fifo, ReceiptHandle=first[0]["ReceiptHandle"])
    sqs.delete_message(QueueUrl=fifo, ReceiptHandle=first[1]["ReceiptHandle"])
    # Once the batch is deleted the attempt is spent: the next receive moves on.
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=fifo, ReceiveRequestAttemptId="try-1")["Messages"]] == ["m2"]


def test_fifo_batch_keeps_order(sqs, fifo):
    r = sqs.send_message_batch(QueueUrl=fifo, Entries=[
        {"Id": f"e{i}", "MessageBody": f"m{i}", "MessageGroupId": "g", "MessageDeduplicationId": f"d{i}"}
        for i in range(10)])
    assert len(r["Successful"]) == 10
    seqs = [int(s["SequenceNumber"]) for s in sorted(r["Successful"], key=lambda s: int(s["Id"][1:]))]
    assert seqs == sorted(seqs)
    got = sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]
    assert [m["Body"] for m in got] == [f"m{i}" for i in range(10)]


def _dlq_pair(sqs, max_receives=2, allow=None):
    dlq_attrs = {"RedriveAllowPolicy": json.dumps(allow)} if allow else {}
    dlq = sqs.create_queue(QueueName="dead", Attributes=dlq_attrs)["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName="source", Attributes={
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receives)})})["QueueUrl"]
    return src, dlq, dlq_arn


def test_message_moves_to_dlq_after_max_receives(sqs):
    src, dlq, _ = _dlq_pair(sqs, max_receives=2)
    sent = sqs.send_message(QueueUrl=src, MessageBody="poison")
    for n in (1, 2):
        m = sqs.receive_message(QueueUrl=src, VisibilityTimeout=0, AttributeNames=["ApproximateReceiveCount"])["Messages"][0]
        assert m["Attributes"]["ApproximateReceiveCount"] == str(n)
    assert "Messages" not in sqs.receive_message(QueueUrl=src)
    dead = sqs.receive_message(QueueUrl=dlq, AttributeNames=["All"])["Messages"]
    assert [m["MessageId"] for m in dead] == [sent["MessageId"]]
    src_arn = sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    assert dead[0]["Attributes"]["DeadLetterQueueSourceArn"] == src_arn
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=src, AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
    assert policy["maxReceiveCount"] == 2


def test_fifo_dlq(sqs):
    dlq = sqs.create_queue(QueueName="dead.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    src = sqs.create_queue(QueueName="src.fifo", Attributes={"FifoQueue": "true", "RedrivePolicy": json.dumps(
        {"deadLetterTargetArn": arn, "maxReceiveCount": 1})})["QueueUrl"]
    send(sqs, src, "first", "g")
    send(sqs, src, "second", "g")
    assert sqs.receive_message(QueueUrl=src, VisibilityTimeout=0)["Messages"][0]["Body"] == "first"
    # "first" has used its one receive: it moves, and "second" is next in the group.
    assert sqs.receive_message(QueueUrl=src)["Messages"][0]["Body"] == "second"
    assert sqs.receive_message(QueueUrl=dlq)["Messages"][0]["Body"] == "first"
    standard = sqs.create_queue(QueueName="std")["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=standard, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": arn, "maxReceiveCount": 1})})
    assert error_of(e) == ("InvalidParameterValue", 400)


def test_redrive_policy_validation(sqs):
    src = sqs.create_queue(QueueName="src")["QueueUrl"]
    for policy in [{"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:missing", "maxReceiveCount": 1},
                   {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:src", "maxReceiveCount": 0},
                   {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:src", "maxReceiveCount": 1001},
                   {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:src", "maxReceiveCount": 1, "extra": 1}]:
        with pytest.raises(ClientError) as e:
            sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(policy)})
        assert error_of(e) == ("InvalidParameterValue", 400), policy


def test_redrive_allow_policy(sqs):
    with pytest.raises(ClientError) as e:
        _dlq_pair(sqs, allow={"redrivePermission": "denyAll"})
    assert error_of(e) == ("InvalidParameterValue", 400)
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName="dead")["QueueUrl"])
    sqs.create_queue(QueueName="dead2", Attributes={"RedriveAllowPolicy": json.dumps(
        {"redrivePermission": "byQueue", "sourceQueueArns": ["arn:aws:sqs:us-east-1:000000000000:allowed"]})})
    arn = "arn:aws:sqs:us-east-1:000000000000:dead2"
    policy = json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3})
    sqs.create_queue(QueueName="allowed", Attributes={"RedrivePolicy": policy})
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="refused", Attributes={"RedrivePolicy": policy})
    assert error_of(e) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="bad-allow", Attributes={"RedriveAllowPolicy": json.dumps(
            {"redrivePermission": "byQueue"})})
    assert error_of(e) == ("InvalidParameterValue", 400)


def test_list_dead_letter_source_queues(sqs):
    dlq = sqs.create_queue(QueueName="dlq")["QueueUrl"]
    policy = json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq", "maxReceiveCount": 5})
    for name in ["s1", "s2", "s3"]:
        sqs.create_queue(QueueName=name, Attributes={"RedrivePolicy": policy})
    sqs.create_queue(QueueName="unrelated")
    urls = sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"]
    assert [u.rsplit("/", 1)[1] for u in urls] == ["s1", "s2", "s3"]
    page = sqs.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=2)
    assert len(page["queueUrls"]) == 2
    rest = sqs.list_dead_letter_source_queues(QueueUrl=dlq, MaxResults=2, NextToken=page["NextToken"])
    assert [u.rsplit("/", 1)[1] for u in rest["queueUrls"]] == ["s3"] and "NextToken" not in rest
    sqs.set_queue_attributes(QueueUrl=sqs.get_queue_url(QueueName="s2")["QueueUrl"], Attributes={"RedrivePolicy": ""})
    assert len(sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"]) == 2
