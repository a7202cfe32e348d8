"""SQS queue lifecycle and configuration through boto3 (query protocol) and the AWS CLI."""
import json
import time
import urllib.parse
import urllib.request

import pytest
from botocore.exceptions import ClientError

from conftest import advance_clock, cli_json, error_of, make_client, run_cli


def test_create_get_list_delete(sqs):
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    assert url.endswith("/000000000000/orders")
    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url
    sqs.create_queue(QueueName="orders-dlq")
    sqs.create_queue(QueueName="images")
    urls = sqs.list_queues()["QueueUrls"]
    assert [u.rsplit("/", 1)[1] for u in urls] == ["images", "orders", "orders-dlq"]
    urls = sqs.list_queues(QueueNamePrefix="ord")["QueueUrls"]
    assert [u.rsplit("/", 1)[1] for u in urls] == ["orders", "orders-dlq"]
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.get_queue_url(QueueName="orders")
    assert error_of(e) == ("AWS.SimpleQueueService.NonExistentQueue", 400)
    with pytest.raises(ClientError) as e:
        sqs.send_message(QueueUrl=url, MessageBody="x")
    assert error_of(e) == ("AWS.SimpleQueueService.NonExistentQueue", 400)
    # In SQS's own words, which SDKs surface and other projects' tests match on.
    assert e.value.response["Error"]["Message"] == "The specified queue does not exist for this wsdl version."


def test_list_queues_paginates(sqs):
    for i in range(7):
        sqs.create_queue(QueueName=f"q{i}")
    page = sqs.list_queues(MaxResults=3)
    assert len(page["QueueUrls"]) == 3 and "NextToken" in page
    seen = list(page["QueueUrls"])
    while "NextToken" in page:
        page = sqs.list_queues(MaxResults=3, NextToken=page["NextToken"])
        seen += page["QueueUrls"]
    assert [u.rsplit("/", 1)[1] for u in seen] == [f"q{i}" for i in range(7)]
    assert "NextToken" not in sqs.list_queues()
    assert "QueueUrls" not in sqs.list_queues(QueueNamePrefix="zzz")
    with pytest.raises(ClientError) as e:
        sqs.list_queues(MaxResults=1001)
    assert error_of(e) == ("InvalidParameterValue", 400)


def test_create_is_idempotent_only_with_same_attributes(sqs):
    a = sqs.create_queue(QueueName="same", Attributes={"VisibilityTimeout": "45"})["QueueUrl"]
    assert sqs.create_queue(QueueName="same", Attributes={"VisibilityTimeout": "45"})["QueueUrl"] == a
    assert sqs.create_queue(QueueName="same")["QueueUrl"] == a
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="same", Attributes={"VisibilityTimeout": "46"})
    assert error_of(e) == ("QueueAlreadyExists", 400)


@pytest.mark.parametrize("name,attrs", [
    ("a" * 81, {}),
    ("bad.name", {}),
    ("spaces here", {}),
    ("", {}),
    ("jobs.fifo", {}),                        # .fifo needs FifoQueue=true
    ("jobs", {"FifoQueue": "true"}),          # FifoQueue needs the .fifo suffix
    ("a" * 77 + ".fifo", {"FifoQueue": "true"}),
])
def test_invalid_queue_names(sqs, name, attrs):
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName=name, Attributes=attrs)
    assert error_of(e) == ("InvalidParameterValue", 400)


def test_longest_names_are_accepted(sqs):
    sqs.create_queue(QueueName="a" * 80)
    sqs.create_queue(QueueName="b" * 75 + ".fifo", Attributes={"FifoQueue": "true"})


@pytest.mark.parametrize("attrs,code", [
    ({"Bogus": "1"}, "InvalidAttributeName"),
    ({"ContentBasedDeduplication": "true"}, "InvalidAttributeName"),  # FIFO only
    ({"VisibilityTimeout": "43201"}, "InvalidAttributeValue"),
    ({"VisibilityTimeout": "-1"}, "InvalidAttributeValue"),
    ({"DelaySeconds": "901"}, "InvalidAttributeValue"),
    ({"MessageRetentionPeriod": "59"}, "InvalidAttributeValue"),
    ({"MessageRetentionPeriod": "1209601"}, "InvalidAttributeValue"),
    ({"MaximumMessageSize": "1023"}, "InvalidAttributeValue"),
    ({"MaximumMessageSize": "1048577"}, "InvalidAttributeValue"),
    ({"ReceiveMessageWaitTimeSeconds": "21"}, "InvalidAttributeValue"),
    ({"VisibilityTimeout": "ten"}, "InvalidAttributeValue"),
    ({"SqsManagedSseEnabled": "maybe"}, "InvalidAttributeValue"),
    ({"RedrivePolicy": "not json"}, "InvalidParameterValue"),
    ({"RedrivePolicy": '{"maxReceiveCount": 3}'}, "InvalidParameterValue"),
    ({"RedriveAllowPolicy": '{"redrivePermission": "sometimes"}'}, "InvalidParameterValue"),
])
def test_invalid_attributes(sqs, attrs, code):
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="attrs", Attributes=attrs)
    assert error_of(e) == (code, 400)
    assert "QueueUrls" not in sqs.list_queues()


def test_get_queue_attributes_all_and_each(sqs):
    before = int(time.time())
    url = sqs.create_queue(QueueName="attrs", Attributes={"DelaySeconds": "2", "VisibilityTimeout": "40"})["QueueUrl"]
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert a["QueueArn"] == "arn:aws:sqs:us-east-1:000000000000:attrs"
    assert a["DelaySeconds"] == "2" and a["VisibilityTimeout"] == "40"
    assert a["MaximumMessageSize"] == "1048576"
    assert a["MessageRetentionPeriod"] == "345600"
    assert a["ReceiveMessageWaitTimeSeconds"] == "0"
    assert a["SqsManagedSseEnabled"] == "true"
    assert before - 1 <= int(a["CreatedTimestamp"]) <= time.time() + 1
    assert a["ApproximateNumberOfMessages"] == "0"
    for name in ["ApproximateNumberOfMessagesNotVisible", "ApproximateNumberOfMessagesDelayed",
                 "LastModifiedTimestamp"]:
        assert name in a
    for name, value in a.items():
        one = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[name])["Attributes"]
        assert one == {name: value}
    assert "Attributes" not in sqs.get_queue_attributes(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["NoSuchThing"])
    assert error_of(e) == ("InvalidAttributeName", 400)


def test_message_counts(sqs):
    url = sqs.create_queue(QueueName="counts")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="visible")
    sqs.send_message(QueueUrl=url, MessageBody="delayed", DelaySeconds=30)
    sqs.send_message(QueueUrl=url, MessageBody="taken")
    got = sqs.receive_message(QueueUrl=url)["Messages"]
    assert len(got) == 1
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert (a["ApproximateNumberOfMessages"], a["ApproximateNumberOfMessagesNotVisible"],
            a["ApproximateNumberOfMessagesDelayed"]) == ("1", "1", "1")


def test_set_queue_attributes(sqs):
    url = sqs.create_queue(QueueName="settable")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "5", "DelaySeconds": "1",
                                                      "Policy": '{"Version":"2012-10-17","Statement":[]}'})
    a = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert a["VisibilityTimeout"] == "5" and a["DelaySeconds"] == "1"
    assert json.loads(a["Policy"]) == {"Version": "2012-10-17", "Statement": []}
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"Policy": ""})
    assert "Policy" not in sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"FifoQueue": "true"})
    assert error_of(e) == ("InvalidAttributeName", 400)
    with pytest.raises(ClientError) as e:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "1000"})
    assert error_of(e) == ("InvalidAttributeValue", 400)
    assert sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["DelaySeconds"])["Attributes"] == {"DelaySeconds": "1"}


def test_delete_then_recreate_waits_sixty_seconds(server, sqs):
    url = sqs.create_queue(QueueName="churn")["QueueUrl"]
    sqs.delete_queue(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.create_queue(QueueName="churn")
    assert error_of(e) == ("AWS.SimpleQueueService.QueueDeletedRecently", 400)
    advance_clock(server, 61)
    assert sqs.create_queue(QueueName="churn")["QueueUrl"] == url


def test_purge_queue(server, sqs):
    url = sqs.create_queue(QueueName="purge-me")["QueueUrl"]
    for i in range(5):
        sqs.send_message(QueueUrl=url, MessageBody=f"m{i}")
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
    with pytest.raises(ClientError) as e:
        sqs.purge_queue(QueueUrl=url)
    assert error_of(e) == ("AWS.SimpleQueueService.PurgeQueueInProgress", 403)
    advance_clock(server, 61)
    sqs.purge_queue(QueueUrl=url)


def test_tags(sqs):
    url = sqs.create_queue(QueueName="tagged", tags={"team": "vision", "env": "ci"})["QueueUrl"]
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "vision", "env": "ci"}
    sqs.tag_queue(QueueUrl=url, Tags={"env": "prod", "cost": "42"})
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"team": "vision", "env": "prod", "cost": "42"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["team", "absent"])
    assert sqs.list_queue_tags(QueueUrl=url)["Tags"] == {"env": "prod", "cost": "42"}
    sqs.untag_queue(QueueUrl=url, TagKeys=["env", "cost"])
    assert "Tags" not in sqs.list_queue_tags(QueueUrl=url)
    with pytest.raises(ClientError) as e:
        sqs.tag_queue(QueueUrl=url, Tags={f"k{i}": "v" for i in range(51)})
    assert error_of(e) == ("InvalidParameterValue", 400)
    with pytest.raises(ClientError) as e:
        sqs.tag_queue(QueueUrl=url, Tags={"k" * 129: "v"})
    assert error_of(e) == ("InvalidParameterValue", 400)


def test_permissions_are_kept_in_the_policy(sqs):
    url = sqs.create_queue(QueueName="shared")["QueueUrl"]
    sqs.add_permission(QueueUrl=url, Label="worker", AWSAccountIds=["111122223333"],
                       Actions=["SendMessage", "ReceiveMessage"])
    policy = json.loads(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
    (stmt,) = policy["Statement"]
    assert stmt["Sid"] == "worker"
    assert stmt["Principal"] == {"AWS": ["arn:aws:iam::111122223333:root"]}
    assert stmt["Action"] == ["SQS:SendMessage", "SQS:ReceiveMessage"]
    with pytest.raises(ClientError) as e:
        sqs.add_permission(QueueUrl=url, Label="worker", AWSAccountIds=["111122223333"], Actions=["*"])
    assert error_of(e) == ("InvalidParameterValue", 400)
    sqs.remove_permission(QueueUrl=url, Label="worker")
    with pytest.raises(ClientError) as e:
        sqs.remove_permission(QueueUrl=url, Label="worker")
    assert error_of(e) == ("InvalidParameterValue", 400)


def test_queues_are_scoped_by_account_and_region(server):
    a = make_client(server, "sqs", access_key="111111111111")
    b = make_client(server, "sqs", access_key="222222222222")
    west = make_client(server, "sqs", region="us-west-2", access_key="111111111111")
    url = a.create_queue(QueueName="mine")["QueueUrl"]
    assert "/111111111111/mine" in url
    assert "QueueUrls" not in b.list_queues()
    assert "QueueUrls" not in west.list_queues()
    with pytest.raises(ClientError) as e:
        west.get_queue_url(QueueName="mine")
    assert error_of(e)[0] == "AWS.SimpleQueueService.NonExistentQueue"


def _query(server, path, params):
    body = urllib.parse.urlencode(params).encode()
    req = urllib.request.Request(server.url + path, data=body, method="POST", headers={
        "Content-Type": "application/x-www-form-urlencoded",
        "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, "
                         "SignedHeaders=host, Signature=00"})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_queue_addressed_by_path_and_query_errors(server, sqs):
    url = sqs.create_queue(QueueName="by-path")["QueueUrl"]
    status, body = _query(server, "/000000000000/by-path", {"Action": "SendMessage", "MessageBody": "via path"})
    assert status == 200 and "<SendMessageResponse" in body and "<MD5OfMessageBody>" in body
    assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "via path"
    status, body = _query(server, "/", {"Action": "Frobnicate"})
    assert status == 400 and "<Code>InvalidAction</Code>" in body and "<Type>Sender</Type>" in body
    status, body = _query(server, "/", {"Action": "SendMessage", "QueueUrl": "http://localhost/not-a-queue",
                                        "MessageBody": "x"})
    assert status == 404 and "<Code>InvalidAddress</Code>" in body
    # A bare name is a queue name, as SQS takes it: here one that does not exist.
    status, body = _query(server, "/", {"Action": "SendMessage", "QueueUrl": "no-such-queue", "MessageBody": "x"})
    assert status == 400 and "NonExistentQueue</Code>" in body
    status, body = _query(server, "/", {"Action": "SendMessage", "QueueUrl": url})
    assert status == 400 and "<Code>MissingParameter</Code>" in body


def test_a_bare_queue_name_where_a_url_is_expected(server, sqs):
    url = sqs.create_queue(QueueName="named")["QueueUrl"]
    sqs.send_message(QueueUrl="named", MessageBody="by name")
    got = sqs.receive_message(QueueUrl="named", WaitTimeSeconds=0)["Messages"]
    assert [m["Body"] for m in got] == ["by name"]
    sqs.delete_message(QueueUrl="named", ReceiptHandle=got[0]["ReceiptHandle"])
    attrs = sqs.get_queue_attributes(QueueUrl="named", AttributeNames=["QueueArn"])["Attributes"]
    assert attrs["QueueArn"].endswith(":000000000000:named")
    # The caller's own queue only: another account's queue of that name is not found by name.
    other = make_client(server, "sqs", access_key="222222222222")
    with pytest.raises(ClientError) as e:
        other.send_message(QueueUrl="named", MessageBody="x")
    assert error_of(e) == ("AWS.SimpleQueueService.NonExistentQueue", 400)
    assert cli_json(server, "sqs", "get-queue-attributes", "--queue-url", "named",
                    "--attribute-names", "QueueArn")["Attributes"] == attrs
    sqs.delete_queue(QueueUrl="named")
    with pytest.raises(ClientError) as e:
        sqs.get_queue_url(QueueName="named")
    assert error_of(e) == ("AWS.SimpleQueueService.NonExistentQueue", 400)
    assert url.endswith("/named")


def test_cli_queue_commands(server):
    url = cli_json(server, "sqs", "create-queue", "--queue-name", "cli-q",
                   "--attributes", "VisibilityTimeout=12", "--tags", "team=vision")["QueueUrl"]
    assert cli_json(server, "sqs", "get-queue-url", "--queue-name", "cli-q")["QueueUrl"] == url
    assert cli_json(server, "sqs", "list-queues")["QueueUrls"] == [url]
    attrs = cli_json(server, "sqs", "get-queue-attributes", "--queue-url", url,
                     "--attribute-names", "VisibilityTimeout", "QueueArn")["Attributes"]
    assert attrs == {"VisibilityTimeout": "12", "QueueArn": "arn:aws:sqs:us-east-1:000000000000:cli-q"}
    run_cli(server, "sqs", "set-queue-attributes", "--queue-url", url, "--attributes", "DelaySeconds=3")
    assert cli_json(server, "sqs", "list-queue-tags", "--queue-url", url)["Tags"] == {"team": "vision"}
    run_cli(server, "sqs", "tag-queue", "--queue-url", url, "--tags", "env=ci")
    run_cli(server, "sqs", "untag-queue", "--queue-url", url, "--tag-keys", "team")
    assert cli_json(server, "sqs", "list-queue-tags", "--queue-url", url)["Tags"] == {"env": "ci"}
    run_cli(server, "sqs", "add-permission", "--queue-url", url, "--label", "p1",
            "--aws-account-ids", "111122223333", "--actions", "SendMessage")
    policy = json.loads(cli_json(server, "sqs", "get-queue-attributes", "--queue-url", url,
                                 "--attribute-names", "Policy")["Attributes"]["Policy"])
    assert [s["Sid"] for s in policy["Statement"]] == ["p1"]
    run_cli(server, "sqs", "remove-permission", "--queue-url", url, "--label", "p1")
    dlq = cli_json(server, "sqs", "create-queue", "--queue-name", "cli-dlq")["QueueUrl"]
    run_cli(server, "sqs", "set-queue-attributes", "--queue-url", url, "--attributes",
            json.dumps({"RedrivePolicy": json.dumps({"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:cli-dlq",
                                                     "maxReceiveCount": "4"})}))
    assert cli_json(server, "sqs", "list-dead-letter-source-queues", "--queue-url", dlq)["queueUrls"] == [url]
    run_cli(server, "sqs", "purge-queue", "--queue-url", url)
    run_cli(server, "sqs", "delete-queue", "--queue-url", url)
    p = run_cli(server, "sqs", "get-queue-url", "--queue-name", "cli-q", check=False)
    assert p.returncode == 254 and "AWS.SimpleQueueService.NonExistentQueue" in p.stderr


def test_query_values_that_are_not_utf8_are_refused(tmp_path):
    """A tag or attribute that is not UTF-8 once decoded is refused as SQS refuses bad values;
    with --data-dir it once reached the JSON store and was a 500."""
    from conftest import Server, raw
    srv = Server(data_dir=tmp_path)
    try:
        auth = {"Content-Type": "application/x-www-form-urlencoded",
                "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, "
                                 "SignedHeaders=host, Signature=" + "0" * 64}
        for form in ("Action=CreateQueue&QueueName=q1&Tag.1.Key=k&Tag.1.Value=%FF",
                     "Action=CreateQueue&QueueName=q2&Attribute.1.Name=Policy&Attribute.1.Value=%FF"):
            r, data = raw(srv, "POST", "/", form.encode(), auth)
            assert r.status == 400 and b"<Code>InvalidParameterValue</Code>" in data, data
        r, data = raw(srv, "POST", "/", b"Action=CreateQueue&QueueName=q3", auth)
        assert r.status == 200
        url = f"{srv.url}/000000000000/q3"
        r, data = raw(srv, "POST", "/", f"Action=SendMessage&QueueUrl={url}&MessageBody=%FF".encode(), auth)
        assert r.status == 400 and b"<Code>InvalidMessageContents</Code>" in data
        assert " 500 " not in srv.logs()
    finally:
        srv.cleanup()
