"""P5 (../shared/PIPELINES.md): a face index built from the AWS CLI, the "famous persons"
recipe. The set-up is exactly the recipe's CLI commands; the Lambda handler is the recipe's
Python (head_object for the name, IndexFaces, put_item), triggered by the bucket notification;
the recognition script is plain boto3. Nothing in either knows it talks to fogbank but the
endpoint URL the CLI and the script are given."""
import json
import time
import zipfile

from conftest import fixtures

FACES = fixtures.FIXTURES / "faces"

HANDLER = '''
import boto3
import urllib.parse

print('Loading function')

dynamodb = boto3.client('dynamodb')
s3 = boto3.client('s3')
rekognition = boto3.client('rekognition')


def index_faces(bucket, key):
    response = rekognition.index_faces(Image={"S3Object": {"Bucket": bucket, "Name": key}},
                                       CollectionId="famouspersons")
    return response


def update_index(tableName, faceId, fullName):
    response = dynamodb.put_item(TableName=tableName,
                                 Item={'RekognitionId': {'S': faceId}, 'FullName': {'S': fullName}})


def lambda_handler(event, context):
    bucket = event['Records'][0]['s3']['bucket']['name']
    key = urllib.parse.unquote_plus(event['Records'][0]['s3']['object']['key'])
    try:
        response = index_faces(bucket, key)
        if response['ResponseMetadata']['HTTPStatusCode'] == 200:
            faceId = response['FaceRecords'][0]['Face']['FaceId']
            ret = s3.head_object(Bucket=bucket, Key=key)
            personFullName = ret['Metadata']['fullname']
            update_index('face_recognition', faceId, personFullName)
        print(response)
        return response
    except Exception as e:
        print(e)
        print("Error processing object {} from bucket {}. ".format(key, bucket))
        raise e
'''

# Photos the index is built from, and who is in them.
INDEXED = {
    "train/obama/obama.jpg": "Barack Obama",
    "train/biden/biden.jpg": "Joe Biden",
    "train/kit_harington/john1.jpeg": "Kit Harington",
    "train/rose_leslie/img1.jpg": "Rose Leslie",
    "train/alex_lacamoire/img1.jpg": "Alex Lacamoire",
}
# Photos the recognition script has not seen.
UNSEEN = {
    "test/obama1.jpg": "Barack Obama",
    "test/johnsnow_test1.jpg": "Kit Harington",
    "test/alex_lacamoire1.jpg": "Alex Lacamoire",
    "train/biden/biden2.jpg": "Joe Biden",
    "train/rose_leslie/img2.jpg": "Rose Leslie",
}


def recognise(server, photo):
    """The recipe's recognition script."""
    rekognition = fixtures.make_client(server, "rekognition")
    dynamodb = fixtures.make_client(server, "dynamodb")
    response = rekognition.search_faces_by_image(CollectionId="famouspersons",
                                                 Image={"Bytes": photo.read_bytes()})
    for match in response["FaceMatches"]:
        face = dynamodb.get_item(TableName="face_recognition",
                                 Key={"RekognitionId": {"S": match["Face"]["FaceId"]}})
        if "Item" in face:
            return face["Item"]["FullName"]["S"]
    return None


def test_p5_famous_persons(server, tmp_path):
    cli = lambda *args: fixtures.run_cli(server, *args)  # noqa: E731
    cli("rekognition", "create-collection", "--collection-id", "famouspersons")
    cli("dynamodb", "create-table", "--table-name", "face_recognition",
        "--attribute-definitions", "AttributeName=RekognitionId,AttributeType=S",
        "--key-schema", "AttributeName=RekognitionId,KeyType=HASH",
        "--provisioned-throughput", "ReadCapacityUnits=1,WriteCapacityUnits=1")
    cli("s3", "mb", "s3://bucket3mini")
    trust = tmp_path / "trust-policy.json"
    trust.write_text(json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}))
    role = fixtures.cli_json(server, "iam", "create-role", "--role-name", "LambdaRekognitionRole",
                             "--assume-role-policy-document", f"file://{trust}")["Role"]["Arn"]
    cli("iam", "attach-role-policy", "--role-name", "LambdaRekognitionRole",
        "--policy-arn", "arn:aws:iam::aws:policy/AmazonRekognitionFullAccess")
    package = tmp_path / "function.zip"
    with zipfile.ZipFile(package, "w") as z:
        z.writestr("lambda_function.py", HANDLER)
    function = fixtures.cli_json(server, "lambda", "create-function", "--function-name", "IndexFaces",
                                 "--runtime", "python3.12", "--role", role,
                                 "--handler", "lambda_function.lambda_handler", "--timeout", "60",
                                 "--zip-file", f"fileb://{package}")
    cli("lambda", "add-permission", "--function-name", "IndexFaces", "--statement-id", "s3-put",
        "--action", "lambda:InvokeFunction", "--principal", "s3.amazonaws.com",
        "--source-arn", "arn:aws:s3:::bucket3mini")
    notification = tmp_path / "notification.json"
    notification.write_text(json.dumps({"LambdaFunctionConfigurations": [{
        "LambdaFunctionArn": function["FunctionArn"], "Events": ["s3:ObjectCreated:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "index/"}]}}}]}))
    cli("s3api", "put-bucket-notification-configuration", "--bucket", "bucket3mini",
        "--notification-configuration", f"file://{notification}")
    for photo, name in INDEXED.items():
        cli("s3", "cp", str(FACES / photo), f"s3://bucket3mini/index/{photo.split('/')[-2]}.jpg",
            "--metadata", f"FullName={name}")

    deadline = time.time() + 120
    rows = []
    while time.time() < deadline:
        rows = fixtures.cli_json(server, "dynamodb", "scan", "--table-name", "face_recognition")["Items"]
        if len(rows) >= len(INDEXED):
            break
        time.sleep(0.5)
    assert sorted(r["FullName"]["S"] for r in rows) == sorted(INDEXED.values()), server.logs()[-3000:]
    faces = fixtures.cli_json(server, "rekognition", "list-faces", "--collection-id", "famouspersons")["Faces"]
    assert {f["FaceId"] for f in faces} == {r["RekognitionId"]["S"] for r in rows}

    for photo, name in UNSEEN.items():
        assert recognise(server, FACES / photo) == name, photo
