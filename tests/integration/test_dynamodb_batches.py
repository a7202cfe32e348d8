"""DynamoDB BatchGetItem/BatchWriteItem and TransactGetItems/TransactWriteItems with boto3:
limits, duplicates, all-or-nothing writes, cancellation reasons and idempotency tokens."""
import pytest
from botocore.exceptions import ClientError

from conftest import create_table, error_of, make_client


def message(e):
    return e.value.response["Error"]["Message"]


@pytest.fixture
def tables(ddb):
    create_table(ddb, "t_a")
    create_table(ddb, "t_b", ("pk", "S"), ("sk", "N"))
    return "t_a", "t_b"


def test_batch_write_and_get(ddb, tables):
    puts = [{"PutRequest": {"Item": {"id": {"S": f"k{i}"}, "v": {"N": str(i)}}}} for i in range(20)]
    r = ddb.batch_write_item(RequestItems={"t_a": puts, "t_b": [
        {"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"N": "1"}}}},
        {"PutRequest": {"Item": {"pk": {"S": "p"}, "sk": {"N": "2"}}}}]})
    assert r["UnprocessedItems"] == {}
    r = ddb.batch_get_item(RequestItems={
        "t_a": {"Keys": [{"id": {"S": "k3"}}, {"id": {"S": "k7"}}, {"id": {"S": "missing"}}],
                "ProjectionExpression": "v"},
        "t_b": {"Keys": [{"pk": {"S": "p"}, "sk": {"N": "2.0"}}], "ConsistentRead": True}},
        ReturnConsumedCapacity="TOTAL")
    assert sorted(i["v"]["N"] for i in r["Responses"]["t_a"]) == ["3", "7"]
    assert r["Responses"]["t_b"] == [{"pk": {"S": "p"}, "sk": {"N": "2"}}]
    assert r["UnprocessedKeys"] == {}
    assert {c["TableName"] for c in r["ConsumedCapacity"]} == {"t_a", "t_b"}
    r = ddb.batch_write_item(RequestItems={"t_a": [{"DeleteRequest": {"Key": {"id": {"S": f"k{i}"}}}}
                                                   for i in range(10)]})
    assert ddb.scan(TableName="t_a", Select="COUNT")["Count"] == 10


def test_batch_limits_and_duplicates(server, ddb, tables):
    unchecked = make_client(server, "dynamodb", parameter_validation=False)
    too_many = [{"PutRequest": {"Item": {"id": {"S": f"k{i}"}}}} for i in range(26)]
    with pytest.raises(ClientError) as e:
        unchecked.batch_write_item(RequestItems={"t_a": too_many})
    assert error_of(e) == ("ValidationException", 400)
    assert "Member must have length less than or equal to 25" in message(e)
    with pytest.raises(ClientError) as e:
        ddb.batch_write_item(RequestItems={"t_a": [{"PutRequest": {"Item": {"id": {"S": "same"}}}},
                                                   {"DeleteRequest": {"Key": {"id": {"S": "same"}}}}]})
    assert "Provided list of item keys contains duplicates" in message(e)
    with pytest.raises(ClientError) as e:
        ddb.batch_get_item(RequestItems={"t_a": {"Keys": [{"id": {"S": f"k{i}"}} for i in range(101)]}})
    assert "Too many items requested for the BatchGetItem call" in message(e)
    with pytest.raises(ClientError) as e:
        ddb.batch_get_item(RequestItems={"t_a": {"Keys": [{"id": {"S": "a"}}, {"id": {"S": "a"}}]}})
    assert "Provided list of item keys contains duplicates" in message(e)
    # One bad request fails the whole batch, and nothing of it is written.
    with pytest.raises(ClientError) as e:
        ddb.batch_write_item(RequestItems={"t_a": [{"PutRequest": {"Item": {"id": {"S": "good"}}}},
                                                   {"PutRequest": {"Item": {"id": {"N": "1"}}}}]})
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        ddb.batch_write_item(RequestItems={"t_a": [{"PutRequest": {"Item": {"id": {"S": "good"}}}}],
                                           "no-table": [{"PutRequest": {"Item": {"id": {"S": "x"}}}}]})
    assert error_of(e)[0] == "ResourceNotFoundException"
    assert "Item" not in ddb.get_item(TableName="t_a", Key={"id": {"S": "good"}})


def test_transact_write_all_or_nothing(ddb, tables):
    ddb.put_item(TableName="t_a", Item={"id": {"S": "acct1"}, "balance": {"N": "100"}})
    ddb.put_item(TableName="t_a", Item={"id": {"S": "acct2"}, "balance": {"N": "0"}})

    def transfer(amount):
        ddb.transact_write_items(TransactItems=[
            {"Update": {"TableName": "t_a", "Key": {"id": {"S": "acct1"}},
                        "UpdateExpression": "SET balance = balance - :a", "ConditionExpression": "balance >= :a",
                        "ExpressionAttributeValues": {":a": {"N": str(amount)}}}},
            {"Update": {"TableName": "t_a", "Key": {"id": {"S": "acct2"}},
                        "UpdateExpression": "SET balance = balance + :a",
                        "ExpressionAttributeValues": {":a": {"N": str(amount)}}}},
            {"Put": {"TableName": "t_b", "Item": {"pk": {"S": "log"}, "sk": {"N": str(amount)}}}},
        ])

    transfer(60)
    with pytest.raises(ClientError) as e:
        transfer(50)
    assert error_of(e) == ("TransactionCanceledException", 400)
    assert "[ConditionalCheckFailed, None, None]" in message(e)
    reasons = e.value.response["CancellationReasons"]
    assert [r["Code"] for r in reasons] == ["ConditionalCheckFailed", "None", "None"]
    got = ddb.transact_get_items(TransactItems=[
        {"Get": {"TableName": "t_a", "Key": {"id": {"S": "acct1"}}}},
        {"Get": {"TableName": "t_a", "Key": {"id": {"S": "acct2"}}, "ProjectionExpression": "balance"}},
        {"Get": {"TableName": "t_b", "Key": {"pk": {"S": "log"}, "sk": {"N": "50"}}}}])["Responses"]
    assert got[0]["Item"]["balance"] == {"N": "40"} and got[1]["Item"] == {"balance": {"N": "60"}}
    assert got[2] == {}  # the cancelled transaction wrote nothing


def test_transact_condition_check_delete_and_errors(ddb, tables):
    ddb.put_item(TableName="t_a", Item={"id": {"S": "lock"}, "owner": {"S": "me"}})
    ddb.put_item(TableName="t_a", Item={"id": {"S": "victim"}})
    ddb.transact_write_items(TransactItems=[
        {"ConditionCheck": {"TableName": "t_a", "Key": {"id": {"S": "lock"}},
                            "ConditionExpression": "#o = :me", "ExpressionAttributeNames": {"#o": "owner"},
                            "ExpressionAttributeValues": {":me": {"S": "me"}}}},
        {"Delete": {"TableName": "t_a", "Key": {"id": {"S": "victim"}}}}])
    assert "Item" not in ddb.get_item(TableName="t_a", Key={"id": {"S": "victim"}})
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "t_a", "Item": {"id": {"S": "x"}}}},
            {"Delete": {"TableName": "t_a", "Key": {"id": {"S": "x"}}}}])
    assert "Transaction request cannot include multiple operations on one item" in message(e)
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=[
            {"Put": {"TableName": "t_a", "Item": {"id": {"S": "y"}}}},
            {"Put": {"TableName": "missing", "Item": {"id": {"S": "y"}}}}])
    assert error_of(e)[0] == "ResourceNotFoundException"
    assert "Item" not in ddb.get_item(TableName="t_a", Key={"id": {"S": "y"}})


def test_transact_idempotency_token(ddb, tables):
    ddb.put_item(TableName="t_a", Item={"id": {"S": "ctr"}, "n": {"N": "0"}})
    items = [{"Update": {"TableName": "t_a", "Key": {"id": {"S": "ctr"}}, "UpdateExpression": "ADD n :one",
                         "ExpressionAttributeValues": {":one": {"N": "1"}}}}]
    for _ in range(3):  # a retried request applies once
        ddb.transact_write_items(TransactItems=items, ClientRequestToken="token-1")
    assert ddb.get_item(TableName="t_a", Key={"id": {"S": "ctr"}})["Item"]["n"] == {"N": "1"}
    items[0]["Update"]["ExpressionAttributeValues"][":one"] = {"N": "5"}
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=items, ClientRequestToken="token-1")
    assert error_of(e) == ("IdempotentParameterMismatchException", 400)
    ddb.transact_write_items(TransactItems=items, ClientRequestToken="token-2")
    assert ddb.get_item(TableName="t_a", Key={"id": {"S": "ctr"}})["Item"]["n"] == {"N": "6"}


def test_transact_request_over_4_mb_is_refused(ddb, tables):
    big = "x" * 390_000
    items = [{"Put": {"TableName": "t_a", "Item": {"id": {"S": f"big{i}"}, "v": {"S": big}}}} for i in range(11)]
    with pytest.raises(ClientError) as e:
        ddb.transact_write_items(TransactItems=items)
    assert error_of(e) == ("ValidationException", 400)
    assert e.value.response["Error"]["Message"] == "Transaction request cannot be larger than 4 MB"
    def stored():
        return sum("Item" in ddb.get_item(TableName="t_a", Key={"id": {"S": f"big{i}"}}, ProjectionExpression="id")
                   for i in range(11))
    assert stored() == 0  # nothing written
    ddb.transact_write_items(TransactItems=items[:10])  # ~3.7 MB is fine
    assert stored() == 10
