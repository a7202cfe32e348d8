"""DynamoDB under failure and contention: tables, items and indexes that survive kill -9 with
--data-dir, optimistic locking from many processes that never loses an update, and TTL expiry."""
import multiprocessing
import signal
import time

import pytest
from botocore.exceptions import ClientError

from conftest import Server, advance_clock, create_table, make_client


def test_tables_and_items_survive_kill_9(tmp_path):
    srv = Server(data_dir=tmp_path / "state")
    try:
        ddb = make_client(srv, "dynamodb")
        create_table(ddb, "durable", ("pk", "S"), ("sk", "N"), attributes={"email": "S"},
                     GlobalSecondaryIndexes=[{"IndexName": "byEmail",
                                              "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                                              "Projection": {"ProjectionType": "ALL"}}],
                     Tags=[{"Key": "keep", "Value": "me"}])
        ddb.update_time_to_live(TableName="durable",
                                TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
        for i in range(50):
            ddb.put_item(TableName="durable", Item={"pk": {"S": "p"}, "sk": {"N": str(i)},
                                                    "email": {"S": f"u{i % 5}@x"}, "n": {"N": "0"}})
        ddb.update_item(TableName="durable", Key={"pk": {"S": "p"}, "sk": {"N": "3"}},
                        UpdateExpression="SET n = :v", ExpressionAttributeValues={":v": {"N": "99.5"}})
        ddb.delete_item(TableName="durable", Key={"pk": {"S": "p"}, "sk": {"N": "4"}})
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "durable", "Item": {"pk": {"S": "q"}, "sk": {"N": "1"}}}}])
        arn = ddb.describe_table(TableName="durable")["Table"]["TableArn"]
        srv.stop(signal.SIGKILL)
        srv.start()

        t = ddb.describe_table(TableName="durable")["Table"]
        assert t["ItemCount"] == 50 and t["TableArn"] == arn
        assert t["GlobalSecondaryIndexes"][0]["ItemCount"] == 49
        assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "keep", "Value": "me"}]
        assert ddb.describe_time_to_live(TableName="durable")["TimeToLiveDescription"]["TimeToLiveStatus"] == "ENABLED"
        got = ddb.get_item(TableName="durable", Key={"pk": {"S": "p"}, "sk": {"N": "3"}})["Item"]
        assert got["n"] == {"N": "99.5"}
        r = ddb.query(TableName="durable", KeyConditionExpression="pk = :p",
                      ExpressionAttributeValues={":p": {"S": "p"}})
        assert [int(i["sk"]["N"]) for i in r["Items"]] == [i for i in range(50) if i != 4]
        r = ddb.query(TableName="durable", IndexName="byEmail", KeyConditionExpression="email = :e",
                      ExpressionAttributeValues={":e": {"S": "u0@x"}})
        assert r["Count"] == 10
        ddb.delete_table(TableName="durable")
        srv.stop(signal.SIGKILL)
        srv.start()
        assert ddb.list_tables()["TableNames"] == []
    finally:
        srv.cleanup()


def test_writes_across_a_fold_of_the_item_log_survive_kill_9(tmp_path):
    """Item writes are logged and folded into the item tree every 2048 entries: writes on both
    sides of several folds, overwrites and deletes among them, all come back after kill -9."""
    srv = Server(data_dir=tmp_path / "state")
    try:
        ddb = make_client(srv, "dynamodb")
        create_table(ddb, "logged", ("pk", "S"), ("sk", "N"))
        expected = {}
        for round_ in range(3):  # 3 x 1500 writes: folds at 2048 and 4096, a tail in the log
            for start in range(0, 1500, 25):
                reqs = []
                for i in range(start, start + 25):
                    key = {"pk": {"S": f"k{i % 700}"}, "sk": {"N": str(i % 3)}}
                    name = (key["pk"]["S"], key["sk"]["N"])
                    if (i + round_) % 11 == 0 and name not in {r["k"] for r in reqs}:
                        reqs.append({"k": name, "DeleteRequest": {"Key": key}})
                        expected.pop(name, None)
                    elif name not in {r["k"] for r in reqs}:
                        reqs.append({"k": name, "PutRequest": {"Item": {**key, "v": {"N": str(round_ * 10000 + i)}}}})
                        expected[name] = str(round_ * 10000 + i)
                ddb.batch_write_item(RequestItems={"logged": [{k: v for k, v in r.items() if k != "k"} for r in reqs]})
        srv.stop(signal.SIGKILL)
        srv.start()
        got = {}
        kw = {}
        while True:
            page = ddb.scan(TableName="logged", **kw)
            for it in page["Items"]:
                got[(it["pk"]["S"], it["sk"]["N"])] = it["v"]["N"]
            if "LastEvaluatedKey" not in page:
                break
            kw = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
        assert len(got) == len(expected) and got == expected
        assert ddb.describe_table(TableName="logged")["Table"]["ItemCount"] == len(expected)
    finally:
        srv.cleanup()


WORKERS = 6
INCREMENTS = 60


def _optimistic_incrementer(endpoint, worker, start_at):
    """Read-modify-write with a version attribute, retrying when someone else won."""
    import boto3
    from botocore.config import Config
    ddb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test",
                       config=Config(retries={"max_attempts": 1}))
    # Every worker starts at the same moment, however long its interpreter took to come up.
    time.sleep(max(0.0, start_at - time.time()))
    conflicts = 0
    for _ in range(INCREMENTS):
        while True:
            item = ddb.get_item(TableName="counter", Key={"id": {"S": "c"}}, ConsistentRead=True)["Item"]
            version = int(item["version"]["N"])
            try:
                ddb.put_item(TableName="counter",
                             Item={"id": {"S": "c"}, "version": {"N": str(version + 1)},
                                   "total": {"N": str(int(item["total"]["N"]) + 1)},
                                   f"w{worker}": {"N": "1"}},
                             ConditionExpression="version = :v",
                             ExpressionAttributeValues={":v": {"N": str(version)}})
                break
            except ClientError as e:
                assert e.response["Error"]["Code"] == "ConditionalCheckFailedException"
                conflicts += 1
    return conflicts


def test_optimistic_locking_never_loses_an_update(server):
    ddb = make_client(server, "dynamodb")
    create_table(ddb, "counter")
    ddb.put_item(TableName="counter", Item={"id": {"S": "c"}, "version": {"N": "0"}, "total": {"N": "0"}})
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        start_at = time.time() + 5
        conflicts = pool.starmap(_optimistic_incrementer, [(server.url, w, start_at) for w in range(WORKERS)])
    item = ddb.get_item(TableName="counter", Key={"id": {"S": "c"}})["Item"]
    assert item["total"] == {"N": str(WORKERS * INCREMENTS)}
    assert item["version"] == {"N": str(WORKERS * INCREMENTS)}
    assert sum(conflicts) > 0  # the workers really did race


def test_ttl_expires_items_in_the_background(server):
    ddb = make_client(server, "dynamodb")
    create_table(ddb, "sessions", attributes={})
    ddb.update_time_to_live(TableName="sessions",
                            TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
    now = int(time.time())
    items = {
        "past": {"N": str(now - 10)},
        "future": {"N": str(now + 3600)},
        "ancient": {"N": str(now - 6 * 365 * 86400)},  # over five years old: DynamoDB ignores it
        "text": {"S": str(now - 10)},                  # not a number: ignored
    }
    for k, v in items.items():
        ddb.put_item(TableName="sessions", Item={"id": {"S": k}, "expires": v})
    ddb.put_item(TableName="sessions", Item={"id": {"S": "none"}})

    def ids():
        return sorted(i["id"]["S"] for i in ddb.scan(TableName="sessions")["Items"])

    deadline = time.time() + 5
    while "past" in ids() and time.time() < deadline:
        time.sleep(0.2)
    assert ids() == ["ancient", "future", "none", "text"]
    # An hour later (on fogbank's service clock) the future item has expired as well.
    advance_clock(server, 3601)
    deadline = time.time() + 5
    while "future" in ids() and time.time() < deadline:
        time.sleep(0.2)
    assert ids() == ["ancient", "none", "text"]
