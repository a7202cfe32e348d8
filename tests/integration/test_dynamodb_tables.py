"""DynamoDB table operations with boto3 and the AWS CLI: create/describe/list/update/delete,
tags, TTL settings, waiters and the errors AWS gives for bad definitions."""
import pytest
from botocore.exceptions import ClientError

from conftest import cli_json, create_table, error_of, make_client, run_cli


def test_seed_command_from_the_pipelines(server, ddb):
    # The exact command P3/P5 use to create their face index.
    out = cli_json(server, "dynamodb", "create-table", "--table-name", "face_recognition",
                   "--attribute-definitions", "AttributeName=RekognitionId,AttributeType=S",
                   "--key-schema", "AttributeName=RekognitionId,KeyType=HASH",
                   "--provisioned-throughput", "ReadCapacityUnits=1,WriteCapacityUnits=1")
    d = out["TableDescription"]
    assert d["TableName"] == "face_recognition"
    assert d["KeySchema"] == [{"AttributeName": "RekognitionId", "KeyType": "HASH"}]
    assert d["ProvisionedThroughput"]["ReadCapacityUnits"] == 1
    run_cli(server, "dynamodb", "wait", "table-exists", "--table-name", "face_recognition")
    ddb.get_waiter("table_exists").wait(TableName="face_recognition",
                                        WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    t = ddb.describe_table(TableName="face_recognition")["Table"]
    assert t["TableStatus"] == "ACTIVE"
    assert t["TableArn"] == "arn:aws:dynamodb:us-east-1:000000000000:table/face_recognition"
    assert len(t["TableId"]) == 36 and t["ItemCount"] == 0 and t["TableSizeBytes"] == 0
    assert t["CreationDateTime"].year >= 2024


def test_describe_counts_items_and_sizes(ddb):
    create_table(ddb, "counted")
    ddb.put_item(TableName="counted", Item={"id": {"S": "a"}, "v": {"S": "12345"}})
    ddb.put_item(TableName="counted", Item={"id": {"S": "b"}})
    t = ddb.describe_table(TableName="counted")["Table"]
    assert t["ItemCount"] == 2
    # DynamoDB sizes: names plus values ("id"+"a" + "v"+"12345" + "id"+"b").
    assert t["TableSizeBytes"] == 3 + 6 + 3
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_indexes_are_described(ddb):
    create_table(ddb, "indexed", ("pk", "S"), ("sk", "N"),
                 attributes={"email": "S", "score": "N"},
                 GlobalSecondaryIndexes=[{"IndexName": "byEmail",
                                          "KeySchema": [{"AttributeName": "email", "KeyType": "HASH"}],
                                          "Projection": {"ProjectionType": "KEYS_ONLY"}}],
                 LocalSecondaryIndexes=[{"IndexName": "byScore",
                                         "KeySchema": [{"AttributeName": "pk", "KeyType": "HASH"},
                                                       {"AttributeName": "score", "KeyType": "RANGE"}],
                                         "Projection": {"ProjectionType": "INCLUDE",
                                                        "NonKeyAttributes": ["name"]}}])
    t = ddb.describe_table(TableName="indexed")["Table"]
    g = t["GlobalSecondaryIndexes"][0]
    assert g["IndexName"] == "byEmail" and g["IndexStatus"] == "ACTIVE"
    assert g["IndexArn"].endswith("table/indexed/index/byEmail")
    assert g["Projection"] == {"ProjectionType": "KEYS_ONLY"}
    l = t["LocalSecondaryIndexes"][0]
    assert l["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["name"]}


def test_create_table_errors(server, ddb):
    create_table(ddb, "dup")
    with pytest.raises(ClientError) as e:
        create_table(ddb, "dup")
    assert error_of(e) == ("ResourceInUseException", 400)
    cases = [
        (dict(TableName="ab"), "Member must have length greater than or equal to 3"),
        (dict(TableName="bad name!"), "regular expression pattern"),
    ]
    unchecked = make_client(server, "dynamodb", parameter_validation=False)
    for kw, message in cases:
        with pytest.raises(ClientError) as e:
            unchecked.create_table(KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                             AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                             BillingMode="PAY_PER_REQUEST", **kw)
        assert error_of(e) == ("ValidationException", 400)
        assert message in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:  # key attribute never defined
        ddb.create_table(TableName="tab1", KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
                         AttributeDefinitions=[{"AttributeName": "other", "AttributeType": "S"}],
                         BillingMode="PAY_PER_REQUEST")
    assert "Some index key attributes are not defined" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:  # definition nobody uses
        create_table(ddb, "tab2", attributes={"extra": "S"})
    assert "does not exactly match" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:  # provisioned without throughput
        create_table(ddb, "tab3", BillingMode="PROVISIONED")
    assert "ReadCapacityUnits and WriteCapacityUnits must both be specified" in \
        e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        create_table(ddb, "tab4", ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    assert "PAY_PER_REQUEST" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:  # an LSI needs a range key on the table
        create_table(ddb, "tab5", attributes={"s": "S"},
                     LocalSecondaryIndexes=[{"IndexName": "lsi1",
                                             "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"},
                                                           {"AttributeName": "s", "KeyType": "RANGE"}],
                                             "Projection": {"ProjectionType": "ALL"}}])
    assert "does not have a range key" in e.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as e:
        create_table(ddb, "tab6", range_key=("id", "S"))
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        ddb.describe_table(TableName="missing")
    assert error_of(e) == ("ResourceNotFoundException", 400)
    assert "Table: missing not found" in e.value.response["Error"]["Message"]


def test_list_tables_pages(ddb):
    names = [f"table-{i:02d}" for i in range(7)]
    for n in names:
        create_table(ddb, n)
    page = ddb.list_tables(Limit=3)
    assert page["TableNames"] == names[:3] and page["LastEvaluatedTableName"] == names[2]
    page = ddb.list_tables(Limit=3, ExclusiveStartTableName=names[2])
    assert page["TableNames"] == names[3:6]
    seen = [n for p in ddb.get_paginator("list_tables").paginate(PaginationConfig={"PageSize": 2})
            for n in p["TableNames"]]
    assert seen == names


def test_regions_are_separate(server, ddb):
    create_table(ddb, "here")
    eu = make_client(server, "dynamodb", region="eu-west-1")
    assert eu.list_tables()["TableNames"] == []
    create_table(eu, "here")
    assert eu.describe_table(TableName="here")["Table"]["TableArn"].startswith(
        "arn:aws:dynamodb:eu-west-1:")


def test_update_table_throughput_billing_and_gsi_backfill(ddb):
    create_table(ddb, "upd", BillingMode="PROVISIONED",
                 ProvisionedThroughput={"ReadCapacityUnits": 1, "WriteCapacityUnits": 1})
    for i in range(5):
        ddb.put_item(TableName="upd", Item={"id": {"S": f"k{i}"}, "color": {"S": "red" if i % 2 else "blue"}})
    t = ddb.update_table(TableName="upd", ProvisionedThroughput={"ReadCapacityUnits": 5,
                                                                "WriteCapacityUnits": 7})["TableDescription"]
    assert t["ProvisionedThroughput"]["ReadCapacityUnits"] == 5
    t = ddb.update_table(TableName="upd", BillingMode="PAY_PER_REQUEST")["TableDescription"]
    assert t["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    t = ddb.update_table(TableName="upd",
                         AttributeDefinitions=[{"AttributeName": "color", "AttributeType": "S"}],
                         GlobalSecondaryIndexUpdates=[{"Create": {
                             "IndexName": "byColor",
                             "KeySchema": [{"AttributeName": "color", "KeyType": "HASH"}],
                             "Projection": {"ProjectionType": "ALL"}}}])["TableDescription"]
    assert t["GlobalSecondaryIndexes"][0]["ItemCount"] == 5  # existing items backfilled
    red = ddb.query(TableName="upd", IndexName="byColor", KeyConditionExpression="color = :c",
                    ExpressionAttributeValues={":c": {"S": "red"}})
    assert sorted(i["id"]["S"] for i in red["Items"]) == ["k1", "k3"]
    t = ddb.update_table(TableName="upd", GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "byColor"}}])
    assert "GlobalSecondaryIndexes" not in t["TableDescription"]
    assert t["TableDescription"]["AttributeDefinitions"] == [{"AttributeName": "id", "AttributeType": "S"}]
    with pytest.raises(ClientError) as e:
        ddb.query(TableName="upd", IndexName="byColor", KeyConditionExpression="color = :c",
                  ExpressionAttributeValues={":c": {"S": "red"}})
    assert error_of(e)[0] == "ValidationException"
    with pytest.raises(ClientError) as e:
        ddb.update_table(TableName="upd")
    assert error_of(e)[0] == "ValidationException"


def test_delete_table_and_protection(ddb):
    create_table(ddb, "gone")
    d = ddb.delete_table(TableName="gone")["TableDescription"]
    assert d["TableStatus"] == "DELETING"
    ddb.get_waiter("table_not_exists").wait(TableName="gone", WaiterConfig={"Delay": 1, "MaxAttempts": 2})
    with pytest.raises(ClientError) as e:
        ddb.delete_table(TableName="gone")
    assert error_of(e) == ("ResourceNotFoundException", 400)
    # (DeletionProtectionEnabled postdates Debian's botocore; the Node suite covers it.)


def test_tags(ddb):
    arn = create_table(ddb, "tagged", Tags=[{"Key": "team", "Value": "vision"}])["TableDescription"]["TableArn"]
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "ci"}, {"Key": "team", "Value": "ml"}])
    tags = {t["Key"]: t["Value"] for t in ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]}
    assert tags == {"team": "ml", "env": "ci"}
    ddb.untag_resource(ResourceArn=arn, TagKeys=["team"])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "env", "Value": "ci"}]
    with pytest.raises(ClientError) as e:
        ddb.list_tags_of_resource(ResourceArn=arn.replace("tagged", "nope"))
    assert error_of(e)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as e:
        ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "aws:x", "Value": "y"}])
    assert error_of(e)[0] == "ValidationException"


def test_time_to_live_settings(server, ddb):
    create_table(ddb, "ttl")
    assert ddb.describe_time_to_live(TableName="ttl")["TimeToLiveDescription"] == {"TimeToLiveStatus": "DISABLED"}
    out = cli_json(server, "dynamodb", "update-time-to-live", "--table-name", "ttl",
                   "--time-to-live-specification", "Enabled=true,AttributeName=expires")
    assert out["TimeToLiveSpecification"] == {"Enabled": True, "AttributeName": "expires"}
    d = ddb.describe_time_to_live(TableName="ttl")["TimeToLiveDescription"]
    assert d == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires"}
    with pytest.raises(ClientError) as e:
        ddb.update_time_to_live(TableName="ttl", TimeToLiveSpecification={"Enabled": True, "AttributeName": "x"})
    assert "already enabled" in e.value.response["Error"]["Message"]
    ddb.update_time_to_live(TableName="ttl", TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires"})
    with pytest.raises(ClientError) as e:
        ddb.update_time_to_live(TableName="ttl", TimeToLiveSpecification={"Enabled": False, "AttributeName": "expires"})
    assert "already disabled" in e.value.response["Error"]["Message"]


def test_endpoints_limits_and_unknown_operation(server, ddb):
    ep = ddb.describe_endpoints()["Endpoints"][0]
    assert ep["Address"] == server.url.split("//")[1] and ep["CachePeriodInMinutes"] == 1440
    limits = ddb.describe_limits()
    assert limits["TableMaxReadCapacityUnits"] == 40000
    # A target DynamoDB does not have: UnknownOperationException, a JSON body.
    client = make_client(server, "dynamodb")
    client.meta.events.register("before-sign.dynamodb.ListTables",
                                lambda request, **_: request.headers.replace_header(
                                    "X-Amz-Target", "DynamoDB_20120810.NoSuchThing"))
    with pytest.raises(ClientError) as e:
        client.list_tables()
    assert error_of(e) == ("UnknownOperationException", 400)


def test_crc32_header_matches_body(server, ddb):
    # botocore verifies x-amz-crc32 for DynamoDB and retries on a mismatch; check it directly.
    import zlib
    create_table(ddb, "crc")
    r = ddb.describe_table(TableName="crc")
    headers = r["ResponseMetadata"]["HTTPHeaders"]
    assert "x-amz-crc32" in headers
    raw = []
    ddb.meta.events.register("after-call.dynamodb.DescribeTable",
                             lambda http_response, **_: raw.append(http_response))
    ddb.describe_table(TableName="crc")
    body = raw[0].content
    assert int(raw[0].headers["x-amz-crc32"]) == zlib.crc32(body)


@pytest.mark.parametrize("op,body", [
    ("ListTables", b'{"Limit": "abc"}'),
    ("ListTables", b'{"Limit": '),
    ("ListTables", b'[]'),
    ("GetItem", b'{"TableName": "t-x", "Key": "not a map"}'),
    ("Query", b'{"TableName": "t-x", "KeyConditionExpression": 5}'),
    ("PutItem", b'{"TableName": "t-x", "Item": {"id": {"S": 5}}}'),
])
def test_malformed_bodies_get_serialization_errors(server, ddb, op, body):
    create_table(ddb, "t-x")
    client = make_client(server, "dynamodb")

    def swap(request, **_):
        request.data = body
    client.meta.events.register(f"before-sign.dynamodb.{op}", swap)
    call = {"ListTables": lambda: client.list_tables(),
            "GetItem": lambda: client.get_item(TableName="t-x", Key={"id": {"S": "a"}}),
            "Query": lambda: client.query(TableName="t-x", KeyConditionExpression="id = :a",
                                          ExpressionAttributeValues={":a": {"S": "a"}}),
            "PutItem": lambda: client.put_item(TableName="t-x", Item={"id": {"S": "a"}})}[op]
    with pytest.raises(ClientError) as e:
        call()
    code, status = error_of(e)
    assert status == 400 and code in ("SerializationException", "ValidationException"), code


def test_tag_lengths_are_counted_in_characters(ddb):
    arn = create_table(ddb, "tag_chars")["TableDescription"]["TableArn"]
    # 128 two-byte characters are 256 bytes: within the key's 128 characters.
    ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "é" * 128, "Value": "€" * 256}])
    assert ddb.list_tags_of_resource(ResourceArn=arn)["Tags"] == [{"Key": "é" * 128, "Value": "€" * 256}]
    for tag, what in (({"Key": "é" * 129, "Value": "v"}, "Tag key must be between 1 and 128 characters"),
                      ({"Key": "k", "Value": "é" * 257}, "Tag value must be between 0 and 256 characters")):
        with pytest.raises(ClientError) as e:
            ddb.tag_resource(ResourceArn=arn, Tags=[tag])
        assert error_of(e) == ("ValidationException", 400) and what in e.value.response["Error"]["Message"]
