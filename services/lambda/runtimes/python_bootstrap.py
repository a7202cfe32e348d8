# fogbank's Python runtime: the loop AWS's runtime interface client runs, over the Lambda
# Runtime API that fogbank serves. Started by fogbank in the function's task directory with
# _HANDLER=module.function and AWS_LAMBDA_RUNTIME_API=host:port/prefix.
import importlib
import json
import os
import socket
import sys
import time

API = os.environ["AWS_LAMBDA_RUNTIME_API"]
HOST, _, PREFIX = API.partition("/")
PREFIX = ("/" + PREFIX if PREFIX else "") + "/2018-06-01/runtime"


class RuntimeApi:
    """HTTP/1.1 over one keep-alive socket: the few requests the loop makes need no more, and
    importing http.client would cost a cold start about 30 ms."""

    def __init__(self):
        host, _, port = HOST.rpartition(":")
        self.address = (host.strip("[]"), int(port))
        self.sock = None
        self.buf = b""

    def close(self):
        if self.sock is not None:
            self.sock.close()
        self.sock = None
        self.buf = b""

    def call(self, method, path, body=b"", headers=None):
        """(status, lower-cased headers, body)"""
        for attempt in range(2):
            try:
                if self.sock is None:
                    self.sock = socket.create_connection(self.address)
                    self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                head = "{} {}{} HTTP/1.1\r\nHost: {}\r\nContent-Length: {}\r\n".format(
                    method, PREFIX, path, HOST, len(body))
                for name, value in (headers or {}).items():
                    head += "{}: {}\r\n".format(name, value)
                self.sock.sendall(head.encode("latin-1") + b"\r\n" + body)
                return self.response()
            except OSError:
                # fogbank closed an idle keep-alive connection: reconnect once.
                self.close()
                if attempt:
                    raise

    def receive(self):
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionResetError("fogbank closed the connection")
        self.buf += chunk

    def response(self):
        while b"\r\n\r\n" not in self.buf:
            self.receive()
        head, _, self.buf = self.buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        length = int(headers.get("content-length", "0"))
        while len(self.buf) < length:
            self.receive()
        body, self.buf = self.buf[:length], self.buf[length:]
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body


def error_payload(exc, error_type=None):
    import traceback
    # The handler's frames only, as AWS's runtime reports them.
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
    tb = traceback.format_list(frames)
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "requestId": "",
        "stackTrace": [line for line in tb],
    }


def post_error(api, path, payload):
    body = json.dumps(payload).encode()
    api.call("POST", path, body, {"Lambda-Runtime-Function-Error-Type": payload["errorType"],
                                  "Content-Type": "application/json"})


class Context:
    def __init__(self, request_id, deadline_ms, arn, client_context):
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION")
        self.invoked_function_arn = arn
        self.memory_limit_in_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME")
        self.identity = None
        self.client_context = client_context
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self):
        return max(0, int(self._deadline_ms - time.time() * 1000))

    def __repr__(self):
        return ("LambdaContext([aws_request_id={},log_group_name={},log_stream_name={},"
                "function_name={},memory_limit_in_mb={},function_version={},"
                "invoked_function_arn={}])").format(
            self.aws_request_id, self.log_group_name, self.log_stream_name, self.function_name,
            self.memory_limit_in_mb, self.function_version, self.invoked_function_arn)


def load_handler(api):
    handler = os.environ.get("_HANDLER", "")
    module_name, _, function_name = handler.rpartition(".")
    if not module_name or not function_name:
        post_error(api, "/init/error", {
            "errorMessage": "Bad handler '{}': not enough values to unpack (expected 2, got 1)"
                            .format(handler),
            "errorType": "Runtime.MalformedHandlerName", "requestId": "", "stackTrace": []})
        sys.exit(1)
    try:
        module = importlib.import_module(module_name.replace("/", "."))
    except ImportError as e:
        post_error(api, "/init/error", {
            "errorMessage": "Unable to import module '{}': {}".format(module_name, e),
            "errorType": "Runtime.ImportModuleError", "requestId": "", "stackTrace": []})
        sys.exit(1)
    except SyntaxError as e:
        post_error(api, "/init/error", {
            "errorMessage": "Syntax error in module '{}': {}".format(module_name, e),
            "errorType": "Runtime.UserCodeSyntaxError", "requestId": "", "stackTrace": []})
        sys.exit(1)
    except Exception as e:
        post_error(api, "/init/error", error_payload(e))
        sys.exit(1)
    fn = getattr(module, function_name, None)
    if fn is None:
        post_error(api, "/init/error", {
            "errorMessage": "Handler '{}' missing on module '{}'".format(function_name,
                                                                        module_name),
            "errorType": "Runtime.HandlerNotFound", "requestId": "", "stackTrace": []})
        sys.exit(1)
    return fn


def main():
    # fogbank_endpoint.py sits beside this file (emulator/runtimes/).
    import fogbank_endpoint
    fogbank_endpoint.install()
    task_root = os.environ.get("LAMBDA_TASK_ROOT", os.getcwd())
    for p in reversed(["/opt/python", task_root]):
        if p not in sys.path:
            sys.path.insert(0, p)
    api = RuntimeApi()
    handler = load_handler(api)
    while True:
        status, headers, body = api.call("GET", "/invocation/next")
        if status != 200:
            time.sleep(0.05)
            continue
        request_id = headers.get("lambda-runtime-aws-request-id")
        deadline = int(headers.get("lambda-runtime-deadline-ms", "0"))
        arn = headers.get("lambda-runtime-invoked-function-arn")
        client_context = headers.get("lambda-runtime-client-context")
        os.environ["_X_AMZN_TRACE_ID"] = headers.get("lambda-runtime-trace-id", "")
        try:
            event = json.loads(body) if body else {}
            ctx = Context(request_id, deadline, arn,
                          json.loads(client_context) if client_context else None)
            result = handler(event, ctx)
            try:
                out = json.dumps(result).encode()
            except (TypeError, ValueError) as e:
                payload = {"errorMessage": "Unable to marshal response: {}".format(e),
                           "errorType": "Runtime.MarshalError", "requestId": request_id,
                           "stackTrace": []}
                post_error(api, "/invocation/{}/error".format(request_id), payload)
                continue
        except Exception as e:
            import traceback
            sys.stdout.flush()
            payload = error_payload(e)
            payload["requestId"] = request_id
            print("[ERROR] {}: {}\n{}".format(payload["errorType"], payload["errorMessage"],
                                              "".join(traceback.format_exc())),
                  file=sys.stderr, flush=True)
            post_error(api, "/invocation/{}/error".format(request_id), payload)
            continue
        sys.stdout.flush()
        sys.stderr.flush()
        api.call("POST", "/invocation/{}/response".format(request_id), out,
                 {"Content-Type": "application/json"})


if __name__ == "__main__":
    main()
