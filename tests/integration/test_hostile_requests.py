"""Requests a hostile or broken client sends: each gets the error AWS gives, and the server keeps
running with its state. The first ones are the requests that used to kill fogbank with a stack
overflow (expressions and items nested tens of thousands deep); then framing errors, documents
and images built to exhaust memory, and bytes that used to be changed on the way."""
import concurrent.futures
import json
import socket
import struct
import zlib

import pytest
from botocore.exceptions import ClientError

from conftest import ROLE, create_table, error_of, make_client, raw

DEEP = 20000
AUTH = ("AWS4-HMAC-SHA256 Credential=test/20261201/us-east-1/{service}/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64)


def dynamodb_raw(server, op, body):
    """A DynamoDB call with a body no SDK would serialise (Python's own recursion limit stops
    boto3 long before 20,000 levels)."""
    return raw(server, "POST", "/", body=body.encode(), headers={
        "X-Amz-Target": "DynamoDB_20120810." + op, "Content-Type": "application/x-amz-json-1.0",
        "Authorization": AUTH.format(service="dynamodb"), "X-Amz-Date": "20261201T000000Z"})


def alive_with_state(server, s3):
    r, _ = raw(server, "GET", "/_fogbank/health")
    assert r.status == 200
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["keep"]


@pytest.fixture
def table(server, ddb, s3):
    s3.create_bucket(Bucket="keep")
    create_table(ddb, "tbl", ("pk", "S"))
    ddb.put_item(TableName="tbl", Item={"pk": {"S": "a"}, "n": {"N": "1"}})
    return "tbl"


@pytest.mark.parametrize("expression", [
    "(" * DEEP + "n < :v" + ")" * DEEP,
    "not " * DEEP + "n < :v",
], ids=["parentheses", "nots"])
def test_deep_conditions_are_refused_and_the_server_lives(server, ddb, s3, table, expression):
    values = {":v": {"N": "5"}}
    calls = [
        lambda: ddb.update_item(TableName=table, Key={"pk": {"S": "a"}}, UpdateExpression="SET n = :v",
                                ConditionExpression=expression, ExpressionAttributeValues=values),
        lambda: ddb.scan(TableName=table, FilterExpression=expression, ExpressionAttributeValues=values),
        lambda: ddb.query(TableName=table, KeyConditionExpression=expression, ExpressionAttributeValues=values),
    ]
    for call in calls:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == ("ValidationException", 400)
        assert "Expression size has exceeded the maximum allowed size" in str(e.value)
    alive_with_state(server, s3)


def test_expression_limits_under_4kb(ddb, s3, table):
    # Under 4 KB, the operator limit and the nesting bound still answer before any recursion.
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName=table, FilterExpression="NOT " * 900 + "n < :v",
                 ExpressionAttributeValues={":v": {"N": "5"}})
    assert "The expression contains too many operators; operator count: 301" in str(e.value)
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName=table, FilterExpression="(" * 1500 + "n < :v" + ")" * 1500,
                 ExpressionAttributeValues={":v": {"N": "5"}})
    assert error_of(e) == ("ValidationException", 400) and "nested levels" in str(e.value)
    # 4096 bytes are allowed, 4097 are not.
    padded = "n < :v" + " " * (4096 - len("n < :v"))
    assert ddb.scan(TableName=table, FilterExpression=padded,
                    ExpressionAttributeValues={":v": {"N": "5"}})["Count"] == 1
    with pytest.raises(ClientError) as e:
        ddb.scan(TableName=table, FilterExpression=padded + " ",
                 ExpressionAttributeValues={":v": {"N": "5"}})
    assert str(e.value).endswith("Invalid FilterExpression: Expression size has exceeded the "
                                 "maximum allowed size; expression size: 4097")


def test_deep_partiql_where_is_refused(server, ddb, s3, table):
    for where in ["(" * DEEP + "pk = 'a'" + ")" * DEEP, "NOT " * DEEP + "pk = 'a'"]:
        with pytest.raises(ClientError) as e:
            ddb.execute_statement(Statement=f'SELECT * FROM "{table}" WHERE {where}')
        assert error_of(e) == ("ValidationException", 400)
        assert "8192" in str(e.value)
    # Within the statement limit, the expression's own bounds answer.
    with pytest.raises(ClientError) as e:
        ddb.execute_statement(Statement=f'SELECT * FROM "{table}" WHERE ' + "(" * 3000 + "pk = 'a'" + ")" * 3000)
    assert error_of(e) == ("ValidationException", 400)
    alive_with_state(server, s3)


def test_items_nest_32_levels_and_no_deeper(server, ddb, s3, table):
    def nested(levels):
        v = {"S": "leaf"}
        for _ in range(levels):
            v = {"M": {"n": v}}
        return v
    ddb.put_item(TableName=table, Item={"pk": {"S": "ok"}, "d": nested(31)})
    got = ddb.get_item(TableName=table, Key={"pk": {"S": "ok"}})["Item"]["d"]
    assert got == nested(31)
    with pytest.raises(ClientError) as e:
        ddb.put_item(TableName=table, Item={"pk": {"S": "deep"}, "d": nested(32)})
    assert error_of(e) == ("ValidationException", 400)
    assert "Nesting Levels have exceeded supported limits" in str(e.value)
    # An update that would nest a stored value past the limit is refused as well.
    with pytest.raises(ClientError) as e:
        ddb.update_item(TableName=table, Key={"pk": {"S": "ok"}}, UpdateExpression="SET d.n = :v",
                        ExpressionAttributeValues={":v": nested(31)})
    assert "Nesting Levels have exceeded supported limits" in str(e.value)
    # 20,000 levels, as raw JSON: refused before anything walks it.
    body = '{"TableName":"tbl","Item":{"pk":{"S":"x"},"d":' + '{"L":[' * DEEP + '{"S":"x"}' + "]}" * DEEP + "}}"
    r, data = dynamodb_raw(server, "PutItem", body)
    assert r.status == 400 and json.loads(data)["__type"].endswith("SerializationException")
    alive_with_state(server, s3)


def test_json_nesting_is_bounded_for_every_json_protocol(server, s3, table):
    deep = '{"a":' + "[" * 100000 + "]" * 100000 + "}"
    for target, service in [("DynamoDB_20120810.Scan", "dynamodb"), ("AmazonSQS.ListQueues", "sqs"),
                            ("RekognitionService.DetectLabels", "rekognition")]:
        r, data = raw(server, "POST", "/", body=deep.encode(), headers={
            "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.0",
            "Authorization": AUTH.format(service=service), "X-Amz-Date": "20261201T000000Z"})
        assert r.status == 400, (target, data)
        assert json.loads(data)["__type"].endswith("SerializationException"), data
    # REST-JSON (Lambda): the error Lambda gives for a body it cannot read.
    r, data = raw(server, "POST", "/2015-03-31/functions", body=deep.encode(), headers={
        "Content-Type": "application/json", "Authorization": AUTH.format(service="lambda"),
        "X-Amz-Date": "20261201T000000Z"})
    assert r.status == 400 and r.getheader("X-Amzn-ErrorType") == "InvalidRequestContentException"
    alive_with_state(server, s3)


def test_deep_xml_is_malformed(server, s3, table):
    body = ("<Tagging>" + "<a>" * 50000 + "</a>" * 50000 + "</Tagging>").encode()
    r, data = raw(server, "PUT", "/keep?tagging", body=body, headers={
        "Authorization": AUTH.format(service="s3"), "X-Amz-Date": "20261201T000000Z",
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    assert r.status == 400 and b"<Code>MalformedXML</Code>" in data
    alive_with_state(server, s3)


def test_delete_objects_with_a_key_of_one_space(s3):
    s3.create_bucket(Bucket="keep")
    s3.put_object(Bucket="keep", Key=" ", Body=b"x")
    s3.put_object(Bucket="keep", Key="\t", Body=b"y")
    out = s3.delete_objects(Bucket="keep", Delete={"Objects": [{"Key": " "}, {"Key": "\t"}]})
    assert sorted(d["Key"] for d in out["Deleted"]) == ["\t", " "]
    assert s3.list_objects_v2(Bucket="keep")["KeyCount"] == 0
    s3.delete_bucket(Bucket="keep")


def test_carriage_returns_survive_the_query_protocol(sqs):
    # Debian's boto3 speaks SQS's query protocol, whose answers are XML.
    q = sqs.create_queue(QueueName="cr")["QueueUrl"]
    body = "line one\r\nline two\rend\n"
    sqs.send_message(QueueUrl=q, MessageBody=body,
                     MessageAttributes={"a": {"DataType": "String", "StringValue": "x\ry"}})
    m = sqs.receive_message(QueueUrl=q, MessageAttributeNames=["All"])["Messages"][0]
    assert m["Body"] == body
    assert m["MessageAttributes"]["a"]["StringValue"] == "x\ry"


def send_raw(server, data):
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def test_bad_content_length_gets_400_in_the_protocol_asked(server, s3, table):
    # S3: an XML error; DynamoDB: a JSON one. Then the connection closes.
    out = send_raw(server, b"PUT /keep/k HTTP/1.1\r\nHost: localhost\r\nContent-Length: abc\r\n\r\nhello")
    assert out.startswith(b"HTTP/1.1 400") and b"<Code>BadRequest</Code>" in out
    out = send_raw(server, b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1x\r\n"
                           b"X-Amz-Target: DynamoDB_20120810.ListTables\r\n\r\n{}")
    assert out.startswith(b"HTTP/1.1 400")
    assert json.loads(out.split(b"\r\n\r\n", 1)[1])["__type"].endswith("BadRequest")
    # Two lengths that disagree, and a request line that is not HTTP at all.
    out = send_raw(server, b"PUT /keep/k HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab")
    assert out.startswith(b"HTTP/1.1 400")
    out = send_raw(server, b"NOT HTTP\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400")
    alive_with_state(server, s3)


def test_bad_chunk_size_gets_400(server, s3, table):
    out = send_raw(server, b"PUT /keep/k HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                           b"x-amz-content-sha256: UNSIGNED-PAYLOAD\r\n\r\nzz\r\nhello\r\n0\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 400") and b"<Code>BadRequest</Code>" in out
    with pytest.raises(ClientError):
        s3.head_object(Bucket="keep", Key="k")
    alive_with_state(server, s3)


def png_claiming(width, height):
    """A small PNG whose header claims width x height: decoding it would allocate
    width * height * 3 bytes, whatever the file's size."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = zlib.compress(b"\x00" * (width * 3 + 1) * 64, 9)  # the first rows; the rest is missing
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", rows) + chunk(b"IEND", b""))


def test_images_claiming_huge_dimensions_are_refused(server, s3, rek, table):
    huge = png_claiming(30000, 30000)
    with pytest.raises(ClientError) as e:
        rek.detect_labels(Image={"Bytes": huge})
    assert error_of(e) == ("ImageTooLargeException", 400)
    # Sixteen at once, through S3 too: each refused from its header, none decoded.
    s3.put_object(Bucket="keep", Key="huge.png", Body=huge)

    def one(i):
        client = make_client(server, "rekognition")
        image = {"Bytes": huge} if i % 2 else {"S3Object": {"Bucket": "keep", "Name": "huge.png"}}
        try:
            client.detect_labels(Image=image)
        except ClientError as err:
            return err.response["Error"]["Code"]
        return "accepted"
    with concurrent.futures.ThreadPoolExecutor(16) as pool:
        assert set(pool.map(one, range(16))) == {"ImageTooLargeException"}
    # Not an image at all, and an image cut inside its header: InvalidImageFormatException.
    for bad in (b"GIF89a" + b"\0" * 100, huge[:20]):
        with pytest.raises(ClientError) as e:
            rek.detect_labels(Image={"Bytes": bad})
        assert error_of(e) == ("InvalidImageFormatException", 400)
    r, data = raw(server, "GET", "/_fogbank/health")
    assert r.status == 200
    s3.delete_object(Bucket="keep", Key="huge.png")
    alive_with_state(server, s3)


def test_xml_that_is_not_utf8_is_malformed(server, s3):
    # Found by fuzzing: a tag value that is not UTF-8 used to end in a 500.
    s3.create_bucket(Bucket="keep")
    body = b"<Tagging><TagSet><Tag><Key>k</Key><Value>v\xc9v</Value></Tag></TagSet></Tagging>"
    r, data = raw(server, "PUT", "/keep?tagging", body=body, headers={
        "Authorization": AUTH.format(service="s3"), "X-Amz-Date": "20261201T000000Z",
        "x-amz-content-sha256": "UNSIGNED-PAYLOAD"})
    assert r.status == 400 and b"<Code>MalformedXML</Code>" in data
    alive_with_state(server, s3)


def test_an_oversized_body_is_refused_before_it_is_read(server, s3, table):
    # The head alone says 17 MB: the 413 comes back without the server waiting for a byte.
    head = (b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 17000000\r\n"
            b"X-Amz-Target: DynamoDB_20120810.PutItem\r\n\r\n")
    out = send_raw(server, head)
    assert out.startswith(b"HTTP/1.1 413")
    alive_with_state(server, s3)


def test_a_lambda_package_that_unzips_too_large_is_refused(server, s3, lam):
    import io
    import zipfile
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("app.py", "def handler(e, c):\n    return 1\n")
        z.writestr("zeros.bin", b"\0" * (251 * 1024 * 1024))  # a few hundred KB zipped
    with pytest.raises(ClientError) as e:
        lam.create_function(FunctionName="bomb", Runtime="python3.12", Role=ROLE, Handler="app.handler",
                            Code={"ZipFile": buf.getvalue()})
    assert error_of(e) == ("InvalidParameterValueException", 400)
    assert "Unzipped size must be smaller than 262144000 bytes" in str(e.value)
    s3.create_bucket(Bucket="keep")
    alive_with_state(server, s3)
