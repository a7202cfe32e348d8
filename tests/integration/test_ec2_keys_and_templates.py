"""EC2 key pairs (checked with ssh-keygen, puttygen and openssl, not with fogbank's own code) and
launch templates (versions, and instances launched from them), with boto3 and the AWS CLI."""
import base64
import os
import subprocess

import pytest
from botocore.exceptions import ClientError

from conftest import cli_json, error_of, make_client
from test_ec2 import LOCAL_AMI, console, state, wait_for


@pytest.fixture
def ec2(server):
    return make_client(server, "ec2")


def fails(call, code, status=400):
    with pytest.raises(ClientError) as e:
        call()
    assert error_of(e) == (code, status), e.value.response


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True, check=True, **kw).stdout


# --- Key pairs -----------------------------------------------------------------------------------

@pytest.mark.parametrize("key_type,key_format", [("rsa", "pem"), ("ed25519", "pem"),
                                                 ("rsa", "ppk"), ("ed25519", "ppk")])
def test_created_key_material_is_a_real_key_with_ec2s_fingerprint(ec2, tmp_path, key_type, key_format):
    name = f"made-{key_type}-{key_format}"
    made = ec2.create_key_pair(KeyName=name, KeyType=key_type, KeyFormat=key_format,
                               TagSpecifications=[{"ResourceType": "key-pair",
                                                   "Tags": [{"Key": "use", "Value": "test"}]}])
    assert made["KeyName"] == name and made["KeyPairId"].startswith("key-")
    assert made["Tags"] == [{"Key": "use", "Value": "test"}]
    path = tmp_path / f"key.{key_format}"
    path.write_text(made["KeyMaterial"])
    os.chmod(path, 0o600)
    if key_format == "pem":
        public = sh(f"ssh-keygen -y -f {path}").split()
    else:
        public = sh(f"puttygen {path} -O public-openssh").split()
    assert public[0] == ("ssh-rsa" if key_type == "rsa" else "ssh-ed25519")

    if key_type == "rsa" and key_format == "pem":
        assert made["KeyMaterial"].startswith("-----BEGIN RSA PRIVATE KEY-----")
        # EC2's documented check: SHA-1 of the PKCS#8 DER private key.
        digest = sh(f"openssl pkcs8 -in {path} -inform PEM -outform DER -topk8 -nocrypt | openssl sha1 -c")
        assert made["KeyFingerprint"] == digest.split()[-1]
        assert sh(f"openssl rsa -in {path} -noout -text").startswith("Private-Key: (2048 bit")
    if key_type == "ed25519" and key_format == "pem":
        assert made["KeyMaterial"].startswith("-----BEGIN OPENSSH PRIVATE KEY-----")
        # OpenSSH's SHA-256 fingerprint, in base64 with its padding.
        listed = sh(f"ssh-keygen -l -E sha256 -f {path}").split()[1]
        assert listed == "SHA256:" + made["KeyFingerprint"].rstrip("=")

    info = ec2.describe_key_pairs(KeyNames=[name], IncludePublicKey=True)["KeyPairs"][0]
    assert info["KeyPairId"] == made["KeyPairId"] and info["KeyType"] == key_type
    assert info["KeyFingerprint"] == made["KeyFingerprint"]
    assert info["PublicKey"].split()[:2] == public[:2]
    assert "KeyMaterial" not in info
    ec2.delete_key_pair(KeyPairId=made["KeyPairId"])
    fails(lambda: ec2.describe_key_pairs(KeyNames=[name]), "InvalidKeyPair.NotFound")


def test_imported_keys_in_each_format_have_ec2s_fingerprints(ec2, tmp_path):
    key = tmp_path / "rsa"
    sh(f"ssh-keygen -q -t rsa -b 3072 -N '' -C someone@laptop -f {key}")
    openssh = (tmp_path / "rsa.pub").read_bytes()
    # EC2's documented check for an imported RSA key: MD5 of the DER public key.
    want = sh(f"ssh-keygen -e -m PKCS8 -f {key}.pub | openssl pkey -pubin -outform DER | openssl md5 -c")
    want = want.split()[-1]
    rfc4716 = sh(f"ssh-keygen -e -f {key}.pub").encode()
    der_b64 = base64.b64encode(subprocess.run(
        f"ssh-keygen -e -m PKCS8 -f {key}.pub | openssl pkey -pubin -outform DER", shell=True,
        capture_output=True, check=True).stdout)
    for name, material in [("imp-openssh", openssh), ("imp-rfc4716", rfc4716), ("imp-der", der_b64)]:
        got = ec2.import_key_pair(KeyName=name, PublicKeyMaterial=material)
        assert got["KeyFingerprint"] == want, name
    ed = tmp_path / "ed"
    sh(f"ssh-keygen -q -t ed25519 -N '' -f {ed}")
    got = ec2.import_key_pair(KeyName="imp-ed25519", PublicKeyMaterial=(tmp_path / "ed.pub").read_bytes())
    assert "SHA256:" + got["KeyFingerprint"].rstrip("=") == sh(f"ssh-keygen -l -E sha256 -f {ed}.pub").split()[1]

    listed = ec2.describe_key_pairs(Filters=[{"Name": "key-name", "Values": ["imp-*"]}])["KeyPairs"]
    assert [k["KeyName"] for k in listed] == ["imp-der", "imp-ed25519", "imp-openssh", "imp-rfc4716"]
    assert {k["KeyType"] for k in listed} == {"rsa", "ed25519"}
    only_ed = ec2.describe_key_pairs(Filters=[{"Name": "key-type", "Values": ["ed25519"]},
                                              {"Name": "key-name", "Values": ["imp-*"]}])["KeyPairs"]
    assert [k["KeyName"] for k in only_ed] == ["imp-ed25519"]
    for k in listed:
        ec2.delete_key_pair(KeyName=k["KeyName"])


def test_key_pair_errors(server, ec2, tmp_path):
    ec2.create_key_pair(KeyName="taken", KeyType="ed25519")
    fails(lambda: ec2.create_key_pair(KeyName="taken"), "InvalidKeyPair.Duplicate")
    fails(lambda: ec2.import_key_pair(KeyName="taken", PublicKeyMaterial=b"ssh-ed25519 AAAA"),
          "InvalidKey.Format")
    fails(lambda: ec2.import_key_pair(KeyName="dsa", PublicKeyMaterial=b"ssh-dss AAAAB3NzaC1kc3MAAACBAP"),
          "InvalidKey.Format")
    fails(lambda: ec2.import_key_pair(KeyName="junk", PublicKeyMaterial=b"not a key at all"), "InvalidKey.Format")
    small = tmp_path / "small"
    sh(f"ssh-keygen -q -t rsa -b 768 -N '' -f {small} 2>/dev/null || ssh-keygen -q -t ecdsa -N '' -f {small}")
    fails(lambda: ec2.import_key_pair(KeyName="small", PublicKeyMaterial=(tmp_path / "small.pub").read_bytes()),
          "InvalidKey.Format")
    raw = make_client(server, "ec2", parameter_validation=False)
    fails(lambda: raw.create_key_pair(KeyName="x" * 256), "InvalidParameterValue")
    fails(lambda: raw.create_key_pair(KeyName="k", KeyType="dsa"), "InvalidParameterValue")
    fails(lambda: raw.create_key_pair(KeyName="k", KeyFormat="der"), "InvalidParameterValue")
    fails(lambda: ec2.create_key_pair(KeyName="k", TagSpecifications=[
        {"ResourceType": "instance", "Tags": [{"Key": "a", "Value": "b"}]}]), "InvalidParameterValue")
    fails(lambda: ec2.describe_key_pairs(KeyNames=["missing"]), "InvalidKeyPair.NotFound")
    fails(lambda: ec2.describe_key_pairs(KeyPairIds=["key-0123456789abcdef0"]), "InvalidKeyPair.NotFound")
    fails(lambda: ec2.run_instances(ImageId=LOCAL_AMI, MinCount=1, MaxCount=1, KeyName="missing"),
          "InvalidKeyPair.NotFound")
    fails(lambda: ec2.delete_key_pair(KeyPairId="key-0123456789abcdef0"), "InvalidKeyPair.NotFound")
    # Deleting by an unknown name succeeds, as on EC2.
    assert ec2.delete_key_pair(KeyName="missing")["ResponseMetadata"]["HTTPStatusCode"] == 200
    fails(lambda: ec2.create_key_pair(KeyName="k", DryRun=True), "DryRunOperation", 412)
    ec2.delete_key_pair(KeyName="taken")


def test_cli_creates_a_key_and_an_instance_names_it(server, ec2, tmp_path):
    material = cli_json(server, "ec2", "create-key-pair", "--key-name", "cli-key", "--key-type", "ed25519")
    path = tmp_path / "cli-key.pem"
    path.write_text(material["KeyMaterial"])
    os.chmod(path, 0o600)
    assert sh(f"ssh-keygen -y -f {path}").startswith("ssh-ed25519 ")
    iid = ec2.run_instances(ImageId=LOCAL_AMI, MinCount=1, MaxCount=1, KeyName="cli-key")["Instances"][0]["InstanceId"]
    found = ec2.describe_instances(Filters=[{"Name": "key-name", "Values": ["cli-key"]}])["Reservations"]
    assert [i["InstanceId"] for r in found for i in r["Instances"]] == [iid]
    ec2.terminate_instances(InstanceIds=[iid])
    listed = cli_json(server, "ec2", "describe-key-pairs", "--key-names", "cli-key")["KeyPairs"]
    assert listed[0]["KeyFingerprint"] == material["KeyFingerprint"]
    ec2.delete_key_pair(KeyName="cli-key")


# --- Launch templates ----------------------------------------------------------------------------

def user_data(text):
    return base64.b64encode(text.encode()).decode()


def test_instances_launch_from_a_template_version_with_the_request_on_top(ec2):
    made = ec2.create_launch_template(
        LaunchTemplateName="lt-workers", VersionDescription="first",
        TagSpecifications=[{"ResourceType": "launch-template", "Tags": [{"Key": "team", "Value": "vision"}]}],
        LaunchTemplateData={
            "ImageId": LOCAL_AMI, "InstanceType": "t3.micro",
            "UserData": user_data("#!/bin/sh\necho template says $(cat /proc/self/comm)\n"),
            "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": "tier", "Value": "worker"}]}],
            "MetadataOptions": {"HttpTokens": "required", "InstanceMetadataTags": "enabled"}})["LaunchTemplate"]
    lt_id = made["LaunchTemplateId"]
    assert made["DefaultVersionNumber"] == 1 and made["LatestVersionNumber"] == 1
    assert made["Tags"] == [{"Key": "team", "Value": "vision"}]
    v2 = ec2.create_launch_template_version(LaunchTemplateId=lt_id, SourceVersion="1", VersionDescription="bigger",
                                            LaunchTemplateData={"InstanceType": "t3.large"})["LaunchTemplateVersion"]
    assert v2["VersionNumber"] == 2 and not v2["DefaultVersion"]
    # The source version's settings are carried over beneath the new ones.
    assert v2["LaunchTemplateData"]["InstanceType"] == "t3.large"
    assert v2["LaunchTemplateData"]["ImageId"] == LOCAL_AMI
    assert v2["LaunchTemplateData"]["MetadataOptions"] == {"HttpTokens": "required", "InstanceMetadataTags": "enabled"}
    assert v2["LaunchTemplateData"]["TagSpecifications"][0]["Tags"] == [{"Key": "tier", "Value": "worker"}]

    versions = ec2.describe_launch_template_versions(LaunchTemplateName="lt-workers")["LaunchTemplateVersions"]
    assert [(v["VersionNumber"], v["DefaultVersion"], v.get("VersionDescription")) for v in versions] == \
        [(2, False, "bigger"), (1, True, "first")]
    latest = ec2.describe_launch_template_versions(LaunchTemplateId=lt_id, Versions=["$Latest"])
    assert [v["VersionNumber"] for v in latest["LaunchTemplateVersions"]] == [2]

    # $Default (version 1) when no version is named; the request's InstanceType wins.
    inst = ec2.run_instances(MinCount=1, MaxCount=1, InstanceType="t3.small",
                             LaunchTemplate={"LaunchTemplateName": "lt-workers"})["Instances"][0]
    iid = inst["InstanceId"]
    assert inst["InstanceType"] == "t3.small" and inst["ImageId"] == LOCAL_AMI
    tags = {t["Key"]: t["Value"] for t in inst["Tags"]}
    assert tags == {"tier": "worker", "aws:ec2launchtemplate:id": lt_id, "aws:ec2launchtemplate:version": "1"}
    assert inst["MetadataOptions"]["HttpTokens"] == "required"
    wait_for(lambda: "template says" in console(ec2, iid))

    inst2 = ec2.run_instances(MinCount=1, MaxCount=1,
                              LaunchTemplate={"LaunchTemplateId": lt_id, "Version": "$Latest"})["Instances"][0]
    assert inst2["InstanceType"] == "t3.large"
    assert {t["Key"]: t["Value"] for t in inst2["Tags"]}["aws:ec2launchtemplate:version"] == "2"

    ec2.modify_launch_template(LaunchTemplateId=lt_id, DefaultVersion="2")
    described = ec2.describe_launch_templates(LaunchTemplateIds=[lt_id])["LaunchTemplates"][0]
    assert described["DefaultVersionNumber"] == 2 and described["LatestVersionNumber"] == 2
    ec2.create_tags(Resources=[lt_id], Tags=[{"Key": "stage", "Value": "dev"}])
    assert [t["LaunchTemplateName"] for t in ec2.describe_launch_templates(
        Filters=[{"Name": "tag:stage", "Values": ["dev"]}])["LaunchTemplates"]] == ["lt-workers"]
    tagged = ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": [lt_id]}])["Tags"]
    assert {(t["Key"], t["ResourceType"]) for t in tagged} == {("team", "launch-template"), ("stage", "launch-template")}

    gone = ec2.delete_launch_template_versions(LaunchTemplateId=lt_id, Versions=["1", "2", "7"])
    assert [v["VersionNumber"] for v in gone["SuccessfullyDeletedLaunchTemplateVersions"]] == [1]
    failed = {v["VersionNumber"]: v["ResponseError"]["Code"] for v in gone["UnsuccessfullyDeletedLaunchTemplateVersions"]}
    assert failed == {2: "unexpectedError", 7: "launchTemplateVersionDoesNotExist"}
    v3 = ec2.create_launch_template_version(LaunchTemplateId=lt_id, LaunchTemplateData={"ImageId": LOCAL_AMI})
    assert v3["LaunchTemplateVersion"]["VersionNumber"] == 3

    ec2.terminate_instances(InstanceIds=[iid, inst2["InstanceId"]])
    deleted = ec2.delete_launch_template(LaunchTemplateName="lt-workers")["LaunchTemplate"]
    assert deleted["LaunchTemplateId"] == lt_id
    fails(lambda: ec2.describe_launch_templates(LaunchTemplateIds=[lt_id]), "InvalidLaunchTemplateId.NotFound")
    wait_for(lambda: state(ec2, iid) == "terminated")


def test_an_instance_launched_with_http_tokens_required_needs_imdsv2(ec2):
    script = """#!/usr/bin/python3
import os, urllib.request, urllib.error
base = os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"]
try:
    urllib.request.urlopen(base + "latest/meta-data/instance-id")
    print("v1: allowed")
except urllib.error.HTTPError as e:
    print("v1:", e.code)
token = urllib.request.urlopen(urllib.request.Request(base + "latest/api/token", method="PUT",
    headers={"X-aws-ec2-metadata-token-ttl-seconds": "60"})).read().decode()
req = urllib.request.Request(base + "latest/meta-data/instance-id", headers={"X-aws-ec2-metadata-token": token})
print("v2:", urllib.request.urlopen(req).read().decode())
"""
    inst = ec2.run_instances(ImageId=LOCAL_AMI, MinCount=1, MaxCount=1, UserData=script,
                             MetadataOptions={"HttpTokens": "required"})["Instances"][0]
    iid = inst["InstanceId"]
    out = wait_for(lambda: "v2:" in console(ec2, iid) and console(ec2, iid))
    assert "v1: 401" in out and f"v2: {iid}" in out
    ec2.terminate_instances(InstanceIds=[iid])
    fails(lambda: ec2.run_instances(ImageId=LOCAL_AMI, MinCount=1, MaxCount=1,
                                    MetadataOptions={"HttpTokens": "sometimes"}), "InvalidParameterValue")


def test_launch_template_errors(server, ec2):
    data = {"ImageId": LOCAL_AMI}
    # Without botocore's own checks, so that fogbank's are the ones tested.
    raw = make_client(server, "ec2", parameter_validation=False)
    ec2.create_launch_template(LaunchTemplateName="lt-errors", LaunchTemplateData=data)
    fails(lambda: ec2.create_launch_template(LaunchTemplateName="lt-errors", LaunchTemplateData=data),
          "InvalidLaunchTemplateName.AlreadyExistsException")
    fails(lambda: raw.create_launch_template(LaunchTemplateName="no", LaunchTemplateData=data),
          "InvalidLaunchTemplateName.MalformedException")
    fails(lambda: ec2.create_launch_template(LaunchTemplateName="bad name!", LaunchTemplateData=data),
          "InvalidLaunchTemplateName.MalformedException")
    fails(lambda: ec2.create_launch_template(LaunchTemplateName="lt-empty", LaunchTemplateData={}), "MissingParameter")
    fails(lambda: ec2.create_launch_template(LaunchTemplateName="lt-type", LaunchTemplateData={"InstanceType": "z9.huge"}),
          "InvalidParameterValue")
    fails(lambda: ec2.create_launch_template(LaunchTemplateName="lt-ud", LaunchTemplateData={"UserData": "%%%"}),
          "InvalidUserData.Malformed")
    fails(lambda: ec2.describe_launch_templates(LaunchTemplateNames=["lt-missing"]),
          "InvalidLaunchTemplateName.NotFoundException")
    fails(lambda: ec2.describe_launch_templates(LaunchTemplateIds=["lt-0123456789abcdef0"]),
          "InvalidLaunchTemplateId.NotFound")
    fails(lambda: ec2.describe_launch_template_versions(LaunchTemplateId="lt-nope"),
          "InvalidLaunchTemplateId.Malformed")
    fails(lambda: ec2.describe_launch_template_versions(LaunchTemplateName="lt-errors", Versions=["4"]),
          "InvalidLaunchTemplateId.VersionNotFound")
    fails(lambda: ec2.describe_launch_template_versions(LaunchTemplateName="lt-errors", LaunchTemplateId="lt-0123456789abcdef0"),
          "InvalidParameterCombination")
    fails(lambda: raw.create_launch_template_version(LaunchTemplateData=data), "MissingParameter")
    fails(lambda: ec2.modify_launch_template(LaunchTemplateName="lt-errors", DefaultVersion="9"),
          "InvalidLaunchTemplateId.VersionNotFound")
    fails(lambda: ec2.run_instances(MinCount=1, MaxCount=1, LaunchTemplate={"LaunchTemplateName": "lt-missing"}),
          "InvalidLaunchTemplateName.NotFoundException")
    fails(lambda: ec2.run_instances(MinCount=1, MaxCount=1,
                                    LaunchTemplate={"LaunchTemplateName": "lt-errors", "Version": "3"}),
          "InvalidLaunchTemplateId.VersionNotFound")
    # A template without an image, and a request without one either.
    ec2.create_launch_template(LaunchTemplateName="lt-noimage", LaunchTemplateData={"InstanceType": "t3.micro"})
    fails(lambda: ec2.run_instances(MinCount=1, MaxCount=1, LaunchTemplate={"LaunchTemplateName": "lt-noimage"}),
          "MissingParameter")
    fails(lambda: ec2.delete_launch_template_versions(LaunchTemplateName="lt-errors", Versions=[]), "MissingParameter")
    for name in ("lt-errors", "lt-noimage"):
        ec2.delete_launch_template(LaunchTemplateName=name)
