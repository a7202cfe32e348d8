"""The start-up contract harnesses written for LocalStack rely on: init hooks in boot.d, start.d,
ready.d and shutdown.d (shell with `awslocal`, Python with Debian's boto3 and no endpoint), the
`Ready.` line on stdout once they have run, /_localstack/health and /_localstack/init, and
LOCALSTACK_HOST naming the URLs fogbank hands out."""
import json
import os
import signal
import time
import urllib.error
import urllib.request

from conftest import Server, make_client


def get(server, path):
    with urllib.request.urlopen(server.url + path, timeout=5) as r:
        return json.loads(r.read())


def script(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, 0o755)


def test_hooks_run_in_order_then_ready_and_shutdown_hooks_still_reach_fogbank(tmp_path):
    init = tmp_path / "init"
    out = tmp_path / "out"
    out.mkdir()
    script(init / "boot.d" / "10-boot.sh", f"#!/bin/sh\necho booted > {out}/boot\n")
    script(init / "start.d" / "10-start.sh", "#!/bin/sh\necho start stage says hello\n")
    script(init / "ready.d" / "10-bucket.sh", "#!/bin/sh\nset -e\nawslocal s3 mb s3://made-by-hook\n")
    script(init / "ready.d" / "20-fails.sh", "#!/bin/sh\necho about to fail\nexit 3\n")
    # A .py file needs no execute bit; boto3 finds fogbank with no endpoint in the code.
    (init / "ready.d" / "sub").mkdir()
    (init / "ready.d" / "sub" / "30-seed.py").write_text(
        "import boto3\n"
        "boto3.client('s3').put_object(Bucket='made-by-hook', Key='seed', Body=b'seeded')\n"
        "print('seeded the bucket')\n")
    (init / "ready.d" / "40-not-executable.sh").write_text("#!/bin/sh\nexit 1\n")
    script(init / "shutdown.d" / "10-bye.sh",
           f"#!/bin/sh\nawslocal s3api get-object --bucket made-by-hook --key seed {out}/at-shutdown >/dev/null\n")

    server = Server(env={"FOGBANK_INIT_DIR": str(init)})
    try:
        assert (out / "boot").read_text() == "booted\n"  # before the server listened
        deadline = time.time() + 60
        while "Ready." not in server.logs() and time.time() < deadline:
            time.sleep(0.05)
        logs = server.logs()
        assert "Ready." in logs, logs
        # Ready. comes after every ready.d script has run.
        assert logs.index("seeded the bucket") < logs.index("Ready.")
        assert "start stage says hello" in logs and "about to fail" in logs

        s3 = make_client(server, "s3")
        assert s3.get_object(Bucket="made-by-hook", Key="seed")["Body"].read() == b"seeded"

        state = get(server, "/_localstack/init")
        assert state["completed"] == {"BOOT": True, "START": True, "READY": True, "SHUTDOWN": False}
        ready = get(server, "/_localstack/init/ready")
        assert ready["completed"] is True
        assert [(s["name"], s["state"]) for s in ready["scripts"]] == [
            ("10-bucket.sh", "SUCCESSFUL"), ("20-fails.sh", "ERROR"), ("sub/30-seed.py", "SUCCESSFUL")]
        health = get(server, "/_fogbank/health")
        assert health["init"]["failed"] is True

        ls = get(server, "/_localstack/health")
        assert ls["services"]["s3"] == "running" and ls["services"]["sqs"] == "running"
        assert "lambda-runtime" not in ls["services"] and "admin" not in ls["services"]
        assert "console" not in ls["services"]  # fogbank's own, not an AWS service
        assert set(ls) == {"services", "edition", "version"}
    finally:
        assert server.stop(signal.SIGTERM) == 0
        server.cleanup()
    # The shutdown hook ran while fogbank still served.
    assert (out / "at-shutdown").read_text() == "seeded"


def test_a_hook_that_hangs_is_killed_after_the_timeout_and_ready_follows(tmp_path):
    init = tmp_path / "init"
    script(init / "ready.d" / "10-hangs.sh", "#!/bin/sh\nsleep 300\n")
    server = Server(env={"FOGBANK_INIT_DIR": str(init), "FOGBANK_INIT_TIMEOUT_MS": "500"})
    try:
        deadline = time.time() + 20
        while "Ready." not in server.logs() and time.time() < deadline:
            time.sleep(0.05)
        assert "Ready." in server.logs()
        assert "timed out; killed" in server.logs()
        ready = get(server, "/_localstack/init/ready")
        assert [(s["name"], s["state"]) for s in ready["scripts"]] == [("10-hangs.sh", "ERROR")]
    finally:
        server.cleanup()


def test_without_hooks_ready_is_printed_and_init_endpoints_answer(server):
    deadline = time.time() + 10
    while "Ready." not in server.logs() and time.time() < deadline:
        time.sleep(0.05)
    assert "Ready." in server.logs()
    state = get(server, "/_localstack/init")
    assert state["scripts"] == [] and state["completed"]["READY"] is True
    try:
        get(server, "/_localstack/init/lunch")
        raise AssertionError("an unknown stage was answered")
    except urllib.error.HTTPError as e:
        assert e.code == 404


def test_localstack_host_names_the_urls_fogbank_hands_out(tmp_path):
    from conftest import create_function
    from test_lambda_http import request
    server = Server(env={"LOCALSTACK_HOST": "fogbank.test:4510"})
    try:
        sqs = make_client(server, "sqs")
        url = sqs.create_queue(QueueName="advertised")["QueueUrl"]
        assert url == "http://fogbank.test:4510/000000000000/advertised"
        # The URL works as a QueueUrl even though fogbank was reached by another name.
        sqs.send_message(QueueUrl=url, MessageBody="hi")
        assert sqs.receive_message(QueueUrl=url)["Messages"][0]["Body"] == "hi"
        lam = make_client(server, "lambda")
        create_function(lam, "adv", {"app.py": "def handler(e, c):\n    return {'ok': True}\n"})
        furl = lam.create_function_url_config(FunctionName="adv", AuthType="NONE")["FunctionUrl"]
        host = furl.split("/")[2]
        assert host.endswith(".lambda-url.us-east-1.fogbank.test:4510"), furl
        status, _, body = request(server, "GET", "/", host=host)
        assert status == 200 and json.loads(body) == {"ok": True}
    finally:
        server.cleanup()
