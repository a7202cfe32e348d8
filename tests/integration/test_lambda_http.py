"""HTTP entry to functions: Lambda function URLs (payload format 2.0) and an API Gateway REST
API with a Lambda proxy integration (payload format 1.0), called with plain HTTP."""
import base64
import http.client
import json
import subprocess
import urllib.parse

import pytest
from botocore.exceptions import ClientError

from conftest import create_function, error_of, make_client

ECHO = '''
import base64, json
def handler(event, context):
    if event.get("rawPath") == "/plain" or event.get("path") == "/plain":
        return {"just": "json"}
    if event.get("rawPath") == "/binary" or event.get("path") == "/binary":
        return {"statusCode": 200, "headers": {"content-type": "image/png"},
                "body": base64.b64encode(bytes(range(256))).decode(), "isBase64Encoded": True}
    if "fail" in (event.get("rawPath") or event.get("path") or ""):
        raise RuntimeError("broken")
    return {"statusCode": 201, "headers": {"x-echo": "yes", "content-type": "application/json"},
            "cookies": ["session=abc"], "body": json.dumps(event)}
'''


def request(server, method, path, host=None, body=None, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    h = dict(headers or {})
    if host:
        h["Host"] = host
    c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    data = r.read()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def test_function_url_round_trip(server, lam):
    create_function(lam, "web", {"app.py": ECHO})
    url = lam.create_function_url_config(FunctionName="web", AuthType="NONE")
    assert url["FunctionUrl"].startswith("http://") and ".lambda-url.us-east-1.localhost:" in url["FunctionUrl"]
    host = urllib.parse.urlparse(url["FunctionUrl"]).netloc
    status, headers, body = request(server, "POST", "/orders/7?x=1&x=2&y=3", host=host,
                                    body=b'{"item": 1}',
                                    headers={"Content-Type": "application/json", "Cookie": "a=1; b=2"})
    assert status == 201 and headers["x-echo"] == "yes" and headers["set-cookie"] == "session=abc"
    event = json.loads(body)
    assert event["version"] == "2.0" and event["routeKey"] == "$default"
    assert event["rawPath"] == "/orders/7" and event["rawQueryString"] == "x=1&x=2&y=3"
    assert event["queryStringParameters"] == {"x": "1,2", "y": "3"}
    assert event["cookies"] == ["a=1", "b=2"]
    assert event["body"] == '{"item": 1}' and event["isBase64Encoded"] is False
    assert event["requestContext"]["http"]["method"] == "POST"
    assert event["requestContext"]["domainPrefix"] == host.split(".")[0]
    # A result without statusCode is the JSON body of a 200.
    status, headers, body = request(server, "GET", "/plain", host=host)
    assert (status, json.loads(body)) == (200, {"just": "json"})
    status, headers, body = request(server, "GET", "/binary", host=host)
    assert status == 200 and headers["content-type"] == "image/png" and body == bytes(range(256))
    # Binary request bodies arrive base64-encoded.
    status, _, body = request(server, "PUT", "/upload", host=host, body=bytes([0, 255, 1]),
                              headers={"Content-Type": "application/octet-stream"})
    event = json.loads(body)
    assert event["isBase64Encoded"] is True and base64.b64decode(event["body"]) == bytes([0, 255, 1])
    status, _, body = request(server, "GET", "/fail", host=host)
    assert status == 502
    # curl resolves *.localhost to the loopback address, so the URL works as given.
    out = subprocess.run(["curl", "-s", url["FunctionUrl"] + "plain"], capture_output=True, text=True, timeout=60)
    assert json.loads(out.stdout) == {"just": "json"}


def test_function_url_config_operations(server, lam):
    create_function(lam, "cfg", {"app.py": ECHO})
    raw = make_client(server, "lambda", parameter_validation=False)
    with pytest.raises(ClientError) as e:
        lam.get_function_url_config(FunctionName="cfg")
    assert error_of(e) == ("ResourceNotFoundException", 404)
    with pytest.raises(ClientError) as e:
        raw.create_function_url_config(FunctionName="cfg", AuthType="OPEN")
    assert error_of(e) == ("ValidationException", 400)
    url = lam.create_function_url_config(FunctionName="cfg", AuthType="AWS_IAM",
                                         Cors={"AllowOrigins": ["*"]})
    with pytest.raises(ClientError) as e:
        lam.create_function_url_config(FunctionName="cfg", AuthType="NONE")
    assert error_of(e) == ("ResourceConflictException", 409)
    assert lam.update_function_url_config(FunctionName="cfg", AuthType="NONE")["AuthType"] == "NONE"
    listed = lam.list_function_url_configs(FunctionName="cfg")["FunctionUrlConfigs"]
    assert [u["FunctionUrl"] for u in listed] == [url["FunctionUrl"]]
    lam.delete_function_url_config(FunctionName="cfg")
    host = urllib.parse.urlparse(url["FunctionUrl"]).netloc
    assert request(server, "GET", "/", host=host)[0] == 404


def test_api_gateway_lambda_proxy(server, lam):
    arn = create_function(lam, "api-fn", {"app.py": ECHO})["FunctionArn"]
    apigw = make_client(server, "apigateway")
    api = apigw.create_rest_api(name="faces")
    # (Debian's botocore predates CreateRestApi's rootResourceId; GetResources has it.)
    resources = apigw.get_resources(restApiId=api["id"])["items"]
    assert [r["path"] for r in resources] == ["/"]
    root = resources[0]["id"]
    items = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="items")
    item = apigw.create_resource(restApiId=api["id"], parentId=items["id"], pathPart="{id}")
    proxy = apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="{proxy+}")
    assert item["path"] == "/items/{id}"
    uri = f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"
    for resource, verb in [(item, "POST"), (proxy, "ANY")]:
        apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod=verb, authorizationType="NONE")
        apigw.put_integration(restApiId=api["id"], resourceId=resource["id"], httpMethod=verb,
                              type="AWS_PROXY", integrationHttpMethod="POST", uri=uri)
    lam.add_permission(FunctionName="api-fn", StatementId="apigw", Action="lambda:InvokeFunction",
                       Principal="apigateway.amazonaws.com")
    apigw.create_deployment(restApiId=api["id"], stageName="prod")
    assert [s["stageName"] for s in apigw.get_stages(restApiId=api["id"])["item"]] == ["prod"]
    base = f"/restapis/{api['id']}/prod/_user_request_"
    status, headers, body = request(server, "POST", base + "/items/42?q=1&q=2", body=b"hi",
                                    headers={"Content-Type": "text/plain"})
    assert status == 201 and headers["x-echo"] == "yes"
    event = json.loads(body)
    assert event["resource"] == "/items/{id}" and event["path"] == "/items/42"
    assert event["httpMethod"] == "POST" and event["pathParameters"] == {"id": "42"}
    assert event["queryStringParameters"] == {"q": "2"}
    assert event["multiValueQueryStringParameters"] == {"q": ["1", "2"]}
    assert event["body"] == "hi" and event["requestContext"]["stage"] == "prod"
    status, _, body = request(server, "GET", base + "/deep/nested/path")
    event = json.loads(body)
    assert event["resource"] == "/{proxy+}" and event["pathParameters"] == {"proxy": "deep/nested/path"}
    # API Gateway answers a result without statusCode, and a function error, with a 502.
    assert request(server, "GET", base + "/plain")[0] == 502
    status, _, body = request(server, "GET", base + "/fail")
    assert status == 502 and json.loads(body) == {"message": "Internal server error"}
    # No method at the root: API Gateway's 403.
    status, _, body = request(server, "GET", base + "/")
    assert status == 403 and json.loads(body)["message"] == "Missing Authentication Token"
    assert request(server, "GET", f"/restapis/{api['id']}/nostage/_user_request_/x")[0] == 404


def test_api_gateway_errors(server):
    apigw = make_client(server, "apigateway")
    with pytest.raises(ClientError) as e:
        apigw.get_rest_api(restApiId="missing")
    assert error_of(e) == ("NotFoundException", 404)
    api = apigw.create_rest_api(name="strict")
    root = apigw.get_resources(restApiId=api["id"])["items"][0]["id"]
    apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="a")
    with pytest.raises(ClientError) as e:
        apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="a")
    assert error_of(e) == ("ConflictException", 409)
    with pytest.raises(ClientError) as e:
        apigw.create_deployment(restApiId=api["id"], stageName="x")
    assert error_of(e) == ("BadRequestException", 400)
    apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="GET", authorizationType="NONE")
    with pytest.raises(ClientError) as e:
        apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="GET", type="AWS_PROXY",
                              integrationHttpMethod="POST", uri="arn:aws:lambda:us-east-1:0:function:x")
    assert error_of(e) == ("BadRequestException", 400)
    with pytest.raises(ClientError) as e:
        apigw.get_method(restApiId=api["id"], resourceId=root, httpMethod="POST")
    assert error_of(e) == ("NotFoundException", 404)
    apigw.delete_rest_api(restApiId=api["id"])
    assert apigw.get_rest_apis()["items"] == []
