"""S3 bucket configuration sub-resources (boto3 and the AWS CLI): what a new bucket reports,
each document stored and returned, S3's "not configured" codes, every validation, and the
documents surviving a kill -9 with --data-dir."""
import base64
import hashlib
import json
import signal

import pytest
from botocore.exceptions import ClientError

from conftest import Server, cli_json, error_of, make_client, raw, run_cli


@pytest.fixture
def bucket(s3):
    s3.create_bucket(Bucket="conf")
    return "conf"


def expect(code, status, call, *args, **kw):
    with pytest.raises(ClientError) as e:
        call(*args, **kw)
    assert error_of(e) == (code, status), e.value.response["Error"]
    return e.value.response["Error"]


# --- what a new bucket reports ---

def test_new_bucket_defaults(s3, bucket):
    assert s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerEnforced"}]
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": True, "IgnorePublicAcls": True, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True}
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule == {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"},
                    "BucketKeyEnabled": False}
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "BucketOwner"
    assert "Status" not in s3.get_bucket_accelerate_configuration(Bucket=bucket)
    assert s3.head_bucket(Bucket=bucket)["ResponseMetadata"]["HTTPHeaders"][
        "x-amz-bucket-region"] == "us-east-1"


@pytest.mark.parametrize("call,code", [
    ("get_bucket_lifecycle_configuration", "NoSuchLifecycleConfiguration"),
    ("get_bucket_website", "NoSuchWebsiteConfiguration"),
    ("get_bucket_replication", "ReplicationConfigurationNotFoundError"),
    ("get_object_lock_configuration", "ObjectLockConfigurationNotFoundError"),
    ("get_bucket_policy", "NoSuchBucketPolicy"),
    ("get_bucket_policy_status", "NoSuchBucketPolicy"),
])
def test_not_configured_codes(s3, bucket, call, code):
    err = expect(code, 404, getattr(s3, call), Bucket=bucket)
    assert err["BucketName"] == bucket


def test_configuration_of_a_missing_bucket(s3):
    expect("NoSuchBucket", 404, s3.get_bucket_encryption, Bucket="no-such-bucket")
    expect("NoSuchBucket", 404, s3.put_public_access_block, Bucket="no-such-bucket",
           PublicAccessBlockConfiguration={"BlockPublicAcls": True})


# --- lifecycle ---

def lifecycle(s3, bucket, *rules):
    return s3.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": list(rules)})


def test_lifecycle_round_trip(s3, bucket):
    r = lifecycle(s3, bucket,
                  {"ID": "tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
                   "Expiration": {"Days": 3}},
                  {"Status": "Disabled", "Filter": {"Prefix": "logs/"},
                   "Transitions": [{"Days": 30, "StorageClass": "STANDARD_IA"}],
                   "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 7}})
    assert r["ResponseMetadata"]["HTTPHeaders"][
        "x-amz-transition-default-minimum-object-size"] == "all_storage_classes_128K"
    got = s3.get_bucket_lifecycle_configuration(Bucket=bucket)
    rules = {r["Filter"]["Prefix"]: r for r in got["Rules"]}
    assert rules["tmp/"]["ID"] == "tmp" and rules["tmp/"]["Expiration"] == {"Days": 3}
    # A rule sent without an ID is given one.
    assert len(rules["logs/"]["ID"]) > 0 and rules["logs/"]["Status"] == "Disabled"
    assert rules["logs/"]["Transitions"] == [{"Days": 30, "StorageClass": "STANDARD_IA"}]
    assert rules["logs/"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    assert s3.delete_bucket_lifecycle(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect("NoSuchLifecycleConfiguration", 404, s3.get_bucket_lifecycle_configuration,
           Bucket=bucket)


@pytest.mark.parametrize("rule,code,message", [
    ({"Status": "Enabled", "Filter": {}, "Expiration": {"Days": 0}}, "InvalidArgument",
     "'Days' for Expiration action must be a positive integer"),
    ({"Status": "Enabled", "Filter": {}}, "InvalidRequest",
     "At least one action needs to be specified in a rule"),
    ({"Status": "Enabled", "Filter": {}, "Expiration": {"Date": "2030-01-01T12:00:00Z"}},
     "InvalidArgument", "'Date' must be at midnight GMT"),
    ({"Status": "Enabled", "Filter": {}, "Transitions": [{"Days": 10, "StorageClass": "ONEZONE_IA"}]},
     "InvalidArgument",
     "'Days' in Transition action must be greater than or equal to 30 for storageClass 'ONEZONE_IA'"),
    ({"Status": "Enabled", "Filter": {"Tag": {"Key": "k", "Value": "v"}},
      "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1}}, "InvalidRequest",
     "Tag-based filter cannot be used with AbortIncompleteMultipartUpload action"),
    ({"Status": "Enabled", "Filter": {}, "NoncurrentVersionExpiration": {"NoncurrentDays": -1}},
     "InvalidArgument", "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"),
    ({"ID": "x" * 256, "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}},
     "InvalidArgument", "ID length should not exceed allowed limit of 255"),
    ({"Status": "Sometimes", "Filter": {}, "Expiration": {"Days": 1}}, "MalformedXML", None),
    ({"Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1, "ExpiredObjectDeleteMarker": True}},
     "MalformedXML", None),
])
def test_lifecycle_validation(s3, bucket, rule, code, message):
    err = expect(code, 400, lifecycle, s3, bucket, rule)
    if message:
        assert err["Message"] == message


def test_lifecycle_rule_ids_unique_and_filter_or_prefix(s3, server, bucket):
    rule = {"ID": "same", "Status": "Enabled", "Filter": {}, "Expiration": {"Days": 1}}
    err = expect("InvalidArgument", 400, lifecycle, s3, bucket, rule, dict(rule))
    assert err["Message"] == "Rule ID must be unique. Found same ID for more than one rule"
    # A rule with both the legacy Prefix and a Filter, and one with neither, are not S3's schema.
    both = ('<LifecycleConfiguration><Rule><ID>a</ID><Prefix>x</Prefix><Filter><Prefix>y</Prefix>'
            '</Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>'
            '</LifecycleConfiguration>')
    neither = both.replace("<Prefix>x</Prefix>", "").replace("<Filter><Prefix>y</Prefix></Filter>", "")
    for body in (both, neither, "<LifecycleConfiguration/>", "<Lifecycle><Rule/></Lifecycle>"):
        md5 = base64.b64encode(hashlib.md5(body.encode()).digest()).decode()
        r, data = raw(server, "PUT", f"/{bucket}?lifecycle", body.encode(), {"Content-MD5": md5})
        assert r.status == 400 and b"<Code>MalformedXML</Code>" in data, (body, data)


def test_lifecycle_with_the_cli(server, bucket):
    config = {"Rules": [{"ID": "expire-tmp", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
                         "Expiration": {"Days": 1}}]}
    run_cli(server, "s3api", "put-bucket-lifecycle-configuration", "--bucket", bucket,
            "--lifecycle-configuration", json.dumps(config))
    got = cli_json(server, "s3api", "get-bucket-lifecycle-configuration", "--bucket", bucket)
    assert got["Rules"][0]["ID"] == "expire-tmp"


# --- encryption ---

def test_encryption(s3, bucket):
    s3.put_bucket_encryption(Bucket=bucket, ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/k"},
        "BucketKeyEnabled": True}]})
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms",
                                                          "KMSMasterKeyID": "alias/k"}
    assert rule["BucketKeyEnabled"] is True
    err = expect("InvalidArgument", 400, s3.put_bucket_encryption, Bucket=bucket,
                 ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {
                     "SSEAlgorithm": "AES256", "KMSMasterKeyID": "k"}}]})
    assert "KMSMasterKeyID is not applicable" in err["Message"]
    expect("MalformedXML", 400, s3.put_bucket_encryption, Bucket=bucket,
           ServerSideEncryptionConfiguration={"Rules": [{"ApplyServerSideEncryptionByDefault": {
               "SSEAlgorithm": "ROT13"}}]})
    # Deleting it leaves S3's default, SSE-S3.
    assert s3.delete_bucket_encryption(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "AES256"}


def test_encryption_with_the_cli(server, bucket):
    got = cli_json(server, "s3api", "get-bucket-encryption", "--bucket", bucket)
    assert got["ServerSideEncryptionConfiguration"]["Rules"][0][
        "ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"


# --- logging, website, request payment, acceleration ---

def test_logging(s3, bucket):
    s3.create_bucket(Bucket="conf-logs")
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={
        "LoggingEnabled": {"TargetBucket": "conf-logs", "TargetPrefix": "access/"}})
    assert s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"] == {
        "TargetBucket": "conf-logs", "TargetPrefix": "access/"}
    err = expect("InvalidTargetBucketForLogging", 400, s3.put_bucket_logging, Bucket=bucket,
                 BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "no-such-target",
                                                         "TargetPrefix": ""}})
    assert err["Message"] == "The target bucket for logging does not exist"
    # An empty status switches logging off.
    s3.put_bucket_logging(Bucket=bucket, BucketLoggingStatus={})
    assert "LoggingEnabled" not in s3.get_bucket_logging(Bucket=bucket)


def test_logging_across_regions_is_refused(server, s3, bucket):
    eu = make_client(server, region="eu-west-1")
    eu.create_bucket(Bucket="conf-eu-logs",
                     CreateBucketConfiguration={"LocationConstraint": "eu-west-1"})
    expect("CrossLocationLoggingProhibitted", 403, s3.put_bucket_logging, Bucket=bucket,
           BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": "conf-eu-logs",
                                                   "TargetPrefix": "x/"}})


def test_website(s3, bucket):
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "IndexDocument": {"Suffix": "index.html"}, "ErrorDocument": {"Key": "error.html"}})
    got = s3.get_bucket_website(Bucket=bucket)
    assert got["IndexDocument"] == {"Suffix": "index.html"}
    assert got["ErrorDocument"] == {"Key": "error.html"}
    err = expect("InvalidArgument", 400, s3.put_bucket_website, Bucket=bucket,
                 WebsiteConfiguration={"IndexDocument": {"Suffix": "a/index.html"}})
    assert err["Message"] == "The IndexDocument Suffix is not well formed"
    err = expect("InvalidArgument", 400, s3.put_bucket_website, Bucket=bucket,
                 WebsiteConfiguration={"ErrorDocument": {"Key": "e.html"}})
    assert "IndexDocument Suffix must be provided" in err["Message"]
    expect("InvalidRequest", 400, s3.put_bucket_website, Bucket=bucket, WebsiteConfiguration={
        "RedirectAllRequestsTo": {"HostName": "example.com"},
        "IndexDocument": {"Suffix": "index.html"}})
    s3.put_bucket_website(Bucket=bucket, WebsiteConfiguration={
        "RedirectAllRequestsTo": {"HostName": "example.com", "Protocol": "https"}})
    assert s3.get_bucket_website(Bucket=bucket)["RedirectAllRequestsTo"] == {
        "HostName": "example.com", "Protocol": "https"}
    assert s3.delete_bucket_website(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect("NoSuchWebsiteConfiguration", 404, s3.get_bucket_website, Bucket=bucket)


def test_request_payment_and_acceleration(s3, bucket):
    s3.put_bucket_request_payment(Bucket=bucket, RequestPaymentConfiguration={"Payer": "Requester"})
    assert s3.get_bucket_request_payment(Bucket=bucket)["Payer"] == "Requester"
    expect("MalformedXML", 400, s3.put_bucket_request_payment, Bucket=bucket,
           RequestPaymentConfiguration={"Payer": "Nobody"})
    s3.put_bucket_accelerate_configuration(Bucket=bucket,
                                           AccelerateConfiguration={"Status": "Enabled"})
    assert s3.get_bucket_accelerate_configuration(Bucket=bucket)["Status"] == "Enabled"
    expect("MalformedXML", 400, s3.put_bucket_accelerate_configuration, Bucket=bucket,
           AccelerateConfiguration={"Status": "Fast"})
    s3.create_bucket(Bucket="conf.dotted")
    err = expect("InvalidRequest", 400, s3.put_bucket_accelerate_configuration,
                 Bucket="conf.dotted", AccelerateConfiguration={"Status": "Enabled"})
    assert "periods" in err["Message"]


def test_replication_and_object_lock_need_versioning(s3, bucket):
    err = expect("InvalidRequest", 400, s3.put_bucket_replication, Bucket=bucket,
                 ReplicationConfiguration={"Role": "arn:aws:iam::000000000000:role/r", "Rules": [{
                     "Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}}]})
    assert err["Message"] == ("Versioning must be 'Enabled' on the bucket to apply a replication "
                              "configuration")
    expect("InvalidBucketState", 409, s3.put_object_lock_configuration, Bucket=bucket,
           ObjectLockConfiguration={"ObjectLockEnabled": "Enabled"})
    # Once versioning is on, both are stored.
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    s3.put_bucket_replication(Bucket=bucket, ReplicationConfiguration={
        "Role": "arn:aws:iam::000000000000:role/r",
        "Rules": [{"Status": "Enabled", "Destination": {"Bucket": "arn:aws:s3:::elsewhere"}}]})
    assert s3.get_bucket_replication(Bucket=bucket)["ReplicationConfiguration"]["Role"] == (
        "arn:aws:iam::000000000000:role/r")
    s3.put_object_lock_configuration(Bucket=bucket, ObjectLockConfiguration={
        "ObjectLockEnabled": "Enabled",
        "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": 1}}})
    assert s3.get_object_lock_configuration(Bucket=bucket)["ObjectLockConfiguration"][
        "Rule"]["DefaultRetention"] == {"Mode": "GOVERNANCE", "Days": 1}


# --- ownership controls and the public access block ---

def test_ownership_controls(s3):
    s3.create_bucket(Bucket="conf-writer", ObjectOwnership="ObjectWriter")
    assert s3.get_bucket_ownership_controls(Bucket="conf-writer")["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "ObjectWriter"}]
    s3.put_bucket_ownership_controls(Bucket="conf-writer", OwnershipControls={
        "Rules": [{"ObjectOwnership": "BucketOwnerPreferred"}]})
    assert s3.get_bucket_ownership_controls(Bucket="conf-writer")["OwnershipControls"]["Rules"] == [
        {"ObjectOwnership": "BucketOwnerPreferred"}]
    expect("MalformedXML", 400, s3.put_bucket_ownership_controls, Bucket="conf-writer",
           OwnershipControls={"Rules": [{"ObjectOwnership": "Everyone"}]})
    expect("MalformedXML", 400, s3.put_bucket_ownership_controls, Bucket="conf-writer",
           OwnershipControls={"Rules": []})
    s3.delete_bucket_ownership_controls(Bucket="conf-writer")
    err = expect("OwnershipControlsNotFoundError", 404, s3.get_bucket_ownership_controls,
                 Bucket="conf-writer")
    assert err["Message"] == "The bucket ownership controls were not found"
    err = expect("InvalidArgument", 400, s3.create_bucket, Bucket="conf-odd",
                 ObjectOwnership="Everyone")
    assert err["ArgumentName"] == "x-amz-object-ownership"
    expect("InvalidBucketAclWithObjectOwnership", 400, s3.create_bucket, Bucket="conf-public",
           ACL="public-read")
    expect("404", 404, s3.head_bucket, Bucket="conf-public")
    # With ACLs on, a public ACL still meets the new bucket's public access block.
    expect("InvalidBucketAclWithBlockPublicAccessError", 400, s3.create_bucket,
           Bucket="conf-public", ACL="public-read", ObjectOwnership="ObjectWriter")


def test_public_access_block(s3, bucket):
    s3.put_public_access_block(Bucket=bucket, PublicAccessBlockConfiguration={
        "BlockPublicPolicy": True})
    # Settings the request left out are false.
    assert s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"] == {
        "BlockPublicAcls": False, "IgnorePublicAcls": False, "BlockPublicPolicy": True,
        "RestrictPublicBuckets": False}
    assert s3.delete_public_access_block(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    err = expect("NoSuchPublicAccessBlockConfiguration", 404, s3.get_public_access_block,
                 Bucket=bucket)
    assert err["Message"] == "The public access block configuration was not found"


# --- bucket policies ---

def public_read(bucket):
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "PublicRead", "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{bucket}/*"}]}


def test_bucket_policy_round_trip(s3, bucket):
    # The public access block every new bucket has refuses a public policy.
    err = expect("AccessDenied", 403, s3.put_bucket_policy, Bucket=bucket,
                 Policy=json.dumps(public_read(bucket)))
    assert "BlockPublicPolicy" in err["Message"]
    s3.delete_public_access_block(Bucket=bucket)
    text = json.dumps(public_read(bucket), indent=2)
    assert s3.put_bucket_policy(Bucket=bucket, Policy=text)["ResponseMetadata"]["HTTPStatusCode"] == 204
    assert s3.get_bucket_policy(Bucket=bucket)["Policy"] == text
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": True}
    private = {"Statement": [{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                              "Action": ["s3:GetObject", "s3:ListBucket"],
                              "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]}]}
    s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(private))
    assert s3.get_bucket_policy_status(Bucket=bucket)["PolicyStatus"] == {"IsPublic": False}
    assert s3.delete_bucket_policy(Bucket=bucket)["ResponseMetadata"]["HTTPStatusCode"] == 204
    expect("NoSuchBucketPolicy", 404, s3.get_bucket_policy, Bucket=bucket)


@pytest.mark.parametrize("policy,message", [
    ("not json", "Policies must be valid JSON and the first byte must be '{'"),
    ("[1, 2]", "Policies must be valid JSON and the first byte must be '{'"),
    ('{"Version": "2012-10-17"}', "Missing required field Statement"),
    ({"Effect": "Maybe"}, "Invalid effect: Maybe"),
    ({"Principal": None}, "Missing required field Principal"),
    ({"Action": "ec2:RunInstances"}, "Policy has invalid action"),
    ({"Action": None}, "Missing required field Action"),
    ({"Resource": "arn:aws:s3:::another-bucket/*"}, "Policy has invalid resource"),
    ({"Resource": "*"}, "Policy has invalid resource"),
    ({"Principal": {"Someone": "x"}}, "Invalid principal in policy"),
    ({"Colour": "blue"}, "Unknown field Colour"),
])
def test_bucket_policy_validation(s3, bucket, policy, message):
    if isinstance(policy, dict):
        st = dict(public_read(bucket)["Statement"][0], Principal={"AWS": "123456789012"})
        for k, v in policy.items():
            if v is None:
                st.pop(k)
            else:
                st[k] = v
        policy = json.dumps({"Version": "2012-10-17", "Statement": [st]})
    err = expect("MalformedPolicy", 400, s3.put_bucket_policy, Bucket=bucket, Policy=policy)
    assert err["Message"] == message


def test_bucket_policy_size_limit(s3, bucket):
    st = dict(public_read(bucket)["Statement"][0], Principal={"AWS": "123456789012"})
    st["Sid"] = "x" * 21000
    err = expect("MalformedPolicy", 400, s3.put_bucket_policy, Bucket=bucket,
                 Policy=json.dumps({"Statement": [st]}))
    assert "20 KB" in err["Message"]


# --- persistence ---

def test_configuration_survives_kill_9(tmp_path):
    srv = Server(data_dir=tmp_path)
    try:
        c = make_client(srv)
        c.create_bucket(Bucket="durable-conf", ObjectOwnership="ObjectWriter")
        c.put_bucket_lifecycle_configuration(Bucket="durable-conf", LifecycleConfiguration={
            "Rules": [{"ID": "r", "Status": "Enabled", "Filter": {"Prefix": ""},
                       "Expiration": {"Days": 9}}]})
        c.delete_public_access_block(Bucket="durable-conf")
        c.put_bucket_policy(Bucket="durable-conf", Policy=json.dumps(public_read("durable-conf")))
        srv.stop(signal.SIGKILL)
        srv.start()
        c = make_client(srv)
        assert c.get_bucket_lifecycle_configuration(Bucket="durable-conf")["Rules"][0][
            "Expiration"] == {"Days": 9}
        assert c.get_bucket_ownership_controls(Bucket="durable-conf")["OwnershipControls"][
            "Rules"] == [{"ObjectOwnership": "ObjectWriter"}]
        expect("NoSuchPublicAccessBlockConfiguration", 404, c.get_public_access_block,
               Bucket="durable-conf")
        assert json.loads(c.get_bucket_policy(Bucket="durable-conf")["Policy"]) == public_read(
            "durable-conf")
        # A bucket's documents go with it.
        c.delete_bucket(Bucket="durable-conf")
        c.create_bucket(Bucket="durable-conf")
        expect("NoSuchLifecycleConfiguration", 404, c.get_bucket_lifecycle_configuration,
               Bucket="durable-conf")
    finally:
        srv.cleanup()


# --- lifecycle acted on, on the service clock ---

def wait_for(check, timeout=10):
    import time
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return True
        time.sleep(0.1)
    return check()


def keys(s3, bucket):
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_lifecycle_expires_objects_and_aborts_uploads(s3, server, sqs, bucket):
    import time
    from conftest import advance_clock
    q = sqs.create_queue(QueueName="conf-expired")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=q, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
        "QueueConfigurations": [{"QueueArn": arn, "Events": ["s3:LifecycleExpiration:*"]}]})
    for k in ["tmp/a", "tmp/b", "tmp/big", "keep/c", "tagged/d", "tagged/e"]:
        s3.put_object(Bucket=bucket, Key=k, Body=b"x" * (5000 if k == "tmp/big" else 10),
                      Tagging="state=done" if k == "tagged/d" else "")
    up = s3.create_multipart_upload(Bucket=bucket, Key="tmp/upload")["UploadId"]
    kept_up = s3.create_multipart_upload(Bucket=bucket, Key="keep/upload")["UploadId"]
    lifecycle(s3, bucket,
              {"ID": "tmp", "Status": "Enabled",
               "Filter": {"And": {"Prefix": "tmp/", "ObjectSizeLessThan": 1000}},
               "Expiration": {"Days": 1}, },
              {"ID": "uploads", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
               "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 2}},
              {"ID": "done", "Status": "Enabled",
               "Filter": {"Tag": {"Key": "state", "Value": "done"}}, "Expiration": {"Days": 3}},
              {"ID": "off", "Status": "Disabled", "Filter": {"Prefix": "keep/"},
               "Expiration": {"Days": 1}})
    # Nothing is due yet: a sweep runs every second, and a day has not passed.
    time.sleep(1.5)
    assert keys(s3, bucket) == ["keep/c", "tagged/d", "tagged/e", "tmp/a", "tmp/b", "tmp/big"]
    # A day plus the rounding to the next midnight: the one-day rule is due, not the others.
    advance_clock(server, 2 * 86400)
    assert wait_for(lambda: keys(s3, bucket) == ["keep/c", "tagged/d", "tagged/e", "tmp/big"])
    uploads = [u["UploadId"] for u in s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])]
    assert up in uploads and kept_up in uploads
    advance_clock(server, 2 * 86400)
    assert wait_for(lambda: keys(s3, bucket) == ["keep/c", "tagged/e", "tmp/big"])
    assert wait_for(lambda: [u["UploadId"] for u in
                             s3.list_multipart_uploads(Bucket=bucket).get("Uploads", [])] == [kept_up])
    events = []
    for _ in range(20):
        for m in sqs.receive_message(QueueUrl=q, MaxNumberOfMessages=10,
                                     WaitTimeSeconds=1).get("Messages", []):
            for r in json.loads(m["Body"]).get("Records", []):
                events.append((r["eventName"], r["s3"]["object"]["key"]))
        if len(events) >= 3:
            break
    assert sorted(events) == [("LifecycleExpiration:Delete", "tagged/d"),
                              ("LifecycleExpiration:Delete", "tmp/a"),
                              ("LifecycleExpiration:Delete", "tmp/b")]


def test_lifecycle_date_rule_catches_later_writes(s3, server, bucket):
    lifecycle(s3, bucket, {"ID": "dated", "Status": "Enabled", "Filter": {"Prefix": "old/"},
                           "Expiration": {"Date": "2020-01-01T00:00:00Z"}})
    s3.put_object(Bucket=bucket, Key="old/x", Body=b"1")
    s3.put_object(Bucket=bucket, Key="new/y", Body=b"2")
    assert wait_for(lambda: keys(s3, bucket) == ["new/y"])
    s3.put_object(Bucket=bucket, Key="old/z", Body=b"3")
    assert wait_for(lambda: keys(s3, bucket) == ["new/y"])


def test_lifecycle_applies_after_a_restart(tmp_path):
    from conftest import advance_clock
    srv = Server(data_dir=tmp_path)
    try:
        c = make_client(srv)
        c.create_bucket(Bucket="durable-rules")
        c.put_object(Bucket="durable-rules", Key="tmp/a", Body=b"1")
        c.put_object(Bucket="durable-rules", Key="keep", Body=b"2")
        lifecycle(c, "durable-rules", {"ID": "t", "Status": "Enabled", "Filter": {"Prefix": "tmp/"},
                                       "Expiration": {"Days": 1}})
        srv.stop(signal.SIGKILL)
        srv.start()
        c = make_client(srv)
        advance_clock(srv, 3 * 86400)
        assert wait_for(lambda: keys(c, "durable-rules") == ["keep"])
    finally:
        srv.cleanup()


def test_objects_report_their_encryption(s3, bucket):
    put = s3.put_object(Bucket=bucket, Key="plain", Body=b"p")
    assert put["ServerSideEncryption"] == "AES256"
    assert s3.head_object(Bucket=bucket, Key="plain")["ServerSideEncryption"] == "AES256"
    s3.create_bucket(Bucket="conf-kms")
    s3.put_bucket_encryption(Bucket="conf-kms", ServerSideEncryptionConfiguration={"Rules": [{
        "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/data"}}]})
    put = s3.put_object(Bucket="conf-kms", Key="secret", Body=b"s")
    assert (put["ServerSideEncryption"], put["SSEKMSKeyId"]) == ("aws:kms", "alias/data")
    got = s3.get_object(Bucket="conf-kms", Key="secret")
    assert (got["ServerSideEncryption"], got["SSEKMSKeyId"]) == ("aws:kms", "alias/data")
    # A request may ask for its own; a copy takes its destination's default.
    put = s3.put_object(Bucket="conf-kms", Key="s3", Body=b"x", ServerSideEncryption="AES256")
    assert put["ServerSideEncryption"] == "AES256" and "SSEKMSKeyId" not in put
    copied = s3.copy_object(Bucket=bucket, Key="copy", CopySource={"Bucket": "conf-kms", "Key": "secret"})
    assert copied["ServerSideEncryption"] == "AES256"
    assert s3.head_object(Bucket=bucket, Key="copy")["ServerSideEncryption"] == "AES256"
    up = s3.create_multipart_upload(Bucket="conf-kms", Key="multi")
    part = s3.upload_part(Bucket="conf-kms", Key="multi", UploadId=up["UploadId"], PartNumber=1, Body=b"m")
    done = s3.complete_multipart_upload(Bucket="conf-kms", Key="multi", UploadId=up["UploadId"],
                                        MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": part["ETag"]}]})
    assert done["ServerSideEncryption"] == "aws:kms"
    assert s3.head_object(Bucket="conf-kms", Key="multi")["SSEKMSKeyId"] == "alias/data"
    expect("InvalidArgument", 400, s3.put_object, Bucket=bucket, Key="bad", Body=b"b",
           ServerSideEncryption="ROT13")
    expect("InvalidArgument", 400, s3.put_object, Bucket=bucket, Key="bad", Body=b"b",
           ServerSideEncryption="AES256", SSEKMSKeyId="k")
