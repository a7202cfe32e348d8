"""DynamoDB items with boto3 (client and resource API) and the AWS CLI: every attribute type,
exact numbers, the expression language end to end, ReturnValues, and AWS's errors."""
import json
from decimal import Decimal

import pytest
from boto3.dynamodb.conditions import Attr
from botocore.exceptions import ClientError

from conftest import cli_json, create_table, error_of, run_cli


@pytest.fixture
def table(ddb):
    create_table(ddb, "items")
    return "items"


def message(e):
    return e.value.response["Error"]["Message"]


def test_every_type_round_trips(ddb, table):
    item = {
        "id": {"S": "all"}, "s": {"S": "text ünïcode"}, "n": {"N": "-12.50"}, "b": {"B": b"\x00\x01\xff"},
        "t": {"BOOL": True}, "z": {"NULL": True}, "ss": {"SS": ["a", "b"]}, "ns": {"NS": ["1", "2.5"]},
        "bs": {"BS": [b"x", b"y"]}, "l": {"L": [{"S": "x"}, {"N": "1"}, {"L": []}]},
        "m": {"M": {"k": {"M": {"deep": {"S": "v"}}}, "e": {"M": {}}}}, "empty": {"S": ""},
    }
    ddb.put_item(TableName=table, Item=item)
    got = ddb.get_item(TableName=table, Key={"id": {"S": "all"}})["Item"]
    item["n"] = {"N": "-12.5"}  # numbers come back canonical, as DynamoDB stores them
    assert {k: v for k, v in got.items() if k not in ("ss", "ns", "bs")} == \
        {k: v for k, v in item.items() if k not in ("ss", "ns", "bs")}
    assert sorted(got["ss"]["SS"]) == ["a", "b"] and sorted(got["ns"]["NS"]) == ["1", "2.5"]
    assert sorted(got["bs"]["BS"]) == [b"x", b"y"]
    assert ddb.get_item(TableName=table, Key={"id": {"S": "nothing"}}).get("Item") is None


def test_numbers_are_exact(ddb, table):
    big = "12345678901234567890123456789012345678"  # 38 digits, beyond any double
    ddb.put_item(TableName=table, Item={"id": {"S": "n"}, "v": {"N": big}, "f": {"N": "0.1"}})
    r = ddb.update_item(TableName=table, Key={"id": {"S": "n"}},
                        UpdateExpression="SET v = v - :one, f = f + :f",
                        ExpressionAttributeValues={":one": {"N": "1"}, ":f": {"N": "0.2"}},
                        ReturnValues="UPDATED_NEW")
    assert r["Attributes"] == {"v": {"N": big[:-1] + "7"}, "f": {"N": "0.3"}}
    for bad, why in [("1e126", "Number overflow"), ("abc", "A value provided cannot be converted into a number"),
                     ("123456789012345678901234567890123456789", "Attempting to store more than 38 significant digits")]:
        with pytest.raises(ClientError) as e:
            ddb.put_item(TableName=table, Item={"id": {"S": "bad"}, "v": {"N": bad}})
        assert error_of(e) == ("ValidationException", 400)
        assert why.lower() in message(e).lower(), message(e)


def test_put_conditions_and_return_values(ddb, table):
    key = {"id": {"S": "c"}}
    ddb.put_item(TableName=table, Item={**key, "v": {"N": "1"}},
                 ConditionExpression="attribute_not_exists(id)")
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=table, Item={**key, "v": {"N": "2"}},
                     ConditionExpression="attribute_not_exists(id)")
    assert error_of(e) == ("ConditionalCheckFailedException", 400)
    assert message(e) == "The conditional request failed"
    # (ReturnValuesOnConditionCheckFailure postdates Debian's botocore; the Node suite covers it.)
    old = ddb.put_item(TableName=table, Item={**key, "v": {"N": "3"}}, ReturnValues="ALL_OLD")
    assert old["Attributes"] == {**key, "v": {"N": "1"}}
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=table, Item=key, ReturnValues="ALL_NEW")
    assert error_of(e)[0] == "ValidationException"
    r = ddb.put_item(TableName=table, Item=key, ReturnConsumedCapacity="TOTAL")
    assert r["ConsumedCapacity"] == {"TableName": table, "CapacityUnits": 1.0}


def test_update_expressions(ddb, table):
    key = {"id": {"S": "u"}}
    r = ddb.update_item(TableName=table, Key=key, ReturnValues="ALL_NEW",
                        UpdateExpression="SET #n = :name, tags = :tags, nested = :m, cnt = if_not_exists(cnt, :zero) + :one, lst = list_append(if_not_exists(lst, :empty), :l)",
                        ExpressionAttributeNames={"#n": "name"},
                        ExpressionAttributeValues={":name": {"S": "Ann"}, ":tags": {"SS": ["a", "b", "c"]},
                                                   ":m": {"M": {"x": {"N": "1"}}}, ":zero": {"N": "0"},
                                                   ":one": {"N": "1"}, ":empty": {"L": []}, ":l": {"L": [{"S": "first"}]}})
    assert r["Attributes"]["cnt"] == {"N": "1"} and r["Attributes"]["lst"] == {"L": [{"S": "first"}]}
    r = ddb.update_item(TableName=table, Key=key, ReturnValues="UPDATED_OLD",
                        UpdateExpression="SET nested.x = nested.x + :one, nested.y = :one REMOVE #n ADD cnt :one DELETE tags :b",
                        ExpressionAttributeNames={"#n": "name"},
                        ExpressionAttributeValues={":one": {"N": "1"}, ":b": {"SS": ["b"]}})
    assert r["Attributes"] == {"nested": {"M": {"x": {"N": "1"}}}, "name": {"S": "Ann"}, "cnt": {"N": "1"},
                               "tags": {"SS": ["a", "b", "c"]}} or sorted(r["Attributes"]) == ["cnt", "name", "nested", "tags"]
    item = ddb.get_item(TableName=table, Key=key)["Item"]
    assert "name" not in item and item["cnt"] == {"N": "2"}
    assert item["nested"] == {"M": {"x": {"N": "2"}, "y": {"N": "1"}}}
    assert sorted(item["tags"]["SS"]) == ["a", "c"]
    # UpdateItem on a missing item creates it from the key.
    ddb.update_item(TableName=table, Key={"id": {"S": "fresh"}})
    assert ddb.get_item(TableName=table, Key={"id": {"S": "fresh"}})["Item"] == {"id": {"S": "fresh"}}


def test_expression_errors(ddb, table):
    key = {"id": {"S": "e"}}
    cases = [
        (dict(UpdateExpression="SET name = :v", ExpressionAttributeValues={":v": {"S": "x"}}),
         "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: name"),
        (dict(UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": {"S": "x"}, ":unused": {"S": "y"}}),
         "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}"),
        (dict(UpdateExpression="SET a = :missing"),
         "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :missing"),
        (dict(UpdateExpression="SET #a = :v", ExpressionAttributeValues={":v": {"S": "x"}}),
         "An expression attribute name used in the document path is not defined; attribute name: #a"),
        (dict(UpdateExpression="SET a = :v, a.b = :v", ExpressionAttributeValues={":v": {"S": "x"}}),
         "Two document paths overlap with each other"),
        (dict(UpdateExpression="SET a = :v", ConditionExpression="a = = :v", ExpressionAttributeValues={":v": {"S": "x"}}),
         'Invalid ConditionExpression: Syntax error; token: "=", near: "= = :v"'),
        (dict(UpdateExpression="SET id = :v", ExpressionAttributeValues={":v": {"S": "x"}}),
         "Cannot update attribute id. This attribute is part of the key"),
        (dict(UpdateExpression="ADD s :v", ExpressionAttributeValues={":v": {"S": "x"}}),
         "Incorrect operand type for operator or function"),
        (dict(UpdateExpression="SET a = :v", ExpressionAttributeValues={":v": {"SS": []}}),
         "ExpressionAttributeValues contains invalid value"),
        (dict(UpdateExpression="SET a = :v", ExpressionAttributeValues={}),
         "ExpressionAttributeValues must not be empty"),
    ]
    for kw, text in cases:
        with pytest.raises(ClientError) as e:
            ddb.update_item(TableName=table, Key=key, **kw)
        assert error_of(e) == ("ValidationException", 400), kw
        assert text in message(e), (kw, message(e))
    assert "Item" not in ddb.get_item(TableName=table, Key=key)  # nothing was written


def test_key_and_item_errors(ddb, table):
    cases = [
        (lambda: ddb.get_item(TableName=table, Key={"id": {"N": "1"}}), "The provided key element does not match the schema"),
        (lambda: ddb.get_item(TableName=table, Key={"id": {"S": "a"}, "x": {"S": "b"}}), "The provided key element does not match the schema"),
        (lambda: ddb.put_item(TableName=table, Item={"other": {"S": "a"}}), "Missing the key id in the item"),
        (lambda: ddb.put_item(TableName=table, Item={"id": {"N": "1"}}), "Type mismatch for key id expected: S actual: N"),
        (lambda: ddb.put_item(TableName=table, Item={"id": {"S": ""}}), "cannot contain an empty string value. Key: id"),
        (lambda: ddb.put_item(TableName=table, Item={"id": {"S": "x" * 2049}}), "Size of hashkey has exceeded the maximum size limit of2048 bytes"),
        (lambda: ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "s": {"SS": ["x", "x"]}}), "duplicates"),
        (lambda: ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "s": {"SS": []}}), "may not be empty"),
        (lambda: ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "big": {"S": "x" * (400 * 1024)}}), "Item size has exceeded the maximum allowed size"),
    ]
    for call, text in cases:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == ("ValidationException", 400)
        assert text in message(e), (text, message(e))
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName="no-such-table", Item={"id": {"S": "a"}})
    assert error_of(e) == ("ResourceNotFoundException", 400)
    # Just under the limit is accepted (400 KB counts names and values).
    ddb.put_item(TableName=table, Item={"id": {"S": "a"}, "big": {"S": "x" * (400 * 1024 - 6)}})


def test_delete_item(ddb, table):
    ddb.put_item(TableName=table, Item={"id": {"S": "d"}, "v": {"N": "1"}})
    with pytest.raises(ClientError) as e:
        ddb.delete_item(TableName=table, Key={"id": {"S": "d"}}, ConditionExpression="v > :x",
                        ExpressionAttributeValues={":x": {"N": "1"}})
    assert error_of(e)[0] == "ConditionalCheckFailedException"
    r = ddb.delete_item(TableName=table, Key={"id": {"S": "d"}}, ReturnValues="ALL_OLD")
    assert r["Attributes"] == {"id": {"S": "d"}, "v": {"N": "1"}}
    assert "Attributes" not in ddb.delete_item(TableName=table, Key={"id": {"S": "d"}}, ReturnValues="ALL_OLD")


def test_projection_expression(ddb, table):
    ddb.put_item(TableName=table, Item={"id": {"S": "p"}, "a": {"M": {"b": {"L": [{"S": "0"}, {"S": "1"}]}, "c": {"S": "no"}}},
                                         "d": {"S": "yes"}, "e": {"S": "no"}})
    r = ddb.get_item(TableName=table, Key={"id": {"S": "p"}}, ProjectionExpression="a.b[1], d, #x",
                     ExpressionAttributeNames={"#x": "missing"})
    assert r["Item"] == {"a": {"M": {"b": {"L": [{"S": "1"}]}}}, "d": {"S": "yes"}}


def test_resource_api_with_conditions(ddb_resource):
    t = ddb_resource.create_table(TableName="people", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                                  AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                                  BillingMode="PAY_PER_REQUEST")
    t.wait_until_exists()
    t.put_item(Item={"id": "p1", "name": "Ann", "age": 41, "score": Decimal("9.75"), "tags": {"a", "b"}})
    t.put_item(Item={"id": "p2", "name": "Bob", "age": 17, "nick": None})
    got = t.get_item(Key={"id": "p1"})["Item"]
    assert got["age"] == 41 and got["score"] == Decimal("9.75") and got["tags"] == {"a", "b"}
    t.update_item(Key={"id": "p2"}, UpdateExpression="SET age = age + :one",
                  ConditionExpression=Attr("age").lt(18) & Attr("nick").exists(),
                  ExpressionAttributeValues={":one": 1})
    assert t.get_item(Key={"id": "p2"})["Item"]["age"] == 18
    with pytest.raises(ClientError) as e:
        t.put_item(Item={"id": "p2"}, ConditionExpression=Attr("age").lt(18))
    assert error_of(e)[0] == "ConditionalCheckFailedException"
    adults = t.scan(FilterExpression=Attr("age").gte(18) & Attr("name").begins_with("A") | Attr("tags").contains("zz"))
    assert [i["id"] for i in adults["Items"]] == ["p1"]
    assert adults["Count"] == 1 and adults["ScannedCount"] == 2
    sizes = t.scan(FilterExpression=Attr("name").size().eq(3) & Attr("age").between(10, 20))
    assert [i["id"] for i in sizes["Items"]] == ["p2"]
    typed = t.scan(FilterExpression=Attr("tags").attribute_type("SS") & Attr("name").is_in(["Ann", "Zed"]))
    assert [i["id"] for i in typed["Items"]] == ["p1"]
    with t.batch_writer() as bw:
        for i in range(30):
            bw.put_item(Item={"id": f"b{i:02d}", "n": i})
    assert t.scan(Select="COUNT")["Count"] == 32


def test_cli_items(server, ddb, table):
    run_cli(server, "dynamodb", "put-item", "--table-name", table,
            "--item", json.dumps({"id": {"S": "cli"}, "n": {"N": "5"}}))
    out = cli_json(server, "dynamodb", "update-item", "--table-name", table, "--key", '{"id":{"S":"cli"}}',
                   "--update-expression", "ADD n :d", "--expression-attribute-values", '{":d":{"N":"2"}}',
                   "--return-values", "ALL_NEW")
    assert out["Attributes"]["n"] == {"N": "7"}
    p = run_cli(server, "dynamodb", "put-item", "--table-name", table, "--item", '{"id":{"S":"cli"}}',
                "--condition-expression", "attribute_not_exists(id)", check=False)
    assert p.returncode != 0 and "ConditionalCheckFailedException" in p.stderr


def test_legacy_parameters(ddb, table):
    ddb.put_item(TableName=table, Item={"id": {"S": "old"}, "v": {"N": "1"}},
                 Expected={"id": {"Exists": False}})
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=table, Item={"id": {"S": "old"}}, Expected={"id": {"Exists": False}})
    assert error_of(e)[0] == "ConditionalCheckFailedException"
    ddb.update_item(TableName=table, Key={"id": {"S": "old"}},
                    AttributeUpdates={"v": {"Action": "ADD", "Value": {"N": "4"}}, "w": {"Action": "PUT", "Value": {"S": "x"}}},
                    Expected={"v": {"ComparisonOperator": "EQ", "AttributeValueList": [{"N": "1"}]}})
    item = ddb.get_item(TableName=table, Key={"id": {"S": "old"}}, AttributesToGet=["v", "w"])["Item"]
    assert item == {"v": {"N": "5"}, "w": {"S": "x"}}
    r = ddb.scan(TableName=table, ScanFilter={"v": {"ComparisonOperator": "GT", "AttributeValueList": [{"N": "4"}]}})
    assert r["Count"] == 1
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName=table, Key={"id": {"S": "old"}}, AttributesToGet=["v"], ProjectionExpression="v")
    assert "Can not use both expression and non-expression parameters" in message(e)


@pytest.mark.parametrize("paths,clash", [
    ("a, a", "overlap"), ("a, a.b", "overlap"), ("a.b[2], a.b", "overlap"), ("a.b, a.b.c.d", "overlap"),
    ("a.b, a[1]", "conflict"), ("a[0], a.b", "conflict"), ("x.y[1], x.y.z", "conflict"),
])
def test_projection_paths_that_overlap_or_conflict_are_refused(ddb, table, paths, clash):
    """Judged on the paths alone, whether or not the item exists, in DynamoDB's words."""
    with pytest.raises(ClientError) as e:
        ddb.get_item(TableName=table, Key={"id": {"S": "nobody"}}, ProjectionExpression=paths)
    assert error_of(e) == ("ValidationException", 400)
    assert message(e).startswith("Invalid ProjectionExpression: Two document paths " + clash +
                                 " with each other; must remove or rewrite one of these paths; path one: [")


def test_projection_paths_with_a_common_prefix_are_fine(ddb, table):
    ddb.put_item(TableName=table, Item={"id": {"S": "pp"}, "a": {"M": {"b": {"S": "1"}, "c": {"L": [{"S": "x"}, {"S": "y"}]}}}})
    r = ddb.get_item(TableName=table, Key={"id": {"S": "pp"}}, ProjectionExpression="a.b, a.c[1], id")
    assert r["Item"] == {"id": {"S": "pp"}, "a": {"M": {"b": {"S": "1"}, "c": {"L": [{"S": "y"}]}}}}


def test_update_conflicting_paths_are_refused(ddb, table):
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=table, Key={"id": {"S": "u"}}, UpdateExpression="SET a.b = :v, a[1] = :v",
                        ExpressionAttributeValues={":v": {"S": "x"}})
    assert error_of(e) == ("ValidationException", 400)
    assert "Two document paths conflict with each other" in message(e)


def test_removing_from_a_missing_item_does_not_create_it(ddb, table):
    for update in ({"UpdateExpression": "REMOVE a, b.c"},
                   {"UpdateExpression": "DELETE s :v", "ExpressionAttributeValues": {":v": {"SS": ["x"]}}},
                   {"AttributeUpdates": {"a": {"Action": "DELETE"}}}):
        r = ddb.update_item(TableName=table, Key={"id": {"S": "ghost"}}, ReturnValues="ALL_NEW",
                            ReturnConsumedCapacity="TOTAL", **update)
        assert "Attributes" not in r and r["ConsumedCapacity"]["CapacityUnits"] == 1.0
        assert "Item" not in ddb.get_item(TableName=table, Key={"id": {"S": "ghost"}})
    # SET, ADD, or no action at all, still create it; and REMOVE on an item that exists removes.
    ddb.update_item(TableName=table, Key={"id": {"S": "ghost"}}, UpdateExpression="SET a = :v REMOVE b",
                    ExpressionAttributeValues={":v": {"N": "1"}})
    assert ddb.get_item(TableName=table, Key={"id": {"S": "ghost"}})["Item"] == {"id": {"S": "ghost"}, "a": {"N": "1"}}
    ddb.update_item(TableName=table, Key={"id": {"S": "ghost"}}, UpdateExpression="REMOVE a")
    assert ddb.get_item(TableName=table, Key={"id": {"S": "ghost"}})["Item"] == {"id": {"S": "ghost"}}
    ddb.update_item(TableName=table, Key={"id": {"S": "bare"}})
    assert ddb.get_item(TableName=table, Key={"id": {"S": "bare"}})["Item"] == {"id": {"S": "bare"}}


def test_legacy_key_conditions_with_a_projection_expression(ddb):
    """The one mix of legacy and expression parameters DynamoDB takes."""
    create_table(ddb, "mixed", range_key=("n", "N"))
    for i in range(3):
        ddb.put_item(TableName="mixed", Item={"id": {"S": "k"}, "n": {"N": str(i)}, "v": {"S": f"v{i}"}, "w": {"S": "no"}})
    r = ddb.query(TableName="mixed", ProjectionExpression="v",
                  KeyConditions={"id": {"AttributeValueList": [{"S": "k"}], "ComparisonOperator": "EQ"},
                                 "n": {"AttributeValueList": [{"N": "1"}], "ComparisonOperator": "GE"}})
    assert r["Items"] == [{"v": {"S": "v1"}}, {"v": {"S": "v2"}}]
    # Anything else beside a legacy parameter is still refused.
    with pytest.raises(ClientError) as e:
        ddb.query(TableName="mixed", ProjectionExpression="v", FilterExpression="w = :w",
                  ExpressionAttributeValues={":w": {"S": "no"}},
                  KeyConditions={"id": {"AttributeValueList": [{"S": "k"}], "ComparisonOperator": "EQ"}})
    assert "Can not use both expression and non-expression parameters" in message(e)
    # A key condition is answered by the index: NE, CONTAINS and the like are not.
    for op, values in (("NE", [{"N": "1"}]), ("CONTAINS", [{"N": "1"}]), ("NOT_NULL", [])):
        with pytest.raises(ClientError) as e:
            ddb.query(TableName="mixed",
                      KeyConditions={"id": {"AttributeValueList": [{"S": "k"}], "ComparisonOperator": "EQ"},
                                     "n": {"AttributeValueList": values, "ComparisonOperator": op}})
        assert message(e) == "Attempted conditional constraint is not an indexable operation"


def test_key_size_limits_hold_on_reads_too(ddb):
    create_table(ddb, "big_keys", range_key=("r", "S"))
    cases = [({"id": {"S": "x" * 2049}, "r": {"S": "a"}}, "Size of hashkey has exceeded the maximum size limit of2048 bytes"),
             ({"id": {"S": "x"}, "r": {"S": "a" * 1025}}, "Aggregated size of all range keys has exceeded the size limit of 1024 bytes")]
    for key, what in cases:
        for call in (lambda: ddb.get_item(TableName="big_keys", Key=key),
                     lambda: ddb.delete_item(TableName="big_keys", Key=key),
                     lambda: ddb.update_item(TableName="big_keys", Key=key, UpdateExpression="SET v = :v",
                                             ExpressionAttributeValues={":v": {"N": "1"}})):
            with pytest.raises(ClientError) as e:
                call()
            assert error_of(e) == ("ValidationException", 400) and what in message(e)
    # At the limits, reads answer.
    assert "Item" not in ddb.get_item(TableName="big_keys", Key={"id": {"S": "x" * 2048}, "r": {"S": "a" * 1024}})


def test_get_item_after_every_kind_of_write_sees_it(ddb, table):
    """GetItem answers from the item's text kept since its last read: each write must replace it."""
    key = {"id": {"S": "kept"}}

    def got():
        return ddb.get_item(TableName=table, Key=key).get("Item")

    ddb.put_item(TableName=table, Item={**key, "v": {"N": "1"}})
    assert got() == {**key, "v": {"N": "1"}} and got() == {**key, "v": {"N": "1"}}
    ddb.put_item(TableName=table, Item={**key, "v": {"N": "2"}})
    assert got() == {**key, "v": {"N": "2"}}
    ddb.update_item(TableName=table, Key=key, UpdateExpression="SET v = v + :one, w = :w",
                    ExpressionAttributeValues={":one": {"N": "1"}, ":w": {"S": "x"}})
    assert got() == {**key, "v": {"N": "3"}, "w": {"S": "x"}}
    ddb.batch_write_item(RequestItems={table: [{"PutRequest": {"Item": {**key, "b": {"BOOL": True}}}}]})
    assert got() == {**key, "b": {"BOOL": True}}
    ddb.transact_write_items(TransactItems=[{"Update": {
        "TableName": table, "Key": key, "UpdateExpression": "REMOVE b SET t = :t",
        "ExpressionAttributeValues": {":t": {"S": "tx"}}}}])
    assert got() == {**key, "t": {"S": "tx"}}
    ddb.execute_statement(Statement=f"UPDATE \"{table}\" SET p = 'partiql' WHERE id = 'kept'")
    assert got() == {**key, "t": {"S": "tx"}, "p": {"S": "partiql"}}
    ddb.delete_item(TableName=table, Key=key)
    assert got() is None
