"""P3 (../shared/PIPELINES.md): employee / visitor face verification, serverless.

An upload to the `employees` or `visitors` bucket triggers `register` (S3 notification), which
indexes the face into that group's collection (ExternalImageId from the key) and writes
{RekognitionId -> FullName, group} to DynamoDB. An API Gateway REST API with Lambda proxy
integrations serves POST /authenticate (an image: SearchFacesByImage against both collections,
GetItem for the match) and GET /people. The functions are boto3 code as written for AWS."""
import json
import time
import urllib.request

from conftest import fixtures

FACES = fixtures.FIXTURES / "faces"

REGISTER = '''
import boto3, urllib.parse

rekognition = boto3.client("rekognition")
table = boto3.resource("dynamodb").Table("people")


def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        group = "employee" if bucket == "employees" else "visitor"
        name = key.rsplit(".", 1)[0]
        out = rekognition.index_faces(CollectionId=bucket, ExternalImageId=name, MaxFaces=1,
                                      Image={"S3Object": {"Bucket": bucket, "Name": key}})
        for face in out["FaceRecords"]:
            table.put_item(Item={"RekognitionId": face["Face"]["FaceId"],
                                 "FullName": name.replace("_", " ").title(), "group": group})
'''

AUTHENTICATE = '''
import base64, json
import boto3

rekognition = boto3.client("rekognition")
table = boto3.resource("dynamodb").Table("people")


def answer(status, body):
    return {"statusCode": status, "headers": {"Content-Type": "application/json"},
            "body": json.dumps(body)}


def handler(event, context):
    if event["httpMethod"] == "GET":
        people = table.scan()["Items"]
        return answer(200, sorted(({"name": p["FullName"], "group": p["group"]} for p in people),
                                  key=lambda p: p["name"]))
    image = base64.b64decode(event["body"]) if event["isBase64Encoded"] else event["body"].encode()
    for collection in ["employees", "visitors"]:
        try:
            found = rekognition.search_faces_by_image(CollectionId=collection, Image={"Bytes": image},
                                                      FaceMatchThreshold=80, MaxFaces=1)
        except rekognition.exceptions.InvalidParameterException:
            return answer(400, {"error": "no face found in the image"})
        except rekognition.exceptions.InvalidImageFormatException:
            return answer(400, {"error": "not an image"})
        if found["FaceMatches"]:
            item = table.get_item(Key={"RekognitionId": found["FaceMatches"][0]["Face"]["FaceId"]})["Item"]
            return answer(200, {"status": item["group"], "name": item["FullName"]})
    return answer(200, {"status": "outsider", "name": None})
'''


def call(url, method="GET", body=None, content_type="image/jpeg"):
    req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def test_p3_face_verification(server):
    lam = fixtures.make_client(server, "lambda", read_timeout=120)
    s3 = fixtures.make_client(server, "s3")
    rek = fixtures.make_client(server, "rekognition")
    ddb = fixtures.make_client(server, "dynamodb")
    apigw = fixtures.make_client(server, "apigateway")

    fixtures.create_table(ddb, "people", hash_key=("RekognitionId", "S"))
    register = fixtures.create_function(lam, "register", {"app.py": REGISTER}, Timeout=60)["FunctionArn"]
    auth = fixtures.create_function(lam, "authenticate", {"app.py": AUTHENTICATE}, Timeout=60)["FunctionArn"]
    for bucket in ["employees", "visitors"]:
        rek.create_collection(CollectionId=bucket)
        s3.create_bucket(Bucket=bucket)
        lam.add_permission(FunctionName="register", StatementId=bucket, Action="lambda:InvokeFunction",
                           Principal="s3.amazonaws.com", SourceArn=f"arn:aws:s3:::{bucket}")
        s3.put_bucket_notification_configuration(Bucket=bucket, NotificationConfiguration={
            "LambdaFunctionConfigurations": [{"LambdaFunctionArn": register, "Events": ["s3:ObjectCreated:*"]}]})

    api = apigw.create_rest_api(name="face-verification")
    root = apigw.get_resources(restApiId=api["id"])["items"][0]["id"]
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{auth}/invocations"
    for path, verb in [("authenticate", "POST"), ("people", "GET")]:
        resource = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart=path)
        apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod=verb, authorizationType="NONE")
        apigw.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod=verb,
                              type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    base = f"{server.url}/restapis/{api['id']}/prod/_user_request_"

    registered = {("employees", "barack_obama.jpg"): FACES / "train/obama/obama.jpg",
                  ("employees", "kit_harington.jpg"): FACES / "train/kit_harington/john1.jpeg",
                  ("visitors", "joe_biden.jpg"): FACES / "train/biden/biden.jpg"}
    for (bucket, key), photo in registered.items():
        s3.put_object(Bucket=bucket, Key=key, Body=photo.read_bytes())
    deadline = time.time() + 120
    people = []
    while time.time() < deadline:
        status, people = call(base + "/people")
        if status == 200 and len(people) == 3:
            break
        time.sleep(0.5)
    assert people == [{"name": "Barack Obama", "group": "employee"}, {"name": "Joe Biden", "group": "visitor"},
                      {"name": "Kit Harington", "group": "employee"}], server.logs()[-3000:]

    # Recognised from photos other than the registered ones.
    checks = [(FACES / "test/obama1.jpg", {"status": "employee", "name": "Barack Obama"}),
              (FACES / "test/johnsnow_test1.jpg", {"status": "employee", "name": "Kit Harington"}),
              (FACES / "train/biden/biden2.jpg", {"status": "visitor", "name": "Joe Biden"}),
              (FACES / "test/alex_lacamoire1.jpg", {"status": "outsider", "name": None})]
    for photo, expected in checks:
        assert call(base + "/authenticate", "POST", photo.read_bytes()) == (200, expected), photo
    # An image with no face is a clear error, not a 500.
    status, body = call(base + "/authenticate", "POST", (fixtures.FIXTURES / "objects/eagle.jpg").read_bytes())
    assert (status, body) == (400, {"error": "no face found in the image"})
    status, body = call(base + "/authenticate", "POST", b"not an image at all")
    assert (status, body) == (400, {"error": "not an image"})
