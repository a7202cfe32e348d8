"""DynamoDB Query and Scan with boto3: key conditions over S, N and B range keys in DynamoDB's
order, direction, Limit and pages, filters, Select, GSI and LSI projections, 1 MB pages and
parallel scan segments."""
import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from conftest import create_table, error_of


def message(e):
    return e.value.response["Error"]["Message"]


@pytest.fixture
def events(ddb):
    """Partition "cam" with numeric range keys, including negatives and decimals."""
    create_table(ddb, "events", ("pk", "S"), ("ts", "N"))
    values = ["-10", "-1.5", "0", "2", "10", "10.5", "100", "1e3"]
    for i, v in enumerate(values):
        ddb.put_item(TableName="events", Item={"pk": {"S": "cam"}, "ts": {"N": v},
                                               "kind": {"S": "face" if i % 2 else "car"}, "i": {"N": str(i)}})
    ddb.put_item(TableName="events", Item={"pk": {"S": "other"}, "ts": {"N": "5"}})
    return "events"


def ts(items):
    return [i["ts"]["N"] for i in items]


def q(ddb, cond, values, **kw):
    return ddb.query(TableName="events", KeyConditionExpression=cond,
                     ExpressionAttributeValues=values, **kw)


def test_numeric_range_keys_sort_numerically(ddb, events):
    r = q(ddb, "pk = :p", {":p": {"S": "cam"}})
    assert ts(r["Items"]) == ["-10", "-1.5", "0", "2", "10", "10.5", "100", "1000"]
    assert r["Count"] == 8 and r["ScannedCount"] == 8 and "LastEvaluatedKey" not in r
    r = q(ddb, "pk = :p", {":p": {"S": "cam"}}, ScanIndexForward=False)
    assert ts(r["Items"])[:3] == ["1000", "100", "10.5"]
    cases = [
        ("ts = :a", {":a": "10.0"}, ["10"]),
        ("ts < :a", {":a": "0"}, ["-10", "-1.5"]),
        ("ts <= :a", {":a": "0"}, ["-10", "-1.5", "0"]),
        ("ts > :a", {":a": "10"}, ["10.5", "100", "1000"]),
        ("ts >= :a", {":a": "10"}, ["10", "10.5", "100", "1000"]),
        ("ts BETWEEN :a AND :b", {":a": "-1.5", ":b": "10"}, ["-1.5", "0", "2", "10"]),
        (":a < ts", {":a": "100"}, ["1000"]),
    ]
    for cond, vals, expected in cases:
        values = {":p": {"S": "cam"}, **{k: {"N": v} for k, v in vals.items()}}
        assert ts(q(ddb, f"pk = :p AND {cond}", values)["Items"]) == expected, cond
        rev = q(ddb, f"pk = :p AND {cond}", values, ScanIndexForward=False)
        assert ts(rev["Items"]) == expected[::-1], cond


def test_string_and_binary_range_keys(ddb):
    create_table(ddb, "strs", ("pk", "S"), ("sk", "S"))
    for s in ["b", "a", "ab", "B", "ä", "a\x00", "abc"]:
        ddb.put_item(TableName="strs", Item={"pk": {"S": "p"}, "sk": {"S": s}})
    r = ddb.query(TableName="strs", KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": {"S": "p"}})
    # UTF-8 byte order: uppercase before lowercase, non-ASCII last.
    assert [i["sk"]["S"] for i in r["Items"]] == ["B", "a", "a\x00", "ab", "abc", "b", "ä"]
    r = ddb.query(TableName="strs", KeyConditionExpression="pk = :p AND begins_with(sk, :b)",
                  ExpressionAttributeValues={":p": {"S": "p"}, ":b": {"S": "ab"}})
    assert [i["sk"]["S"] for i in r["Items"]] == ["ab", "abc"]
    create_table(ddb, "bins", ("pk", "S"), ("sk", "B"))
    for b in [b"\xff", b"\x00\x01", b"\x7f", b"\x80"]:
        ddb.put_item(TableName="bins", Item={"pk": {"S": "p"}, "sk": {"B": b}})
    r = ddb.query(TableName="bins", KeyConditionExpression="pk = :p",
                  ExpressionAttributeValues={":p": {"S": "p"}})
    assert [i["sk"]["B"] for i in r["Items"]] == [b"\x00\x01", b"\x7f", b"\x80", b"\xff"]  # unsigned


def test_limit_pages_and_filters(ddb, events):
    seen, start = [], None
    while True:
        kw = {"ExclusiveStartKey": start} if start else {}
        r = q(ddb, "pk = :p", {":p": {"S": "cam"}}, Limit=3, **kw)
        seen += ts(r["Items"])
        start = r.get("LastEvaluatedKey")
        if not start:
            break
        assert set(start) == {"pk", "ts"}
    assert seen == ["-10", "-1.5", "0", "2", "10", "10.5", "100", "1000"]
    # Limit counts items read before the filter.
    r = q(ddb, "pk = :p", {":p": {"S": "cam"}, ":k": {"S": "face"}}, Limit=4,
          FilterExpression="kind = :k")
    assert r["ScannedCount"] == 4 and r["Count"] == 2 and "LastEvaluatedKey" in r
    r = q(ddb, "pk = :p", {":p": {"S": "cam"}, ":k": {"S": "face"}}, FilterExpression="kind = :k",
          Select="COUNT")
    assert r["Count"] == 4 and "Items" not in r
    pages = ddb.get_paginator("query").paginate(TableName="events", KeyConditionExpression="pk = :p",
                                                ExpressionAttributeValues={":p": {"S": "cam"}},
                                                ScanIndexForward=False, PaginationConfig={"PageSize": 3})
    assert [t for p in pages for t in ts(p["Items"])][-2:] == ["-1.5", "-10"]
    r = q(ddb, "pk = :p", {":p": {"S": "cam"}}, ProjectionExpression="ts, i")
    assert set(r["Items"][0]) == {"ts", "i"}


def test_key_condition_errors(ddb, events):
    cases = [
        ("ts = :n", {":n": {"N": "1"}}, "Query condition missed key schema element: pk"),
        ("pk = :p OR ts = :n", {":p": {"S": "cam"}, ":n": {"N": "1"}}, "Invalid operator used in KeyConditionExpression: OR"),
        ("pk <> :p", {":p": {"S": "cam"}}, "Invalid operator used in KeyConditionExpression: <>"),
        ("pk > :p", {":p": {"S": "cam"}}, "Query key condition not supported"),
        ("pk = :p AND kind = :p", {":p": {"S": "cam"}}, "Query condition missed key schema element"),
        ("pk = :n", {":n": {"N": "1"}}, "Condition parameter type does not match schema type"),
        ("pk = :p AND begins_with(ts, :n)", {":p": {"S": "cam"}, ":n": {"N": "1"}}, "operator or function: begins_with, operand type: N"),
        ("pk = :p AND ts BETWEEN :b AND :a", {":p": {"S": "cam"}, ":a": {"N": "1"}, ":b": {"N": "2"}}, "The BETWEEN operator requires upper bound to be greater than or equal to lower bound"),
        ("pk = :p AND ts > :a AND ts < :a", {":p": {"S": "cam"}, ":a": {"N": "1"}}, "Conditions can be of length 1 or 2 only"),
    ]
    for cond, values, text in cases:
        with pytest.raises(ClientError) as e:
            q(ddb, cond, values)
        assert error_of(e) == ("ValidationException", 400), cond
        assert text in message(e), (cond, message(e))
    with pytest.raises(ClientError) as e:
        q(ddb, "pk = :p", {":p": {"S": "cam"}, ":n": {"N": "1"}}, FilterExpression="ts > :n")
    assert "Filter Expression can only contain non-primary key attributes: Primary key attribute: ts" in message(e)
    with pytest.raises(ClientError) as e:
        ddb.query(TableName="events")
    assert "KeyConditions or KeyConditionExpression" in message(e)
    with pytest.raises(ClientError) as e:
        q(ddb, "pk = :p", {":p": {"S": "cam"}}, ExclusiveStartKey={"pk": {"S": "cam"}})
    assert "The provided starting key is invalid" in message(e)


@pytest.fixture
def faces(ddb):
    create_table(ddb, "faces", ("collection", "S"), ("face", "S"),
                 attributes={"person": "S", "confidence": "N"},
                 GlobalSecondaryIndexes=[
                     {"IndexName": "byPerson", "KeySchema": [{"AttributeName": "person", "KeyType": "HASH"},
                                                             {"AttributeName": "confidence", "KeyType": "RANGE"}],
                      "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["image"]}}],
                 LocalSecondaryIndexes=[
                     {"IndexName": "byConfidence", "KeySchema": [{"AttributeName": "collection", "KeyType": "HASH"},
                                                                 {"AttributeName": "confidence", "KeyType": "RANGE"}],
                      "Projection": {"ProjectionType": "KEYS_ONLY"}}])
    rows = [("c1", "f1", "ann", "99.5"), ("c1", "f2", "bob", "80"), ("c1", "f3", "ann", "90"),
            ("c2", "f4", "ann", "70"), ("c1", "f5", None, "50")]
    for c, f, p, conf in rows:
        item = {"collection": {"S": c}, "face": {"S": f}, "confidence": {"N": conf},
                "image": {"S": f"{f}.jpg"}, "extra": {"S": "not projected"}}
        if p:
            item["person"] = {"S": p}
        ddb.put_item(TableName="faces", Item=item)
    return "faces"


def test_global_secondary_index(ddb, faces):
    r = ddb.query(TableName=faces, IndexName="byPerson", KeyConditionExpression="person = :p",
                  ExpressionAttributeValues={":p": {"S": "ann"}}, ScanIndexForward=False)
    assert [i["face"]["S"] for i in r["Items"]] == ["f1", "f3", "f4"]  # across partitions
    assert set(r["Items"][0]) == {"collection", "face", "person", "confidence", "image"}  # INCLUDE
    # Sparse: the face with no person is not in the index.
    scan = ddb.scan(TableName=faces, IndexName="byPerson")
    assert scan["Count"] == 4
    # Pages through an index resume from index and table keys together.
    r = ddb.query(TableName=faces, IndexName="byPerson", KeyConditionExpression="person = :p",
                  ExpressionAttributeValues={":p": {"S": "ann"}}, Limit=2)
    assert set(r["LastEvaluatedKey"]) == {"collection", "face", "person", "confidence"}
    rest = ddb.query(TableName=faces, IndexName="byPerson", KeyConditionExpression="person = :p",
                     ExpressionAttributeValues={":p": {"S": "ann"}}, ExclusiveStartKey=r["LastEvaluatedKey"])
    assert [i["face"]["S"] for i in rest["Items"]] == ["f1"]
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=faces, IndexName="byPerson", KeyConditionExpression="person = :p",
                  ExpressionAttributeValues={":p": {"S": "ann"}}, ConsistentRead=True)
    assert "Consistent reads are not supported on global secondary indexes" in message(e)
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=faces, IndexName="byPerson", KeyConditionExpression="person = :p",
                  ExpressionAttributeValues={":p": {"S": "ann"}}, Select="ALL_ATTRIBUTES")
    assert "because its projection type is not ALL" in message(e)
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=faces, IndexName="nope", KeyConditionExpression="person = :p",
                  ExpressionAttributeValues={":p": {"S": "ann"}})
    assert "The table does not have the specified index: nope" in message(e)
    # Index entries follow updates and deletes.
    ddb.update_item(TableName=faces, Key={"collection": {"S": "c1"}, "face": {"S": "f1"}},
                    UpdateExpression="SET person = :b", ExpressionAttributeValues={":b": {"S": "bob"}})
    ddb.delete_item(TableName=faces, Key={"collection": {"S": "c2"}, "face": {"S": "f4"}})
    r = ddb.query(TableName=faces, IndexName="byPerson", KeyConditionExpression="person = :p",
                  ExpressionAttributeValues={":p": {"S": "ann"}})
    assert [i["face"]["S"] for i in r["Items"]] == ["f3"]
    with pytest.raises(ClientError) as e:  # index key attributes keep their declared type
        ddb.put_item(TableName=faces, Item={"collection": {"S": "c1"}, "face": {"S": "f9"},
                                            "confidence": {"S": "high"}})
    assert "Type mismatch for Index Key confidence Expected: N Actual: S" in message(e)


def test_local_secondary_index(ddb, faces):
    r = ddb.query(TableName=faces, IndexName="byConfidence",
                  KeyConditionExpression="#c = :c AND confidence > :min",
                  ExpressionAttributeNames={"#c": "collection"},
                  ExpressionAttributeValues={":c": {"S": "c1"}, ":min": {"N": "60"}})
    assert [i["face"]["S"] for i in r["Items"]] == ["f2", "f3", "f1"]
    assert set(r["Items"][0]) == {"collection", "face", "confidence"}  # KEYS_ONLY
    # An LSI may fetch attributes it does not project from the table.
    r = ddb.query(TableName=faces, IndexName="byConfidence", KeyConditionExpression="#c = :c",
                  ExpressionAttributeNames={"#c": "collection"}, ExpressionAttributeValues={":c": {"S": "c1"}},
                  Select="ALL_ATTRIBUTES")
    assert r["Items"][0]["extra"] == {"S": "not projected"}
    r = ddb.put_item(TableName=faces, Item={"collection": {"S": "c1"}, "face": {"S": "f7"}},
                     ReturnItemCollectionMetrics="SIZE")
    assert r["ItemCollectionMetrics"]["ItemCollectionKey"] == {"collection": {"S": "c1"}}


def test_scan_pages_and_segments(ddb):
    create_table(ddb, "big")
    blob = "x" * 100_000
    for i in range(25):
        ddb.put_item(TableName="big", Item={"id": {"S": f"k{i:02d}"}, "blob": {"S": blob}})
    first = ddb.scan(TableName="big")
    # 1 MB pages: ~10 items of 100 KB each.
    assert 9 <= first["Count"] <= 11 and "LastEvaluatedKey" in first
    ids = [i["id"]["S"] for p in ddb.get_paginator("scan").paginate(TableName="big") for i in p["Items"]]
    assert sorted(ids) == [f"k{i:02d}" for i in range(25)] and len(ids) == 25
    parts = []
    for seg in range(4):
        pages = ddb.get_paginator("scan").paginate(TableName="big", Segment=seg, TotalSegments=4,
                                                   ProjectionExpression="id")
        parts.append({i["id"]["S"] for p in pages for i in p["Items"]})
    assert sum(len(p) for p in parts) == 25 and set().union(*parts) == set(ids)
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName="big", Segment=4, TotalSegments=4)
    assert "must be less than parameter TotalSegments" in message(e)
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName="big", Segment=1)
    assert error_of(e)[0] == "ValidationException"


def test_resource_query(ddb_resource, ddb, events):
    t = ddb_resource.Table("events")
    r = t.query(KeyConditionExpression=Key("pk").eq("cam") & Key("ts").between(0, 10),
                FilterExpression=Attr("kind").eq("car"))
    assert [int(i["ts"]) for i in r["Items"]] == [0, 10]
    r = t.query(KeyConditionExpression=Key("pk").eq("cam") & Key("ts").gt(99), ScanIndexForward=False)
    assert [int(i["ts"]) for i in r["Items"]] == [1000, 100]


def test_a_starting_key_outside_the_key_condition_is_refused(ddb, events, faces):
    outside = "The provided starting key is outside query boundaries based on provided conditions"
    cam = {":p": {"S": "cam"}}
    # Another partition, then a range key the condition excludes, on the table.
    for cond, values, start in (("pk = :p", cam, {"pk": {"S": "other"}, "ts": {"N": "5"}}),
                                ("pk = :p AND ts > :t", {**cam, ":t": {"N": "10"}}, {"pk": {"S": "cam"}, "ts": {"N": "2"}}),
                                ("pk = :p AND ts BETWEEN :a AND :b", {**cam, ":a": {"N": "0"}, ":b": {"N": "10"}},
                                 {"pk": {"S": "cam"}, "ts": {"N": "100"}})):
        with pytest.raises(ClientError) as e:
            q(ddb, cond, values, ExclusiveStartKey=start)
        assert error_of(e) == ("ValidationException", 400) and message(e) == outside
    # On an index, the index's own key is judged.
    with pytest.raises(ClientError) as e:
        ddb.query(TableName=faces, IndexName="byPerson", KeyConditionExpression="person = :p",
                  ExpressionAttributeValues={":p": {"S": "ann"}},
                  ExclusiveStartKey={"collection": {"S": "c1"}, "face": {"S": "f2"}, "person": {"S": "bob"},
                                     "confidence": {"N": "80"}})
    assert message(e) == outside
    # A key inside the range, even one no item has, resumes after it.
    r = q(ddb, "pk = :p AND ts >= :t", {**cam, ":t": {"N": "0"}}, ExclusiveStartKey={"pk": {"S": "cam"}, "ts": {"N": "5"}})
    assert ts(r["Items"]) == ["10", "10.5", "100", "1000"]
