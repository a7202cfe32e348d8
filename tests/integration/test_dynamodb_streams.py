"""DynamoDB Streams with boto3's dynamodbstreams client and the AWS CLI: a record per changing
write (PutItem, UpdateItem, DeleteItem, batches, transactions, PartiQL, TTL) with the images its
StreamViewType keeps, in commit order; ListStreams, DescribeStream, every shard iterator type,
GetRecords pages; iterators expiring after 15 minutes and records after 24 hours on the
service clock; disabling and re-enabling a stream; every validation; records surviving a
kill -9 with --data-dir."""
import signal
import time

import pytest
from botocore.exceptions import ClientError

from conftest import Server, advance_clock, cli_json, create_table, error_of, make_client


@pytest.fixture
def streams(server):
    return make_client(server, "dynamodbstreams")


def streamed_table(ddb, name="events", view="NEW_AND_OLD_IMAGES", **kw):
    create_table(ddb, name, StreamSpecification={"StreamEnabled": True, "StreamViewType": view}, **kw)
    return ddb.describe_table(TableName=name)["Table"]["LatestStreamArn"]


def shard_of(streams, arn):
    return streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]["ShardId"]


def read_all(streams, arn, kind="TRIM_HORIZON", **kw):
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_of(streams, arn),
                                    ShardIteratorType=kind, **kw)["ShardIterator"]
    return streams.get_records(ShardIterator=it)["Records"]


def events(records):
    return [(r["eventName"], r["dynamodb"]["Keys"]["id"]["S"]) for r in records]


def expect(code, call, *args, **kw):
    with pytest.raises(ClientError) as e:
        call(*args, **kw)
    assert error_of(e) == (code, 400), e.value.response["Error"]
    return e.value.response["Error"]["Message"]


def test_records_per_write_with_images(ddb, streams):
    arn = streamed_table(ddb)
    ddb.put_item(TableName="events", Item={"id": {"S": "a"}, "v": {"N": "1"}})
    ddb.put_item(TableName="events", Item={"id": {"S": "a"}, "v": {"N": "1"}})  # no change: no record
    ddb.update_item(TableName="events", Key={"id": {"S": "a"}}, UpdateExpression="SET v = :v",
                    ExpressionAttributeValues={":v": {"N": "2"}})
    ddb.delete_item(TableName="events", Key={"id": {"S": "a"}})
    ddb.delete_item(TableName="events", Key={"id": {"S": "never"}})  # nothing removed: no record
    records = read_all(streams, arn)
    assert events(records) == [("INSERT", "a"), ("MODIFY", "a"), ("REMOVE", "a")]
    insert, modify, remove = (r["dynamodb"] for r in records)
    assert insert["NewImage"] == {"id": {"S": "a"}, "v": {"N": "1"}} and "OldImage" not in insert
    assert modify["OldImage"]["v"] == {"N": "1"} and modify["NewImage"]["v"] == {"N": "2"}
    assert remove["OldImage"]["v"] == {"N": "2"} and "NewImage" not in remove
    seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in records]
    assert seqs == sorted(seqs) and len(set(seqs)) == 3
    for r in records:
        assert r["eventSource"] == "aws:dynamodb" and r["eventVersion"] == "1.1"
        assert r["awsRegion"] == "us-east-1" and r["dynamodb"]["SizeBytes"] > 0
        assert r["dynamodb"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
        assert abs(r["dynamodb"]["ApproximateCreationDateTime"].timestamp() - time.time()) < 120


@pytest.mark.parametrize("view,new,old", [("KEYS_ONLY", False, False), ("NEW_IMAGE", True, False),
                                          ("OLD_IMAGE", False, True)])
def test_view_types_keep_what_they_say(ddb, streams, view, new, old):
    arn = streamed_table(ddb, "view-" + view.lower().replace("_", "-"), view)
    table = "view-" + view.lower().replace("_", "-")
    ddb.put_item(TableName=table, Item={"id": {"S": "k"}, "v": {"S": "1"}})
    ddb.put_item(TableName=table, Item={"id": {"S": "k"}, "v": {"S": "2"}})
    modify = read_all(streams, arn)[1]["dynamodb"]
    assert modify["Keys"] == {"id": {"S": "k"}}
    assert ("NewImage" in modify) == new and ("OldImage" in modify) == old


def test_batches_transactions_and_partiql_are_streamed_in_order(ddb, streams):
    arn = streamed_table(ddb)
    ddb.batch_write_item(RequestItems={"events": [
        {"PutRequest": {"Item": {"id": {"S": "b1"}}}}, {"PutRequest": {"Item": {"id": {"S": "b2"}}}}]})
    ddb.transact_write_items(TransactItems=[
        {"Put": {"TableName": "events", "Item": {"id": {"S": "t1"}}}},
        {"Delete": {"TableName": "events", "Key": {"id": {"S": "b1"}}}}])
    ddb.execute_statement(Statement="INSERT INTO events VALUE {'id': 'p1'}")
    got = events(read_all(streams, arn))
    assert sorted(got[:2]) == [("INSERT", "b1"), ("INSERT", "b2")]
    assert sorted(got[2:4]) == [("INSERT", "t1"), ("REMOVE", "b1")]
    assert got[4:] == [("INSERT", "p1")]


def test_shard_iterator_types_and_paging(ddb, streams):
    arn = streamed_table(ddb)
    for i in range(5):
        ddb.put_item(TableName="events", Item={"id": {"S": f"k{i}"}})
    records = read_all(streams, arn)
    seqs = [r["dynamodb"]["SequenceNumber"] for r in records]
    assert events(read_all(streams, arn, "AT_SEQUENCE_NUMBER", SequenceNumber=seqs[2]))[0] == ("INSERT", "k2")
    assert events(read_all(streams, arn, "AFTER_SEQUENCE_NUMBER", SequenceNumber=seqs[2]))[0] == ("INSERT", "k3")
    shard = shard_of(streams, arn)
    latest = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    ddb.put_item(TableName="events", Item={"id": {"S": "after"}})
    assert events(streams.get_records(ShardIterator=latest)["Records"]) == [("INSERT", "after")]
    # Two at a time, following NextShardIterator.
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    seen = []
    for _ in range(4):
        page = streams.get_records(ShardIterator=it, Limit=2)
        seen += events(page["Records"])
        it = page["NextShardIterator"]
    assert [k for _, k in seen] == ["k0", "k1", "k2", "k3", "k4", "after"]
    assert streams.get_records(ShardIterator=it)["Records"] == []


def test_stream_validation(ddb, streams):
    arn = streamed_table(ddb)
    shard = shard_of(streams, arn)
    expect("ValidationException", streams.get_shard_iterator, StreamArn=arn, ShardId=shard,
           ShardIteratorType="AT_SEQUENCE_NUMBER")
    expect("ValidationException", streams.get_shard_iterator, StreamArn=arn, ShardId=shard,
           ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber="999999999999999999999")
    expect("ResourceNotFoundException", streams.get_shard_iterator, StreamArn=arn,
           ShardId="shardId-00000000000000000000-00000000", ShardIteratorType="LATEST")
    expect("ResourceNotFoundException", streams.describe_stream,
           StreamArn="arn:aws:dynamodb:us-east-1:000000000000:table/none/stream/2026-01-01T00:00:00.000")
    expect("ValidationException", streams.get_records, ShardIterator="not-an-iterator-at-all")
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard, ShardIteratorType="LATEST")["ShardIterator"]
    with pytest.raises(ClientError) as e:
        streams.get_records(ShardIterator=it, Limit=1001)
    assert error_of(e)[0] in ("ValidationException", "ParamValidationError")


def test_iterators_expire_and_records_are_trimmed(server, ddb, streams):
    arn = streamed_table(ddb)
    ddb.put_item(TableName="events", Item={"id": {"S": "old"}})
    first = read_all(streams, arn)[0]["dynamodb"]["SequenceNumber"]
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=shard_of(streams, arn),
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    advance_clock(server, 16 * 60)
    expect("ExpiredIteratorException", streams.get_records, ShardIterator=it)
    advance_clock(server, 25 * 3600)
    ddb.put_item(TableName="events", Item={"id": {"S": "new"}})
    # The day-old record is gone: TRIM_HORIZON starts after it, and asking for it is refused.
    assert events(read_all(streams, arn)) == [("INSERT", "new")]
    expect("TrimmedDataAccessException", streams.get_shard_iterator, StreamArn=arn,
           ShardId=shard_of(streams, arn), ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=first)


def test_shards_roll_over_after_four_hours(server, ddb, streams):
    arn = streamed_table(ddb)
    for k in ["a", "b"]:
        ddb.put_item(TableName="events", Item={"id": {"S": k}})
    parent = shard_of(streams, arn)
    advance_clock(server, 4 * 3600 + 60)
    ddb.put_item(TableName="events", Item={"id": {"S": "c"}})
    ddb.put_item(TableName="events", Item={"id": {"S": "d"}})
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert [s["ShardId"] for s in shards][0] == parent and len(shards) == 2
    child = shards[1]
    assert child["ParentShardId"] == parent and "ParentShardId" not in shards[0]
    closed, opened = shards[0]["SequenceNumberRange"], child["SequenceNumberRange"]
    assert "EndingSequenceNumber" in closed and "EndingSequenceNumber" not in opened
    assert int(closed["EndingSequenceNumber"]) < int(opened["StartingSequenceNumber"])
    # The parent holds what came before the roll-over, and ends; the child what came after.
    page = streams.get_records(ShardIterator=streams.get_shard_iterator(
        StreamArn=arn, ShardId=parent, ShardIteratorType="TRIM_HORIZON")["ShardIterator"])
    assert events(page["Records"]) == [("INSERT", "a"), ("INSERT", "b")]
    assert "NextShardIterator" not in page
    # Past the parent's last record there is nothing, and no next iterator: none of the
    # child's records.
    for kind in ({"ShardIteratorType": "LATEST"},
                 {"ShardIteratorType": "AFTER_SEQUENCE_NUMBER", "SequenceNumber": closed["EndingSequenceNumber"]}):
        page = streams.get_records(ShardIterator=streams.get_shard_iterator(
            StreamArn=arn, ShardId=parent, **kind)["ShardIterator"])
        assert page["Records"] == [] and "NextShardIterator" not in page
    it = streams.get_shard_iterator(StreamArn=arn, ShardId=child["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    assert events(streams.get_records(ShardIterator=it)["Records"]) == [("INSERT", "c"), ("INSERT", "d")]
    expect("ValidationException", streams.get_shard_iterator, StreamArn=arn, ShardId=parent,
           ShardIteratorType="AT_SEQUENCE_NUMBER", SequenceNumber=opened["StartingSequenceNumber"])
    # Once its records pass the 24 hours, the parent leaves the description.
    advance_clock(server, 21 * 3600)
    ddb.put_item(TableName="events", Item={"id": {"S": "e"}})
    shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
    assert parent not in [s["ShardId"] for s in shards] and shards[0]["ShardId"] == child["ShardId"]


def test_disable_and_reenable_make_a_new_stream(ddb, streams):
    first = streamed_table(ddb)
    ddb.put_item(TableName="events", Item={"id": {"S": "a"}})
    expect("ValidationException", ddb.update_table, TableName="events",
           StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    ddb.update_table(TableName="events", StreamSpecification={"StreamEnabled": False})
    ddb.put_item(TableName="events", Item={"id": {"S": "unseen"}})
    desc = streams.describe_stream(StreamArn=first)["StreamDescription"]
    assert desc["StreamStatus"] == "DISABLED"
    assert "EndingSequenceNumber" in desc["Shards"][0]["SequenceNumberRange"]
    it = streams.get_shard_iterator(StreamArn=first, ShardId=desc["Shards"][0]["ShardId"],
                                    ShardIteratorType="TRIM_HORIZON")["ShardIterator"]
    page = streams.get_records(ShardIterator=it)
    assert events(page["Records"]) == [("INSERT", "a")] and "NextShardIterator" not in page
    time.sleep(0.01)
    ddb.update_table(TableName="events", StreamSpecification={"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
    second = ddb.describe_table(TableName="events")["Table"]["LatestStreamArn"]
    assert second != first
    ddb.put_item(TableName="events", Item={"id": {"S": "b"}})
    assert events(read_all(streams, second)) == [("INSERT", "b")]
    listed = streams.list_streams(TableName="events")["Streams"]
    assert sorted(s["StreamArn"] for s in listed) == sorted([first, second])


def test_list_streams_pages_and_filters(ddb, streams, server):
    arns = [streamed_table(ddb, f"list-{i}") for i in range(3)]
    create_table(ddb, "list-plain")
    page = streams.list_streams(Limit=2)
    assert len(page["Streams"]) == 2
    rest = streams.list_streams(ExclusiveStartStreamArn=page["LastEvaluatedStreamArn"])
    assert sorted(s["StreamArn"] for s in page["Streams"] + rest["Streams"]) == sorted(arns)
    assert [s["TableName"] for s in streams.list_streams(TableName="list-1")["Streams"]] == ["list-1"]
    got = cli_json(server, "dynamodbstreams", "list-streams", "--table-name", "list-2")
    assert got["Streams"][0]["StreamArn"] == arns[2]


def test_ttl_removals_name_the_service(ddb, streams):
    arn = streamed_table(ddb)
    ddb.update_time_to_live(TableName="events", TimeToLiveSpecification={"Enabled": True, "AttributeName": "exp"})
    ddb.put_item(TableName="events", Item={"id": {"S": "gone"}, "exp": {"N": str(int(time.time()) - 60)}})
    deadline = time.time() + 10
    while time.time() < deadline and len(read_all(streams, arn)) < 2:
        time.sleep(0.2)
    remove = read_all(streams, arn)[1]
    assert remove["eventName"] == "REMOVE"
    assert remove["userIdentity"] == {"PrincipalId": "dynamodb.amazonaws.com", "Type": "Service"}


def test_stream_records_survive_kill_9(tmp_path):
    srv = Server(data_dir=tmp_path)
    try:
        ddb = make_client(srv, "dynamodb")
        arn = streamed_table(ddb, "durable-stream")
        for i in range(3):
            ddb.put_item(TableName="durable-stream", Item={"id": {"S": f"k{i}"}})
        srv.stop(signal.SIGKILL)
        srv.start()
        s = make_client(srv, "dynamodbstreams")
        assert [k for _, k in events(read_all(s, arn))] == ["k0", "k1", "k2"]
        ddb = make_client(srv, "dynamodb")
        ddb.put_item(TableName="durable-stream", Item={"id": {"S": "k3"}})
        seqs = [int(r["dynamodb"]["SequenceNumber"]) for r in read_all(s, arn)]
        assert len(seqs) == 4 and seqs == sorted(seqs)
    finally:
        srv.cleanup()
