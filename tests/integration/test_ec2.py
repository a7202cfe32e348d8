"""EC2 with boto3 and the AWS CLI: instances are real local processes running their UserData,
reaching fogbank (S3, instance metadata) with Debian's boto3 and no endpoint in their code."""
import base64
import json
import os
import signal
import time

import pytest
from botocore.exceptions import ClientError

from conftest import Server, cli_json, error_of, make_client, run_cli

LOCAL_AMI = "ami-0f0b0a0c0000de12a"


@pytest.fixture
def ec2(server):
    return make_client(server, "ec2")


def wait_for(check, timeout=15, step=0.1):
    end = time.time() + timeout
    while time.time() < end:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError("condition not met in time")


def state(ec2, iid):
    return ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["State"]["Name"]


def launch(ec2, user_data="", **kw):
    kw.setdefault("ImageId", LOCAL_AMI)
    kw.setdefault("MinCount", 1)
    kw.setdefault("MaxCount", 1)
    if user_data:
        kw["UserData"] = user_data
    return ec2.run_instances(**kw)["Instances"]


def console(ec2, iid):
    # Base64 on the wire; botocore decodes it, as the CLI does.
    return ec2.get_console_output(InstanceId=iid).get("Output", "")


# --- Instances that run ------------------------------------------------------------------------

WORKER = """#!/usr/bin/python3
# No endpoint anywhere: the instance's environment sends boto3 to fogbank.
import os, urllib.request, boto3
base = os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
token = urllib.request.urlopen(urllib.request.Request(
    base + "latest/api/token", method="PUT",
    headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})).read().decode()
def meta(path):
    req = urllib.request.Request(base + "latest/" + path, headers={"X-aws-ec2-metadata-token": token})
    return urllib.request.urlopen(req).read().decode()
iid = meta("meta-data/instance-id")
print("instance", iid, meta("meta-data/placement/region"), meta("meta-data/instance-type"), flush=True)
boto3.client("s3").put_object(Bucket="results", Key=iid, Body=meta("user-data").encode())
print("done", flush=True)
"""


def test_user_data_runs_as_a_process_that_reaches_s3_and_metadata(server, ec2, s3):
    s3.create_bucket(Bucket="results")
    inst = launch(ec2, WORKER, InstanceType="t3.micro",
                  TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "role", "Value": "worker"}]}])[0]
    iid = inst["InstanceId"]
    assert inst["State"]["Name"] == "pending" and inst["ImageId"] == LOCAL_AMI
    assert inst["Tags"] == [{"Key": "role", "Value": "worker"}]
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    ec2.get_waiter("instance_status_ok").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    body = wait_for(lambda: s3.list_objects_v2(Bucket="results").get("Contents") and
                    s3.get_object(Bucket="results", Key=iid)["Body"].read())
    assert body.decode() == WORKER  # latest/user-data is the script itself
    out = wait_for(lambda: "done" in console(ec2, iid) and console(ec2, iid))
    assert f"instance {iid} us-east-1 t3.micro" in out
    # The script has exited; the instance stays running, as on EC2.
    assert state(ec2, iid) == "running"
    ec2.terminate_instances(InstanceIds=[iid])
    ec2.get_waiter("instance_terminated").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    reason = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]["StateReason"]
    assert reason["Code"] == "Client.UserInitiatedShutdown"


def test_stop_ends_the_process_group_and_start_runs_it_again(server, ec2, tmp_path):
    marks = tmp_path / "runs"
    script = f"#!/bin/sh\necho started >> {marks}\nsleep 300 &\necho $! > {tmp_path}/child\nwait\n"
    iid = launch(ec2, script)[0]["InstanceId"]
    wait_for(lambda: (tmp_path / "child").exists() and (tmp_path / "child").read_text().strip())
    child = int((tmp_path / "child").read_text())
    assert os.path.exists(f"/proc/{child}")
    stopped = ec2.stop_instances(InstanceIds=[iid])["StoppingInstances"][0]
    assert stopped["PreviousState"]["Name"] == "running" and stopped["CurrentState"]["Name"] == "stopping"
    ec2.get_waiter("instance_stopped").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    wait_for(lambda: not os.path.exists(f"/proc/{child}") or
             open(f"/proc/{child}/stat").read().split()[2] == "Z")
    started = ec2.start_instances(InstanceIds=[iid])["StartingInstances"][0]
    assert started["PreviousState"]["Name"] == "stopped"
    ec2.get_waiter("instance_running").wait(InstanceIds=[iid], WaiterConfig={"Delay": 1, "MaxAttempts": 20})
    wait_for(lambda: marks.read_text().count("started") == 2)


def test_shutdown_inside_the_instance_follows_its_shutdown_behaviour(server, ec2):
    stops = launch(ec2, "#!/bin/sh\necho bye\nshutdown -h now\nsleep 30\n")[0]["InstanceId"]
    ends = launch(ec2, "#!/bin/sh\npoweroff\nsleep 30\n",
                  InstanceInitiatedShutdownBehavior="terminate")[0]["InstanceId"]
    wait_for(lambda: state(ec2, stops) == "stopped")
    wait_for(lambda: state(ec2, ends) == "terminated")
    reason = ec2.describe_instances(InstanceIds=[ends])["Reservations"][0]["Instances"][0]["StateReason"]
    assert reason["Code"] == "Client.InstanceInitiatedShutdown"
    assert "bye" in console(ec2, stops)


def test_an_instance_terminates_itself_through_its_own_metadata(server, ec2):
    script = """#!/usr/bin/python3
import os, urllib.request, boto3
iid = urllib.request.urlopen(os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] + "latest/meta-data/instance-id").read().decode()
boto3.client("ec2").terminate_instances(InstanceIds=[iid])
"""
    iid = launch(ec2, script)[0]["InstanceId"]
    wait_for(lambda: state(ec2, iid) == "terminated")


def test_metadata_knows_only_the_asking_instance(server, ec2):
    a = launch(ec2, "#!/bin/sh\nsleep 60\n", IamInstanceProfile={"Name": "worker-profile"},
               MetadataOptions={"InstanceMetadataTags": "enabled"},
               TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": "team", "Value": "vision"}]}])[0]
    b = launch(ec2, "#!/bin/sh\nsleep 60\n")[0]
    base = f"{server.url}/_imds/{a['InstanceId']}/latest/"
    import urllib.request
    import urllib.error

    def get(url, headers=None, method="GET"):
        try:
            with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}, method=method)) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    assert get(base + "meta-data/instance-id") == (200, a["InstanceId"])
    assert get(base + "meta-data/tags/instance/team") == (200, "vision")
    assert get(base + "meta-data/iam/security-credentials/") == (200, "worker-profile")
    status, creds = get(base + "meta-data/iam/security-credentials/worker-profile")
    assert status == 200 and json.loads(creds)["Code"] == "Success" and json.loads(creds)["AccessKeyId"]
    doc = json.loads(get(base + "dynamic/instance-identity/document")[1])
    assert doc["instanceId"] == a["InstanceId"] and doc["region"] == "us-east-1"
    # B has no profile and no metadata tags; a token of A's is not B's.
    b_base = f"{server.url}/_imds/{b['InstanceId']}/latest/"
    assert get(b_base + "meta-data/iam/security-credentials/")[0] == 404
    assert get(b_base + "meta-data/tags/instance")[0] == 404
    status, token = get(base + "api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "30"}, "PUT")
    assert status == 200 and token
    assert get(base + "meta-data/instance-id", {"X-aws-ec2-metadata-token": token})[0] == 200
    assert get(b_base + "meta-data/instance-id", {"X-aws-ec2-metadata-token": token})[0] == 401
    assert get(base + "api/token", {"X-aws-ec2-metadata-token-ttl-seconds": "0"}, "PUT")[0] == 400
    assert get(f"{server.url}/_imds/i-0123456789abcdef0/latest/meta-data/instance-id")[0] == 404


# --- The API around instances --------------------------------------------------------------------

def test_describe_filters_pages_tags_and_attributes(server, ec2):
    ids = [i["InstanceId"] for i in launch(ec2, MinCount=3, MaxCount=3, InstanceType="t2.micro")]
    other = launch(ec2, InstanceType="m5.large")[0]["InstanceId"]
    ec2.create_tags(Resources=ids[:2], Tags=[{"Key": "role", "Value": "listener"}, {"Key": "env", "Value": "ci"}])

    def found(**kw):
        return sorted(i["InstanceId"] for r in ec2.describe_instances(**kw)["Reservations"] for i in r["Instances"])

    assert found(Filters=[{"Name": "instance-type", "Values": ["t2.micro"]}]) == sorted(ids)
    assert found(Filters=[{"Name": "tag:role", "Values": ["list*"]}]) == sorted(ids[:2])
    assert found(Filters=[{"Name": "tag-key", "Values": ["env"]},
                          {"Name": "instance-state-name", "Values": ["running", "pending"]}]) == sorted(ids[:2])
    assert found(Filters=[{"Name": "instance-id", "Values": [other]}]) == [other]
    # One reservation per RunInstances call.
    res = ec2.describe_instances(Filters=[{"Name": "instance-type", "Values": ["t2.micro"]}])["Reservations"]
    assert len(res) == 1 and len(res[0]["Instances"]) == 3
    pages = list(ec2.get_paginator("describe_instances").paginate(PaginationConfig={"PageSize": 5}))
    assert sum(len(r["Instances"]) for p in pages for r in p["Reservations"]) == 4
    first = ec2.describe_instances(MaxResults=5)
    assert "NextToken" not in first
    tags = ec2.describe_tags(Filters=[{"Name": "key", "Values": ["role"]}])["Tags"]
    assert sorted(t["ResourceId"] for t in tags) == sorted(ids[:2]) and tags[0]["Value"] == "listener"
    ec2.delete_tags(Resources=[ids[0]], Tags=[{"Key": "role"}])
    assert found(Filters=[{"Name": "tag:role", "Values": ["listener"]}]) == [ids[1]]

    ec2.modify_instance_attribute(InstanceId=other, DisableApiTermination={"Value": True})
    assert ec2.describe_instance_attribute(InstanceId=other, Attribute="disableApiTermination")[
        "DisableApiTermination"]["Value"] is True
    with pytest.raises(ClientError) as e:
        ec2.terminate_instances(InstanceIds=[other])
    assert error_of(e) == ("OperationNotPermitted", 400)
    ec2.modify_instance_attribute(InstanceId=other, DisableApiTermination={"Value": False})
    ec2.terminate_instances(InstanceIds=[other])
    status = ec2.describe_instance_status(InstanceIds=ids)["InstanceStatuses"]
    assert len(status) == 3 and all(s["InstanceStatus"]["Status"] == "ok" for s in status)


def test_client_token_makes_run_instances_idempotent(server, ec2):
    a = launch(ec2, ClientToken="launch-1")[0]["InstanceId"]
    b = launch(ec2, ClientToken="launch-1")[0]["InstanceId"]
    assert a == b
    assert len(ec2.describe_instances()["Reservations"]) == 1


def test_catalogue(server, ec2):
    images = ec2.describe_images(Owners=["amazon"])["Images"]
    assert LOCAL_AMI in [i["ImageId"] for i in images]
    named = ec2.describe_images(Filters=[{"Name": "name", "Values": ["al2023-ami-*"]}])["Images"]
    assert len(named) == 1 and named[0]["State"] == "available"
    assert ec2.describe_images(Owners=["self"])["Images"] == []
    assert "us-east-1" in [r["RegionName"] for r in ec2.describe_regions()["Regions"]]
    zones = ec2.describe_availability_zones()["AvailabilityZones"]
    assert [z["ZoneName"] for z in zones] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    t = ec2.describe_instance_types(InstanceTypes=["t3.micro"])["InstanceTypes"][0]
    assert t["VCpuInfo"]["DefaultVCpus"] == 2 and t["MemoryInfo"]["SizeInMiB"] == 1024
    attrs = ec2.describe_account_attributes(AttributeNames=["default-vpc"])["AccountAttributes"]
    assert attrs[0]["AttributeValues"][0]["AttributeValue"].startswith("vpc-")


def test_errors_are_ec2_errors(server, ec2):
    cases = [
        (lambda: ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"]), "InvalidInstanceID.NotFound", 400),
        (lambda: ec2.describe_instances(InstanceIds=["nonsense"]), "InvalidInstanceID.Malformed", 400),
        (lambda: ec2.terminate_instances(InstanceIds=["i-0123456789abcdef0", "i-0123456789abcdef1"]),
         "InvalidInstanceID.NotFound", 400),
        (lambda: launch(ec2, ImageId="ami-0123456789abcdef0"), "InvalidAMIID.NotFound", 400),
        (lambda: launch(ec2, ImageId="my-image"), "InvalidAMIID.Malformed", 400),
        (lambda: launch(ec2, InstanceType="x9.colossal"), "InvalidParameterValue", 400),
        (lambda: launch(ec2, MinCount=3, MaxCount=2), "InvalidParameterValue", 400),
        (lambda: launch(ec2, InstanceInitiatedShutdownBehavior="hibernate"), "InvalidParameterValue", 400),
        (lambda: launch(ec2, "x" * 20000), "InvalidParameterValue", 400),
        (lambda: launch(ec2, DryRun=True), "DryRunOperation", 412),
        (lambda: ec2.describe_instances(InstanceIds=["i-0123456789abcdef0"], MaxResults=5),
         "InvalidParameterCombination", 400),
        (lambda: ec2.describe_instances(Filters=[{"Name": "no-such-filter", "Values": ["x"]}]),
         "InvalidParameterValue", 400),
        (lambda: ec2.describe_images(ImageIds=["ami-0123456789abcdef0"]), "InvalidAMIID.NotFound", 400),
        (lambda: ec2.create_tags(Resources=["i-0123456789abcdef0"], Tags=[{"Key": "a", "Value": "b"}]),
         "InvalidInstanceID.NotFound", 400),
        (lambda: ec2.describe_instance_attribute(InstanceId="i-0123456789abcdef0", Attribute="userData"),
         "InvalidInstanceID.NotFound", 400),
    ]
    for call, code, status in cases:
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == (code, status), (code, e.value.response)
    iid = launch(ec2)[0]["InstanceId"]
    started = ec2.start_instances(InstanceIds=[iid])["StartingInstances"][0]  # already running
    assert started["CurrentState"]["Name"] == started["PreviousState"]["Name"]
    with pytest.raises(ClientError) as e:
        ec2.modify_instance_attribute(InstanceId=iid, UserData={"Value": b"echo"})
    assert error_of(e) == ("IncorrectInstanceState", 400)
    with pytest.raises(ClientError) as e:
        ec2.create_tags(Resources=[iid], Tags=[{"Key": "aws:reserved", "Value": "x"}])
    assert error_of(e) == ("InvalidParameterValue", 400)
    ec2.terminate_instances(InstanceIds=[iid])
    wait_for(lambda: state(ec2, iid) == "terminated")
    with pytest.raises(ClientError) as e:
        ec2.start_instances(InstanceIds=[iid])
    assert error_of(e) == ("IncorrectInstanceState", 400)


def test_unknown_action_answers_in_the_ec2_protocol(server, ec2):
    import urllib.request
    import urllib.error
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials
    req = AWSRequest(method="POST", url=server.url + "/", data="Action=LaunchRockets&Version=2016-11-15",
                     headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
    SigV4Auth(Credentials("test", "test"), "ec2", "us-east-1").add_auth(req)
    try:
        urllib.request.urlopen(urllib.request.Request(req.url, data=req.body, headers=dict(req.headers)))
        raise AssertionError("an unknown action succeeded")
    except urllib.error.HTTPError as e:
        body = e.read().decode()
        assert e.code == 400
        assert "<Response><Errors><Error><Code>InvalidAction</Code>" in body and "<RequestID>" in body


def test_instance_limit(tmp_path):
    s = Server(env={"FOGBANK_EC2_MAX_INSTANCES": "2"})
    try:
        ec2 = make_client(s, "ec2")
        assert len(launch(ec2, MinCount=1, MaxCount=5)) == 2  # as many as fit, at least MinCount
        with pytest.raises(ClientError) as e:
            launch(ec2)
        assert error_of(e) == ("InstanceLimitExceeded", 400)
    finally:
        s.cleanup()


# --- Processes and fogbank's own lifetime --------------------------------------------------------

def test_no_orphans_when_fogbank_is_killed(tmp_path):
    s = Server()
    try:
        ec2 = make_client(s, "ec2")
        pidfile = tmp_path / "pid"
        launch(ec2, f"#!/bin/sh\nsleep 300 &\necho $! > {pidfile}\nwait\n")
        wait_for(lambda: pidfile.exists() and pidfile.read_text().strip())
        sleeper = int(pidfile.read_text())
        s.proc.send_signal(signal.SIGKILL)
        s.proc.wait()

        def gone():
            try:
                return open(f"/proc/{sleeper}/stat").read().split()[2] == "Z"
            except FileNotFoundError:
                return True
        wait_for(gone, timeout=10)
    finally:
        s.cleanup()


def test_instances_persist_and_run_again_after_a_restart(tmp_path):
    data = tmp_path / "data"
    marks = tmp_path / "runs"
    s = Server(data_dir=data)
    try:
        ec2 = make_client(s, "ec2")
        running = launch(ec2, f"#!/bin/sh\necho run >> {marks}\nsleep 300\n")[0]["InstanceId"]
        stopped = launch(ec2, "#!/bin/sh\nsleep 300\n")[0]["InstanceId"]
        wait_for(lambda: marks.exists() and marks.read_text().count("run") == 1)
        ec2.stop_instances(InstanceIds=[stopped])
        wait_for(lambda: state(ec2, stopped) == "stopped")
        s.stop()
        s.start()
        ec2 = make_client(s, "ec2")
        assert state(ec2, running) == "running" and state(ec2, stopped) == "stopped"
        wait_for(lambda: marks.read_text().count("run") == 2)
    finally:
        s.cleanup()


# --- The AWS CLI ---------------------------------------------------------------------------------

def test_cli_runs_and_describes_instances(server, tmp_path):
    script = tmp_path / "boot.sh"
    script.write_text("#!/bin/sh\necho hello from the cli instance\n")
    out = cli_json(server, "ec2", "run-instances", "--image-id", LOCAL_AMI, "--count", "1",
                   "--instance-type", "t3.small", "--user-data", f"file://{script}",
                   "--tag-specifications", "ResourceType=instance,Tags=[{Key=Name,Value=cli}]")
    iid = out["Instances"][0]["InstanceId"]
    run_cli(server, "ec2", "wait", "instance-running", "--instance-ids", iid)
    desc = cli_json(server, "ec2", "describe-instances", "--filters", "Name=tag:Name,Values=cli")
    assert desc["Reservations"][0]["Instances"][0]["InstanceId"] == iid

    def printed():
        out = cli_json(server, "ec2", "get-console-output", "--instance-id", iid)
        return "hello from the cli instance" in out.get("Output", "")
    wait_for(printed)
    run_cli(server, "ec2", "terminate-instances", "--instance-ids", iid)
    run_cli(server, "ec2", "wait", "instance-terminated", "--instance-ids", iid)
    p = run_cli(server, "ec2", "describe-instances", "--instance-ids", "i-0123456789abcdef0", check=False)
    assert p.returncode != 0 and "InvalidInstanceID.NotFound" in p.stderr


def test_cloud_config_writes_files_beneath_the_instance_root_and_runs_its_commands(server, ec2, s3):
    s3.create_bucket(Bucket="cloud-config-out")
    doc = """#cloud-config
write_files:
  - path: /opt/app/settings.json
    content: '{"bucket": "cloud-config-out"}'
    permissions: '0600'
  - path: /opt/app/worker.py
    encoding: b64
    content: %s
bootcmd:
  - echo boot step
runcmd:
  - /usr/bin/python3 "$FOGBANK_INSTANCE_ROOT/opt/app/worker.py"
  - [echo, "a list is an argv: it's $HOME, unexpanded"]
  - echo "run step $(stat -c %%a $FOGBANK_INSTANCE_ROOT/opt/app/settings.json)"
packages: [nginx]
""" % base64.b64encode(b"""import json, os, boto3
root = os.environ["FOGBANK_INSTANCE_ROOT"]
settings = json.load(open(root + "/opt/app/settings.json"))
boto3.client("s3").put_object(Bucket=settings["bucket"], Key="from-cloud-config", Body=b"written")
print("worker wrote the object")
""").decode()
    iid = launch(ec2, doc)[0]["InstanceId"]
    out = wait_for(lambda: "run step" in console(ec2, iid) and console(ec2, iid), timeout=30)
    assert "run step 600" in out and "worker wrote the object" in out, out
    assert out.index("boot step") < out.index("worker wrote the object") < out.index("run step 600")
    assert "a list is an argv: it's $HOME, unexpanded" in out
    assert "module packages is not run by fogbank" in out
    assert s3.get_object(Bucket="cloud-config-out", Key="from-cloud-config")["Body"].read() == b"written"

    # A document cloud-init would refuse is not run, and the console says why.
    bad = launch(ec2, "#cloud-config\nwrite_files:\n  - path: /a/../../etc/passwd\n    content: x\n")[0]["InstanceId"]
    said = wait_for(lambda: "cloud-config: not run" in console(ec2, bad) and console(ec2, bad))
    assert "may not contain '..'" in said
    ec2.terminate_instances(InstanceIds=[iid, bad])


# --- Networking as records -----------------------------------------------------------------------

def test_default_vpc_subnet_and_security_groups(server, ec2):
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"]
    assert len(vpc) == 1 and vpc[0]["IsDefault"] and vpc[0]["CidrBlock"] == "172.31.0.0/16"
    vpc_id = vpc[0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert len(subnets) == 1 and subnets[0]["DefaultForAz"]
    default = ec2.describe_security_groups(GroupNames=["default"])["SecurityGroups"][0]
    assert default["VpcId"] == vpc_id

    web = ec2.create_security_group(GroupName="web", Description="web tier", VpcId=vpc_id,
                                    TagSpecifications=[{"ResourceType": "security-group",
                                                        "Tags": [{"Key": "tier", "Value": "web"}]}])["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80,
         "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "http"}, {"CidrIp": "10.0.0.0/8"}]},
        {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "UserIdGroupPairs": [{"GroupId": default["GroupId"]}]}])
    g = ec2.describe_security_groups(GroupIds=[web])["SecurityGroups"][0]
    assert g["GroupName"] == "web" and g["Description"] == "web tier" and g["Tags"] == [{"Key": "tier", "Value": "web"}]
    http = next(p for p in g["IpPermissions"] if p["FromPort"] == 80)
    assert [r["CidrIp"] for r in http["IpRanges"]] == ["0.0.0.0/0", "10.0.0.0/8"]
    assert http["IpRanges"][0]["Description"] == "http"
    ssh = next(p for p in g["IpPermissions"] if p["FromPort"] == 22)
    assert ssh["UserIdGroupPairs"][0]["GroupId"] == default["GroupId"]
    assert g["IpPermissionsEgress"][0]["IpProtocol"] == "-1"
    assert [x["GroupId"] for x in ec2.describe_security_groups(
        Filters=[{"Name": "tag:tier", "Values": ["web"]}])["SecurityGroups"]] == [web]

    def fails(call, code):
        with pytest.raises(ClientError) as e:
            call()
        assert error_of(e) == (code, 400), e.value.response

    rule = [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    fails(lambda: ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=rule), "InvalidPermission.Duplicate")
    fails(lambda: ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 90, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]), "InvalidParameterValue")
    fails(lambda: ec2.authorize_security_group_ingress(GroupId=web, IpPermissions=[
        {"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "300.0.0.0/8"}]}]), "InvalidParameterValue")
    fails(lambda: ec2.create_security_group(GroupName="web", Description="again"), "InvalidGroup.Duplicate")
    fails(lambda: ec2.describe_security_groups(GroupIds=["sg-0123456789abcdef0"]), "InvalidGroup.NotFound")
    fails(lambda: ec2.delete_security_group(GroupName="default"), "CannotDelete")
    fails(lambda: ec2.describe_vpcs(VpcIds=["vpc-0123456789abcdef0"]), "InvalidVpcID.NotFound")
    fails(lambda: launch(ec2, SecurityGroupIds=["sg-0123456789abcdef0"]), "InvalidGroup.NotFound")

    iid = launch(ec2, SecurityGroupIds=[web])[0]["InstanceId"]
    inst = ec2.describe_instances(InstanceIds=[iid])["Reservations"][0]["Instances"][0]
    assert inst["SecurityGroups"] == [{"GroupId": web, "GroupName": "web"}]
    fails(lambda: ec2.delete_security_group(GroupId=web), "DependencyViolation")
    ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=rule)
    fails(lambda: ec2.revoke_security_group_ingress(GroupId=web, IpPermissions=rule), "InvalidPermission.NotFound")
    ec2.terminate_instances(InstanceIds=[iid])
    wait_for(lambda: state(ec2, iid) == "terminated")
    ec2.delete_security_group(GroupId=web)
    assert [x["GroupName"] for x in ec2.describe_security_groups()["SecurityGroups"]] == ["default"]
