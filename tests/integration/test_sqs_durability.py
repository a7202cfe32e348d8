"""SQS under failure and load: state that survives kill -9 with --data-dir, and many producers
and consumers moving 20,000 messages while one consumer is killed mid-batch."""
import multiprocessing
import os
import signal
import time

from conftest import Server, make_client


def test_messages_survive_kill_9(tmp_path):
    srv = Server(data_dir=tmp_path / "state")
    try:
        sqs = make_client(srv, "sqs")
        url = sqs.create_queue(QueueName="durable", Attributes={"VisibilityTimeout": "2"},
                               tags={"keep": "me"})["QueueUrl"]
        fifo = sqs.create_queue(QueueName="durable.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        attrs = {"n": {"DataType": "Number", "StringValue": "7"},
                 "b": {"DataType": "Binary", "BinaryValue": b"\x00\xff"}}
        for i in range(3):
            sqs.send_message(QueueUrl=url, MessageBody=f"m{i}", MessageAttributes=attrs)
        sqs.send_message(QueueUrl=url, MessageBody="later", DelaySeconds=60)
        first = sqs.send_message(QueueUrl=fifo, MessageBody="f", MessageGroupId="g", MessageDeduplicationId="d")
        in_flight = sqs.receive_message(QueueUrl=url)["Messages"][0]
        held = sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)["Messages"][0]
        srv.stop(signal.SIGKILL)
        srv.start()

        a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        assert (a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"],
                a["ApproximateNumberOfMessagesDelayed"]) == ("1", "2", "1")
        assert a["VisibilityTimeout"] == "2"
        assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"keep": "me"}
        # A receipt handle from before the restart still deletes its message.
        sqs.delete_message(QueueUrl=url, ReceiptHandle=held["ReceiptHandle"])
        # The in-flight message comes back when its timeout passes, its receive count intact.
        time.sleep(2.1)
        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"],
                                  AttributeNames=["ApproximateReceiveCount"])["Messages"]
        by_body = {m["Body"]: m for m in got}
        assert set(by_body) == {"m0", "m1", "m2"} - {held["Body"]}
        assert by_body[in_flight["Body"]]["Attributes"]["ApproximateReceiveCount"] == "2"
        assert by_body[in_flight["Body"]]["MessageAttributes"] == attrs
        # FIFO deduplication remembers what was sent before the restart.
        again = sqs.send_message(QueueUrl=fifo, MessageBody="f", MessageGroupId="g", MessageDeduplicationId="d")
        assert again["MessageId"] == first["MessageId"]
        assert len(sqs.receive_message(QueueUrl=fifo, MaxNumberOfMessages=10)["Messages"]) == 1
    finally:
        srv.cleanup()


TOTAL = 20000
PRODUCERS = 4
CONSUMERS = 4


def _producer(url, endpoint, index):
    sqs = _client(endpoint)
    per = TOTAL // PRODUCERS
    for start in range(0, per, 10):
        entries = [{"Id": str(k), "MessageBody": f"{index}-{start + k}"} for k in range(10)]
        r = sqs.send_message_batch(QueueUrl=url, Entries=entries)
        assert len(r["Successful"]) == 10, r


def _consumer(url, endpoint, done, out):
    sqs = _client(endpoint)
    seen = []
    idle_since = None
    while True:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                AttributeNames=["ApproximateReceiveCount"])
        msgs = r.get("Messages", [])
        now = time.time()
        if not msgs:
            if done.is_set():
                idle_since = idle_since or now
                if now - idle_since > 6:  # past the killed consumer's visibility timeout
                    break
            continue
        idle_since = None
        seen += [(m["Body"], int(m["Attributes"]["ApproximateReceiveCount"]), now) for m in msgs]
        d = sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(msgs)])
        assert not d.get("Failed"), d
    out.put(seen)


def _victim(url, endpoint, conn):
    sqs = _client(endpoint)
    while True:
        msgs = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=3).get("Messages", [])
        if len(msgs) == 10:
            break
    conn.send([(m["Body"], time.time()) for m in msgs])
    time.sleep(3600)  # killed here, holding its batch


def _client(endpoint):
    import boto3
    from botocore.config import Config
    return boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                        aws_secret_access_key="test", config=Config(retries={"max_attempts": 1},
                                                                    max_pool_connections=2))


def test_producers_and_consumers_lose_and_duplicate_nothing(server, sqs):
    url = sqs.create_queue(QueueName="load", Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    ctx = multiprocessing.get_context("fork")
    done = ctx.Event()
    out = ctx.Queue()
    consumers = [ctx.Process(target=_consumer, args=(url, server.url, done, out)) for _ in range(CONSUMERS)]
    producers = [ctx.Process(target=_producer, args=(url, server.url, i)) for i in range(PRODUCERS)]
    parent_end, child_end = ctx.Pipe()
    victim = ctx.Process(target=_victim, args=(url, server.url, child_end))
    started = time.time()
    for p in producers + consumers:
        p.start()
    victim.start()
    stolen = parent_end.recv()
    os.kill(victim.pid, signal.SIGKILL)
    victim.join()
    for p in producers:
        p.join(timeout=300)
        assert p.exitcode == 0
    done.set()
    seen = []
    for _ in consumers:
        seen += out.get(timeout=300)
    for p in consumers:
        p.join(timeout=30)
        assert p.exitcode == 0
    elapsed = time.time() - started

    expected = {f"{i}-{n}" for i in range(PRODUCERS) for n in range(TOTAL // PRODUCERS)}
    bodies = [b for b, _, _ in seen]
    assert set(bodies) == expected, f"missing {len(expected - set(bodies))}"
    # Consumers delete what they receive well within the 30 s timeout, so no one else may ever
    # get the same message: every body is delivered to the consumers exactly once.
    assert len(bodies) == len(expected), f"{len(bodies) - len(expected)} duplicate deliveries"
    # The killed consumer's batch came back after its 3 s visibility timeout, as second receives.
    by_body = {b: (count, at) for b, count, at in seen}
    for body, taken_at in stolen:
        count, at = by_body[body]
        assert count == 2 and at - taken_at >= 2.9, (body, count, at - taken_at)
    assert sum(1 for _, count, _ in seen if count > 1) == len(stolen)
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert a["ApproximateNumberOfMessages"] == "0" and a["ApproximateNumberOfMessagesNotVisible"] == "0"
    print(f"moved {TOTAL} messages through {PRODUCERS} producers and {CONSUMERS} consumers in {elapsed:.1f}s")


def test_shutdown_answers_parked_long_polls(tmp_path):
    import threading
    srv = Server()
    try:
        sqs = make_client(srv, "sqs")
        url = sqs.create_queue(QueueName="parked")["QueueUrl"]
        results = []

        def poll():
            results.append(make_client(srv, "sqs").receive_message(QueueUrl=url, WaitTimeSeconds=20))

        threads = [threading.Thread(target=poll) for _ in range(20)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        t0 = time.time()
        assert srv.stop(signal.SIGTERM) == 0
        # Parked polls are answered (empty) as the server drains, not left to run out their 20 s.
        assert time.time() - t0 < 3
        for t in threads:
            t.join(timeout=5)
        assert len(results) == 20 and all("Messages" not in r for r in results)
    finally:
        srv.cleanup()
