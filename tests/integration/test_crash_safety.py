"""Crash-safety soak: a mixed load of writes against --data-dir, the server killed with SIGKILL
at random moments, restarted, and the books checked after every restart.

Every write the server acknowledged must be there, whole, after any number of kills: S3 objects
(small ones kept inline, larger ones in blob files, multipart completions), SQS sends and
deletes, DynamoDB puts, counters and transactions, Lambda Event invocations (each must run, at
least once). A write whose answer was lost in the kill is "in doubt": it may have happened or
not, but never half: an object is whole or absent, a transaction's three items all there or none.

FOGBANK_SOAK_CYCLES (default 20) sets the number of kills; FOGBANK_SOAK_SECONDS (default 0.8)
the longest a load runs before one. The seed is printed, and FOGBANK_SOAK_SEED replays it.
"""
import hashlib
import json
import os
import random
import signal
import threading
import time

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

import boto3
from conftest import ROLE, Server, advance_clock, create_table, zip_bytes

CYCLES = int(os.environ.get("FOGBANK_SOAK_CYCLES", "20"))
LOAD_SECONDS = float(os.environ.get("FOGBANK_SOAK_SECONDS", "0.8"))
WORKERS = 4
PART = 5 * 1024 * 1024  # S3's smallest part but the last

# Writes a file named by the event's id: the test's evidence that an invocation ran.
FUNCTION = """
import os
def handler(event, context):
    path = os.path.join(os.environ["SOAK_DIR"], event["id"])
    with open(path, "a") as f:
        f.write(context.aws_request_id + "\\n")
    return {"ok": event["id"]}
"""


def client(srv, service):
    # One attempt: a retry after the restart would turn an in-doubt write into an acknowledged
    # one without the test knowing which attempt the server saw.
    return boto3.client(service, endpoint_url=srv.url, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 1}, connect_timeout=2,
                                      read_timeout=20, max_pool_connections=4))


def body_of(key, size):
    seed = hashlib.sha256(key.encode()).digest()
    return (seed * (size // len(seed) + 1))[:size]


class Ledger:
    """What the test sent, split by whether the server acknowledged it."""

    def __init__(self):
        self.lock = threading.Lock()
        self.objects = {}        # key -> (size, acked)
        self.messages = {}       # body -> acked send
        self.deleted = set()     # bodies whose delete was acknowledged
        self.deleting = set()    # bodies whose delete was sent (the kill may take its answer)
        self.items = {}          # pk -> acked
        self.increments = [0, 0]  # acked, in doubt
        self.transactions = {}   # txid -> acked
        self.invocations = {}    # id -> acked

    def note(self, table, key, acked):
        with self.lock:
            if isinstance(table, dict):
                # Acknowledged once stays acknowledged (a later in-doubt retry cannot undo it).
                table[key] = table.get(key, False) or acked


class Load:
    def __init__(self, srv, ledger, rng, cycle):
        self.srv, self.ledger, self.rng, self.cycle = srv, ledger, rng, cycle
        self.stop = threading.Event()
        self.errors = []

    def run(self, worker):
        s3, sqs, ddb, lam = (client(self.srv, s) for s in ("s3", "sqs", "dynamodb", "lambda"))
        queue = self.srv.url + "/000000000000/soak"
        rng = random.Random(self.rng.random())
        n = 0
        while not self.stop.is_set():
            n += 1
            tag = f"c{self.cycle}w{worker}n{n}"
            op = rng.choice(["s3", "s3", "s3big", "mpu", "send", "send", "delete", "put", "add",
                             "tx", "invoke"])
            try:
                self.one(op, tag, rng, s3, sqs, queue, ddb, lam)
            except (BotoCoreError, ClientError, OSError) as e:
                # The kill (connection refused or reset mid-answer) ends the load; any other
                # failure is a finding.
                if not _connection_error(e):
                    self.errors.append(f"{op} {tag}: {e!r}")
                return

    def one(self, op, tag, rng, s3, sqs, queue, ddb, lam):
        L = self.ledger
        if op in ("s3", "s3big"):
            size = rng.randint(0, 2000) if op == "s3" else rng.randint(70_000, 400_000)
            key = f"obj/{tag}"
            with L.lock:
                L.objects.setdefault(key, (size, False))
            s3.put_object(Bucket="soak", Key=key, Body=body_of(key, size))
            with L.lock:
                L.objects[key] = (size, True)
        elif op == "mpu":
            key = f"mpu/{tag}"
            size = PART + 1000
            with L.lock:
                L.objects.setdefault(key, (size, False))
            body = body_of(key, size)
            up = s3.create_multipart_upload(Bucket="soak", Key=key)["UploadId"]
            e1 = s3.upload_part(Bucket="soak", Key=key, UploadId=up, PartNumber=1, Body=body[:PART])["ETag"]
            e2 = s3.upload_part(Bucket="soak", Key=key, UploadId=up, PartNumber=2, Body=body[PART:])["ETag"]
            s3.complete_multipart_upload(Bucket="soak", Key=key, UploadId=up, MultipartUpload={
                "Parts": [{"PartNumber": 1, "ETag": e1}, {"PartNumber": 2, "ETag": e2}]})
            with L.lock:
                L.objects[key] = (size, True)
        elif op == "send":
            L.note(L.messages, tag, False)
            sqs.send_message(QueueUrl=queue, MessageBody=tag)
            L.note(L.messages, tag, True)
        elif op == "delete":
            r = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=1, VisibilityTimeout=30)
            for m in r.get("Messages", []):
                with L.lock:
                    L.deleting.add(m["Body"])
                sqs.delete_message(QueueUrl=queue, ReceiptHandle=m["ReceiptHandle"])
                with L.lock:
                    L.deleted.add(m["Body"])
        elif op == "put":
            L.note(L.items, tag, False)
            ddb.put_item(TableName="soak", Item={"pk": {"S": tag}, "v": {"S": tag * 3}})
            L.note(L.items, tag, True)
        elif op == "add":
            with L.lock:
                L.increments[1] += 1
            ddb.update_item(TableName="soak", Key={"pk": {"S": "counter"}},
                            UpdateExpression="ADD n :one", ExpressionAttributeValues={":one": {"N": "1"}})
            with L.lock:
                L.increments[0] += 1
                L.increments[1] -= 1
        elif op == "tx":
            L.note(L.transactions, tag, False)
            ddb.transact_write_items(TransactItems=[
                {"Put": {"TableName": "soak", "Item": {"pk": {"S": f"tx/{tag}/{i}"}, "tx": {"S": tag}}}}
                for i in range(3)])
            L.note(L.transactions, tag, True)
        elif op == "invoke":
            L.note(L.invocations, tag, False)
            r = lam.invoke(FunctionName="soak", InvocationType="Event", Payload=json.dumps({"id": tag}))
            assert r["StatusCode"] == 202
            L.note(L.invocations, tag, True)


def _connection_error(e):
    text = repr(e)
    return any(s in text for s in ("ConnectionRefused", "Connection refused", "ConnectionReset",
                                   "Connection reset", "EndpointConnectionError", "RemoteDisconnected",
                                   "ConnectionClosed", "Connection was closed", "ReadTimeout",
                                   "BrokenPipe", "Broken pipe", "IncompleteRead", "ProtocolError",
                                   "ResponseStreamingError"))


def check_books(srv, ledger, soak_dir, final=False):
    s3, sqs, ddb = client(srv, "s3"), client(srv, "sqs"), client(srv, "dynamodb")
    # S3: acknowledged objects whole; in-doubt ones whole or absent; nothing else in the bucket.
    listed = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="soak"):
        for o in page.get("Contents", []):
            listed[o["Key"]] = o["Size"]
    with ledger.lock:
        objects = dict(ledger.objects)
    for key, (size, acked) in objects.items():
        if key not in listed:
            assert not acked, f"acknowledged object {key} is gone"
            continue
        assert listed[key] == size, f"{key} is {listed[key]} bytes, was written as {size}"
        got = s3.get_object(Bucket="soak", Key=key)["Body"].read()
        assert got == body_of(key, size), f"{key} is not the bytes written"
    assert set(listed) <= set(objects), f"objects nobody wrote: {set(listed) - set(objects)}"

    # DynamoDB: items, the counter's bounds, transactions all or nothing.
    present = set()
    for page in ddb.get_paginator("scan").paginate(TableName="soak", ConsistentRead=True):
        for it in page["Items"]:
            present.add(it["pk"]["S"])
            if "v" in it:
                assert it["v"]["S"] == it["pk"]["S"] * 3
    with ledger.lock:
        items, txs, (acked_adds, doubt_adds) = dict(ledger.items), dict(ledger.transactions), ledger.increments
    for pk, acked in items.items():
        assert pk in present or not acked, f"acknowledged item {pk} is gone"
    for tx, acked in txs.items():
        parts = [f"tx/{tx}/{i}" in present for i in range(3)]
        assert all(parts) or not any(parts), f"transaction {tx} is half applied: {parts}"
        assert all(parts) or not acked, f"acknowledged transaction {tx} is gone"
    counter = ddb.get_item(TableName="soak", Key={"pk": {"S": "counter"}}, ConsistentRead=True).get("Item")
    n = int(counter["n"]["N"]) if counter else 0
    assert acked_adds <= n <= acked_adds + doubt_adds, f"counter {n}, acked {acked_adds} (+{doubt_adds} in doubt)"

    if not final:
        return
    # SQS: every acknowledged send whose delete was never sent is still there (at least once);
    # no acknowledged delete comes back. The clock moves past every visibility timeout first.
    advance_clock(srv, 60)
    queue = sqs.get_queue_url(QueueName="soak")["QueueUrl"]
    seen = set()
    while True:
        r = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, VisibilityTimeout=300)
        msgs = r.get("Messages", [])
        if not msgs:
            break
        seen.update(m["Body"] for m in msgs)
    with ledger.lock:
        messages, deleted, deleting = dict(ledger.messages), set(ledger.deleted), set(ledger.deleting)
    for body, acked in messages.items():
        # A delete the kill cut off may have been done: that message is in doubt, not lost.
        if acked and body not in deleting:
            assert body in seen, f"acknowledged message {body} is gone"
    assert not (seen & deleted), f"deleted messages came back: {sorted(seen & deleted)[:5]}"
    assert seen <= set(messages), "messages nobody sent"

    # Lambda: every acknowledged Event invocation runs (retries and restarts included).
    with ledger.lock:
        invocations = dict(ledger.invocations)
    wanted = {i for i, acked in invocations.items() if acked}
    deadline = time.time() + 90
    while time.time() < deadline:
        ran = set(os.listdir(soak_dir))
        if wanted <= ran:
            break
        time.sleep(0.2)
    ran = set(os.listdir(soak_dir))
    assert wanted <= ran, f"acknowledged invocations never ran: {sorted(wanted - ran)[:5]}"
    assert ran <= set(invocations), "invocations nobody asked for"


def test_kill_9_soak(tmp_path):
    seed = int(os.environ.get("FOGBANK_SOAK_SEED", random.randrange(1 << 30)))
    print(f"soak seed {seed}, {CYCLES} cycles")
    rng = random.Random(seed)
    soak_dir = tmp_path / "invocations"
    soak_dir.mkdir()
    srv = Server(data_dir=tmp_path / "state")
    ledger = Ledger()
    try:
        s3, sqs, ddb, lam = (client(srv, s) for s in ("s3", "sqs", "dynamodb", "lambda"))
        s3.create_bucket(Bucket="soak")
        sqs.create_queue(QueueName="soak")
        create_table(ddb, "soak", ("pk", "S"))
        lam.create_function(FunctionName="soak", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": zip_bytes({"app.py": FUNCTION})}, Timeout=10,
                            Environment={"Variables": {"SOAK_DIR": str(soak_dir)}})
        lam.get_waiter("function_active_v2").wait(FunctionName="soak",
                                                   WaiterConfig={"Delay": 1, "MaxAttempts": 10})
        kills = 0
        for cycle in range(CYCLES):
            load = Load(srv, ledger, rng, cycle)
            threads = [threading.Thread(target=load.run, args=(w,)) for w in range(WORKERS)]
            for t in threads:
                t.start()
            time.sleep(rng.uniform(0.05, LOAD_SECONDS))
            assert srv.proc.poll() is None, "fogbank died under load:\n" + srv.logs()[-4000:]
            srv.proc.send_signal(signal.SIGKILL)
            load.stop.set()
            srv.proc.wait(timeout=10)
            srv.log.close()
            kills += 1
            for t in threads:
                t.join(timeout=60)
            assert not load.errors, load.errors[:5]
            srv.start()
            check_books(srv, ledger, soak_dir)
        check_books(srv, ledger, soak_dir, final=True)
        with ledger.lock:
            acked = sum(a for _, a in ledger.objects.values()) + sum(ledger.messages.values()) + \
                sum(ledger.items.values()) + sum(ledger.transactions.values()) + ledger.increments[0] + \
                sum(ledger.invocations.values())
        print(f"soak: {kills} kills, {acked} acknowledged writes checked")
        assert kills == CYCLES and acked > CYCLES  # the load really ran between the kills
    finally:
        srv.cleanup()
