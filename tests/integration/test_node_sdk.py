"""Runs the AWS SDK for JavaScript v3 suites (tests/integration/node) against the live server."""
import pathlib
import shutil
import subprocess

import pytest

NODE_DIR = pathlib.Path(__file__).parent / "node"


@pytest.mark.parametrize("suite", ["s3.test.mjs", "sqs.test.mjs", "dynamodb.test.mjs",
                                   "rekognition.test.mjs", "lambda.test.mjs", "ec2.test.mjs"])
def test_aws_sdk_js_v3_suite(server, suite):
    if not (NODE_DIR / "node_modules" / "@aws-sdk" / "client-s3").exists():
        pytest.fail("npm dependencies missing: run tests/setup.sh (npm ci in tests/integration/node)")
    # tests/setup.sh installs a pinned Node 20 here when the machine's node is older.
    runtime = NODE_DIR / ".runtime" / "bin" / "node"
    node = str(runtime) if runtime.exists() else shutil.which("node")
    p = subprocess.run([node, "--test", "--test-concurrency=1", suite], cwd=NODE_DIR,
                       env={"PATH": "/usr/bin:/bin", "FOGBANK_URL": server.url, "HOME": "/tmp"},
                       capture_output=True, text=True, timeout=600)
    summary = [l for l in p.stdout.splitlines() if l.startswith(("# pass", "# fail", "not ok"))]
    print("\n".join(summary))
    assert p.returncode == 0, p.stdout[-8000:] + p.stderr[-4000:]
    assert "# fail 0" in p.stdout and "# pass 0" not in p.stdout
