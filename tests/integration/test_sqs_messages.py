"""SQS messages through boto3 (query protocol): attributes and their MD5s, visibility, delays,
retention, sizes, batches and long polling."""
import base64
import hashlib
import struct
import threading
import time

import pytest
from botocore.exceptions import ClientError

from conftest import advance_clock, cli_json, error_of, make_client, run_cli


def md5_of_attributes(attrs):
    """MD5OfMessageAttributes as the SQS documentation specifies it, written independently of
    the server: per attribute in name order, length-prefixed name and type, a transport byte,
    then the length-prefixed value."""
    buf = b""
    for name in sorted(attrs):
        a = attrs[name]
        buf += struct.pack(">I", len(name.encode())) + name.encode()
        buf += struct.pack(">I", len(a["DataType"].encode())) + a["DataType"].encode()
        if "BinaryValue" in a:
            v = a["BinaryValue"]
            buf += b"\x02" + struct.pack(">I", len(v)) + v
        else:
            v = a["StringValue"].encode()
            buf += b"\x01" + struct.pack(">I", len(v)) + v
    return hashlib.md5(buf).hexdigest()


@pytest.fixture
def queue(sqs):
    return sqs.create_queue(QueueName="work")["QueueUrl"]


def test_send_receive_delete_with_attributes(sqs, queue):
    attrs = {
        "kind": {"DataType": "String", "StringValue": "thumbnail"},
        "width": {"DataType": "Number", "StringValue": "1024"},
        "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xfe\xff"},
        "label": {"DataType": "String.custom", "StringValue": "ünïcødé ✓"},
    }
    body = "hello wörld 🌍"
    sent = sqs.send_message(QueueUrl=queue, MessageBody=body, MessageAttributes=attrs)
    assert sent["MD5OfMessageBody"] == hashlib.md5(body.encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes(attrs)
    got = sqs.receive_message(QueueUrl=queue, MessageAttributeNames=["All"], AttributeNames=["All"])
    (m,) = got["Messages"]
    assert m["MessageId"] == sent["MessageId"]
    assert m["Body"] == body
    assert m["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert m["MessageAttributes"] == attrs
    assert m["MD5OfMessageAttributes"] == sent["MD5OfMessageAttributes"]
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])  # idempotent
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)


def test_message_attribute_selection(sqs, queue):
    attrs = {n: {"DataType": "String", "StringValue": n} for n in ["img.width", "img.height", "owner"]}
    sqs.send_message(QueueUrl=queue, MessageBody="x", MessageAttributes=attrs)
    m = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=0, MessageAttributeNames=["img.*"])["Messages"][0]
    assert set(m["MessageAttributes"]) == {"img.width", "img.height"}
    assert m["MD5OfMessageAttributes"] == md5_of_attributes({k: attrs[k] for k in ["img.width", "img.height"]})
    m = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=0, MessageAttributeNames=["owner"])["Messages"][0]
    assert set(m["MessageAttributes"]) == {"owner"}
    m = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=0)["Messages"][0]
    assert "MessageAttributes" not in m and "MD5OfMessageAttributes" not in m


def test_system_attributes(sqs, queue):
    t0 = int(time.time() * 1000)
    trace = "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"
    sent = sqs.send_message(QueueUrl=queue, MessageBody="x", MessageSystemAttributes={
        "AWSTraceHeader": {"DataType": "String", "StringValue": trace}})
    assert sent["MD5OfMessageSystemAttributes"] == md5_of_attributes(
        {"AWSTraceHeader": {"DataType": "String", "StringValue": trace}})
    first = sqs.receive_message(QueueUrl=queue, AttributeNames=["All"], VisibilityTimeout=0)["Messages"][0]
    a = first["Attributes"]
    assert a["SenderId"] == "000000000000"
    assert t0 - 1000 <= int(a["SentTimestamp"]) <= time.time() * 1000 + 1000
    assert a["ApproximateReceiveCount"] == "1"
    assert int(a["ApproximateFirstReceiveTimestamp"]) >= int(a["SentTimestamp"])
    assert a["AWSTraceHeader"] == trace
    again = sqs.receive_message(QueueUrl=queue, AttributeNames=["ApproximateReceiveCount", "SentTimestamp"])["Messages"][0]
    assert again["Attributes"] == {"ApproximateReceiveCount": "2", "SentTimestamp": a["SentTimestamp"]}
    with pytest.raises(ClientError) as e:
        sqs.receive_message(QueueUrl=queue, AttributeNames=["Nope"])
    assert error_of(e) == ("InvalidAttributeName", 400)


def test_visibility_timeout(sqs):
    url = sqs.create_queue(QueueName="vis", Attributes={"VisibilityTimeout": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="a")
    first = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    time.sleep(1.2)
    second = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"][0]
    assert second["MessageId"] == first["MessageId"]
    assert second["ReceiptHandle"] != first["ReceiptHandle"]
    time.sleep(1.2)  # the per-receive timeout (30 s) holds, not the queue's 1 s
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0)
    third = sqs.receive_message(QueueUrl=url)["Messages"][0]
    assert third["MessageId"] == first["MessageId"]


def test_stale_receipt_handles(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="a")
    old = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=0)["Messages"][0]["ReceiptHandle"]
    new = sqs.receive_message(QueueUrl=queue, VisibilityTimeout=30)["Messages"][0]["ReceiptHandle"]
    # A stale handle: the delete succeeds but the message stays (AWS documents this).
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=old)
    a = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert a["Attributes"]["ApproximateNumberOfMessagesNotVisible"] == "1"
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=old, VisibilityTimeout=5)
    assert error_of(e) == ("InvalidParameterValue", 400)
    sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=new, VisibilityTimeout=0)
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=new, VisibilityTimeout=5)
    assert error_of(e) == ("AWS.SimpleQueueService.MessageNotInflight", 400)
    sqs.delete_message(QueueUrl=queue, ReceiptHandle=new)
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=new, VisibilityTimeout=5)
    assert error_of(e) == ("InvalidParameterValue", 400)
    for bad in ["garbage", "AAAA", base64.b64encode(b"x" * 24).decode()]:
        with pytest.raises(ClientError) as e:
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=bad)
        assert error_of(e) == ("ReceiptHandleIsInvalid", 404)
    other = sqs.create_queue(QueueName="other")["QueueUrl"]
    with pytest.raises(ClientError) as e:
        sqs.delete_message(QueueUrl=other, ReceiptHandle=new)
    assert error_of(e) == ("ReceiptHandleIsInvalid", 404)
    with pytest.raises(ClientError) as e:
        sqs.change_message_visibility(QueueUrl=queue, ReceiptHandle=new, VisibilityTimeout=43201)
    assert error_of(e) == ("InvalidParameterValue", 400)


def test_delays(sqs):
    url = sqs.create_queue(QueueName="slow", Attributes={"DelaySeconds": "1"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="queue delay")
    sqs.send_message(QueueUrl=url, MessageBody="no delay", DelaySeconds=0)
    sqs.send_message(QueueUrl=url, MessageBody="own delay", DelaySeconds=2)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["no delay"]
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesDelayed"])
    assert a["Attributes"]["ApproximateNumberOfMessagesDelayed"] == "2"
    time.sleep(1.1)
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["queue delay"]
    # A long poll wakes when the delay runs out, not at the end of its wait.
    t = time.time()
    got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=10)["Messages"]
    assert [m["Body"] for m in got] == ["own delay"] and time.time() - t < 2
    for bad in [-1, 901]:
        with pytest.raises(ClientError) as e:
            sqs.send_message(QueueUrl=url, MessageBody="x", DelaySeconds=bad)
        assert error_of(e) == ("InvalidParameterValue", 400)


def test_retention_period_expires_messages(server, sqs):
    url = sqs.create_queue(QueueName="short-lived", Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="old")
    advance_clock(server, 30)
    sqs.send_message(QueueUrl=url, MessageBody="newer")
    advance_clock(server, 31)
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages"])
    assert a["Attributes"]["ApproximateNumberOfMessages"] == "1"
    assert [m["Body"] for m in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]] == ["newer"]


def test_message_size_limits(sqs, queue):
    sqs.send_message(QueueUrl=queue, MessageBody="x" * 1048576)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=queue, MessageBody="x" * 1048577)
    assert error_of(e) == ("InvalidParameterValue", 400)
    # Attributes count towards the size.
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=queue, MessageBody="x" * 1048570,
                         MessageAttributes={"a": {"DataType": "String", "StringValue": "yy"}})
    assert error_of(e) == ("InvalidParameterValue", 400)
    small = sqs.create_queue(QueueName="small", Attributes={"MaximumMessageSize": "1024"})["QueueUrl"]
    sqs.send_message(QueueUrl=small, MessageBody="y" * 1024)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=small, MessageBody="y" * 1025)
    assert error_of(e) == ("InvalidParameterValue", 400)
    got = sqs.receive_message(QueueUrl=queue)["Messages"][0]
    assert len(got["Body"]) == 1048576


@pytest.mark.parametrize("body", ["bad \x01 char", "\x00", "ok\ud7ff\ue000 but \x08"])
def test_invalid_body_characters(sqs, queue, body):
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=queue, MessageBody=body)
    assert error_of(e) == ("InvalidMessageContents", 400)


def test_empty_body_is_missing(sqs, queue):
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=queue, MessageBody="")
    assert error_of(e) == ("MissingParameter", 400)


@pytest.mark.parametrize("attrs", [
    {f"a{i}": {"DataType": "String", "StringValue": "v"} for i in range(11)},
    {"x": {"DataType": "Blob", "StringValue": "v"}},
    {"x": {"DataType": "String.", "StringValue": "v"}},
    {"x": {"DataType": "String", "StringValue": ""}},
    {"x": {"DataType": "Number", "StringValue": "twelve"}},
    {"x": {"DataType": "Number", "StringValue": "1" * 39}},
    {"x": {"DataType": "Binary", "StringValue": "not binary"}},
    {"AWS.reserved": {"DataType": "String", "StringValue": "v"}},
    {"amazon.reserved": {"DataType": "String", "StringValue": "v"}},
    {".leading": {"DataType": "String", "StringValue": "v"}},
    {"two..dots": {"DataType": "String", "StringValue": "v"}},
    {"bad name": {"DataType": "String", "StringValue": "v"}},
    {"x": {"DataType": "String", "StringValue": "bell \x07"}},
])
def test_invalid_message_attributes(sqs, queue, attrs):
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=queue, MessageBody="x", MessageAttributes=attrs)
    assert error_of(e) == ("InvalidParameterValue", 400)


def test_invalid_receive_parameters(sqs, queue):
    for kw in [{"MaxNumberOfMessages": 0}, {"MaxNumberOfMessages": 11}, {"WaitTimeSeconds": 21},
               {"WaitTimeSeconds": -1}, {"VisibilityTimeout": 43201}]:
        with pytest.raises(ClientError) as e:
            sqs.receive_message(QueueUrl=queue, **kw)
        assert error_of(e) == ("InvalidParameterValue", 400), kw


def test_send_message_batch(sqs, queue):
    entries = [{"Id": f"m{i}", "MessageBody": f"body {i}",
                "MessageAttributes": {"i": {"DataType": "Number", "StringValue": str(i)}}} for i in range(9)]
    entries.append({"Id": "bad", "MessageBody": "nul \x00"})
    r = sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    assert sorted(s["Id"] for s in r["Successful"]) == sorted(f"m{i}" for i in range(9))
    for s in r["Successful"]:
        i = int(s["Id"][1:])
        assert s["MD5OfMessageBody"] == hashlib.md5(f"body {i}".encode()).hexdigest()
        assert s["MD5OfMessageAttributes"] == md5_of_attributes(entries[i]["MessageAttributes"])
    (f,) = r["Failed"]
    assert f["Id"] == "bad" and f["Code"] == "InvalidMessageContents" and f["SenderFault"] is True
    bodies = set()
    while True:
        got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10).get("Messages", [])
        if not got:
            break
        bodies |= {m["Body"] for m in got}
        d = sqs.delete_message_batch(QueueUrl=queue, Entries=[
            {"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(got)])
        assert len(d["Successful"]) == len(got) and not d.get("Failed")
    assert bodies == {f"body {i}" for i in range(9)}


@pytest.mark.parametrize("entries,code", [
    ([], "AWS.SimpleQueueService.EmptyBatchRequest"),
    ([{"Id": f"e{i}", "MessageBody": "x"} for i in range(11)], "AWS.SimpleQueueService.TooManyEntriesInBatchRequest"),
    ([{"Id": "same", "MessageBody": "x"}, {"Id": "same", "MessageBody": "y"}], "AWS.SimpleQueueService.BatchEntryIdsNotDistinct"),
    ([{"Id": "no spaces", "MessageBody": "x"}], "AWS.SimpleQueueService.InvalidBatchEntryId"),
    ([{"Id": "x" * 81, "MessageBody": "x"}], "AWS.SimpleQueueService.InvalidBatchEntryId"),
    ([{"Id": f"e{i}", "MessageBody": "x" * 200000} for i in range(6)], "AWS.SimpleQueueService.BatchRequestTooLong"),
])
def test_invalid_batches(sqs, queue, entries, code):
    with pytest.raises(ClientError) as e:
        sqs.send_message_batch(QueueUrl=queue, Entries=entries)
    assert error_of(e) == (code, 400)
    assert "Messages" not in sqs.receive_message(QueueUrl=queue)


def test_delete_and_visibility_batches_report_per_entry(sqs, queue):
    for i in range(3):
        sqs.send_message(QueueUrl=queue, MessageBody=f"m{i}")
    got = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10)["Messages"]
    assert len(got) == 3
    r = sqs.change_message_visibility_batch(QueueUrl=queue, Entries=[
        {"Id": "a", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 0},
        {"Id": "b", "ReceiptHandle": "junk", "VisibilityTimeout": 0},
        {"Id": "c", "ReceiptHandle": got[1]["ReceiptHandle"], "VisibilityTimeout": 99999}])
    assert [s["Id"] for s in r["Successful"]] == ["a"]
    assert {f["Id"]: f["Code"] for f in r["Failed"]} == {"b": "ReceiptHandleIsInvalid", "c": "InvalidParameterValue"}
    r = sqs.delete_message_batch(QueueUrl=queue, Entries=[
        {"Id": "x", "ReceiptHandle": got[2]["ReceiptHandle"]}, {"Id": "y", "ReceiptHandle": "junk"}])
    assert [s["Id"] for s in r["Successful"]] == ["x"]
    assert [(f["Id"], f["Code"], f["SenderFault"]) for f in r["Failed"]] == [("y", "ReceiptHandleIsInvalid", True)]
    with pytest.raises(ClientError) as e:
        sqs.delete_message_batch(QueueUrl=queue, Entries=[{"Id": "d", "ReceiptHandle": "a"}] * 2)
    assert error_of(e) == ("AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400)


def test_long_poll_times_out_empty(sqs, queue):
    t = time.time()
    assert "Messages" not in sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=1)
    assert 0.95 <= time.time() - t < 2


def test_long_poll_wakes_on_send(server, sqs, queue):
    sender = make_client(server, "sqs")
    result = {}

    def wait():
        r = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=10)
        result["at"] = time.time()
        result["messages"] = r.get("Messages", [])

    th = threading.Thread(target=wait)
    th.start()
    time.sleep(0.5)
    sent_at = time.time()
    sender.send_message(QueueUrl=queue, MessageBody="wake up")
    th.join(timeout=15)
    assert [m["Body"] for m in result["messages"]] == ["wake up"]
    assert result["at"] - sent_at < 0.25


def test_queue_default_wait_time(sqs):
    url = sqs.create_queue(QueueName="lp", Attributes={"ReceiveMessageWaitTimeSeconds": "1"})["QueueUrl"]
    t = time.time()
    sqs.receive_message(QueueUrl=url)
    assert time.time() - t >= 0.95
    t = time.time()
    sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0)
    assert time.time() - t < 0.5


def test_many_long_polls_do_not_slow_other_requests(server, sqs, queue):
    busy = sqs.create_queue(QueueName="busy")["QueueUrl"]
    results = []
    lock = threading.Lock()

    def poll():
        c = make_client(server, "sqs")
        r = c.receive_message(QueueUrl=queue, WaitTimeSeconds=20)
        with lock:
            results.extend(m["Body"] for m in r.get("Messages", []))

    threads = [threading.Thread(target=poll) for _ in range(200)]
    for t in threads:
        t.start()
    time.sleep(2)  # all parked
    lat = []
    for i in range(50):
        t = time.time()
        sqs.send_message(QueueUrl=busy, MessageBody=f"b{i}")
        lat.append(time.time() - t)
    lat.sort()
    assert lat[len(lat) // 2] < 0.05, lat
    for i in range(200):
        sqs.send_message(QueueUrl=queue, MessageBody=f"w{i}")
    for t in threads:
        t.join(timeout=30)
    assert sorted(results) == sorted(f"w{i}" for i in range(200))


def test_cli_message_commands(server, sqs, queue):
    sent = cli_json(server, "sqs", "send-message", "--queue-url", queue, "--message-body", "from cli",
                    "--message-attributes", '{"k":{"DataType":"String","StringValue":"v"}}')
    assert sent["MD5OfMessageAttributes"] == md5_of_attributes({"k": {"DataType": "String", "StringValue": "v"}})
    cli_json(server, "sqs", "send-message-batch", "--queue-url", queue, "--entries",
             "Id=a,MessageBody=one", "Id=b,MessageBody=two")
    got = cli_json(server, "sqs", "receive-message", "--queue-url", queue, "--max-number-of-messages", "10",
                   "--message-attribute-names", "All", "--wait-time-seconds", "1")["Messages"]
    assert sorted(m["Body"] for m in got) == ["from cli", "one", "two"]
    run_cli(server, "sqs", "change-message-visibility", "--queue-url", queue,
            "--receipt-handle", got[0]["ReceiptHandle"], "--visibility-timeout", "0")
    run_cli(server, "sqs", "change-message-visibility-batch", "--queue-url", queue, "--entries",
            f"Id=x,ReceiptHandle={got[1]['ReceiptHandle']},VisibilityTimeout=0")
    run_cli(server, "sqs", "delete-message", "--queue-url", queue, "--receipt-handle", got[2]["ReceiptHandle"])
    again = cli_json(server, "sqs", "receive-message", "--queue-url", queue, "--max-number-of-messages", "10")["Messages"]
    assert len(again) == 2
    d = cli_json(server, "sqs", "delete-message-batch", "--queue-url", queue, "--entries",
                 *[f"Id=d{i},ReceiptHandle={m['ReceiptHandle']}" for i, m in enumerate(again)])
    assert len(d["Successful"]) == 2
    p = run_cli(server, "sqs", "send-message", "--queue-url", queue, "--message-body", "x",
                "--delay-seconds", "901", check=False)
    assert p.returncode == 254 and "InvalidParameterValue" in p.stderr
