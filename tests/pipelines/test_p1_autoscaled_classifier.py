"""P1 (../shared/PIPELINES.md): image classification as a service, with autoscaled EC2 workers.

A web tier (an HTTP server in this test) takes an image, stores it in `inputs`, sends
{request_id, bucket, key} to `requests`, and answers with the label that comes back on
`responses` for its request_id. A controller starts listener instances with RunInstances while
`requests` backs up; one listener always stays. Listeners are UserData scripts as their authors
would write them for AWS (Python, boto3, no endpoint anywhere): long-poll, DetectLabels, write
key -> label to `results`, answer, delete the request, and terminate their own instance (found
through instance metadata) once the queue has stayed empty. The label is the most confident
label that names an object in the photo (one with Instances), since its parents (Animal,
Vehicle) are labels too and tie with it."""
import concurrent.futures
import hashlib
import http.server
import json
import threading
import time
import urllib.request
import uuid

from conftest import fixtures

FIX = fixtures.FIXTURES / "objects"
LOCAL_AMI = "ami-0f0b0a0c0000de12a"
# What each photo shows (tests/fixtures/README.md): any of them is a right answer.
TRUTH = {"eagle.jpg": {"Bird"}, "horses.jpg": {"Horse"}, "giraffe.jpg": {"Giraffe", "Zebra"},
         "kite.jpg": {"Kite", "Person"}, "person.jpg": {"Person", "Horse", "Dog"},
         "dog.jpg": {"Dog", "Bicycle", "Car", "Truck"}}
MAX_LISTENERS = 4
IDLE_SECONDS = 4

LISTENER = r'''#!/usr/bin/python3
import json, os, time, urllib.request
import boto3

KEEP = __KEEP__
IDLE_SECONDS = __IDLE__
sqs, s3, rek, ec2 = (boto3.client(n) for n in ("sqs", "s3", "rekognition", "ec2"))
requests = sqs.get_queue_url(QueueName="requests")["QueueUrl"]
responses = sqs.get_queue_url(QueueName="responses")["QueueUrl"]
me = urllib.request.urlopen(os.environ["AWS_EC2_METADATA_SERVICE_ENDPOINT"] + "latest/meta-data/instance-id").read().decode()
print("listener", me, "keep" if KEEP else "scalable", flush=True)
idle_since = time.monotonic()
while True:
    got = sqs.receive_message(QueueUrl=requests, WaitTimeSeconds=1, MaxNumberOfMessages=1).get("Messages", [])
    if not got:
        if not KEEP and time.monotonic() - idle_since > IDLE_SECONDS:
            print("idle: terminating", me, flush=True)
            ec2.terminate_instances(InstanceIds=[me])
            time.sleep(60)
        continue
    msg = got[0]
    req = json.loads(msg["Body"])
    print("working", req["request_id"], flush=True)
    labels = rek.detect_labels(Image={"S3Object": {"Bucket": req["bucket"], "Name": req["key"]}})["Labels"]
    objects = [l for l in labels if l["Instances"]] or labels
    label = max(objects, key=lambda l: l["Confidence"])["Name"] if objects else "Unknown"
    s3.put_object(Bucket="results", Key=req["key"], Body=label.encode())
    sqs.send_message(QueueUrl=responses, MessageBody=json.dumps({"request_id": req["request_id"], "label": label}))
    sqs.delete_message(QueueUrl=requests, ReceiptHandle=msg["ReceiptHandle"])
    print("done", req["request_id"], label, flush=True)
    idle_since = time.monotonic()
'''


def listener_script(keep):
    return LISTENER.replace("__KEEP__", "True" if keep else "False").replace("__IDLE__", str(IDLE_SECONDS))


class WebTier:
    """POST /classify with image bytes -> {"label": ...}."""

    def __init__(self, s3, sqs, requests_url, responses_url):
        self.s3, self.sqs = s3, sqs
        self.requests_url, self.responses_url = requests_url, responses_url
        self.waiting = {}  # request_id -> [Event, label]
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.reader = threading.Thread(target=self.read_responses, daemon=True)
        self.reader.start()
        tier = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                data = self.rfile.read(int(self.headers["Content-Length"]))
                label = tier.classify(data)
                body = json.dumps({"label": label}).encode()
                self.send_response(200 if label else 504)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            # 50 clients connect at once: the default backlog of 5 would have the kernel
            # reset some of them.
            request_queue_size = 128
            daemon_threads = True

        self.http = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/classify"
        threading.Thread(target=self.http.serve_forever, daemon=True).start()

    def classify(self, data, timeout=240):
        request_id = str(uuid.uuid4())
        key = hashlib.sha256(data).hexdigest()[:16] + ".jpg"  # one object per distinct image
        self.s3.put_object(Bucket="inputs", Key=key, Body=data)
        slot = [threading.Event(), None]
        with self.lock:
            self.waiting[request_id] = slot
        self.sqs.send_message(QueueUrl=self.requests_url,
                              MessageBody=json.dumps({"request_id": request_id, "bucket": "inputs", "key": key}))
        slot[0].wait(timeout)
        return slot[1]

    def read_responses(self):
        while not self.stop.is_set():
            msgs = self.sqs.receive_message(QueueUrl=self.responses_url, WaitTimeSeconds=1,
                                            MaxNumberOfMessages=10).get("Messages", [])
            for m in msgs:
                body = json.loads(m["Body"])
                with self.lock:
                    slot = self.waiting.pop(body["request_id"], None)
                if slot:
                    slot[1] = body["label"]
                    slot[0].set()
                self.sqs.delete_message(QueueUrl=self.responses_url, ReceiptHandle=m["ReceiptHandle"])

    def close(self):
        self.stop.set()
        self.http.shutdown()
        self.reader.join(10)


def listeners(ec2, states=("pending", "running")):
    res = ec2.describe_instances(Filters=[{"Name": "tag:role", "Values": ["listener"]},
                                          {"Name": "instance-state-name", "Values": list(states)}])
    return [i for r in res["Reservations"] for i in r["Instances"]]


def launch_listener(ec2, keep):
    return ec2.run_instances(ImageId=LOCAL_AMI, MinCount=1, MaxCount=1, InstanceType="t3.micro",
                             UserData=listener_script(keep),
                             TagSpecifications=[{"ResourceType": "instance", "Tags": [
                                 {"Key": "role", "Value": "listener"},
                                 {"Key": "keep", "Value": "yes" if keep else "no"}]}])["Instances"][0]["InstanceId"]


def test_p1_autoscaled_classifier(server):
    # The web tier serves 50 requests at once on these clients.
    s3, sqs, ec2 = (fixtures.make_client(server, n, max_pool_connections=64) for n in ("s3", "sqs", "ec2"))
    for b in ("inputs", "results"):
        s3.create_bucket(Bucket=b)
    # A visibility timeout longer than a classification: a message comes back only if its
    # listener died holding it.
    requests_url = sqs.create_queue(QueueName="requests", Attributes={"VisibilityTimeout": "20"})["QueueUrl"]
    responses_url = sqs.create_queue(QueueName="responses")["QueueUrl"]
    base = launch_listener(ec2, keep=True)
    ec2.get_waiter("instance_running").wait(InstanceIds=[base], WaiterConfig={"Delay": 1, "MaxAttempts": 30})
    web = WebTier(s3, sqs, requests_url, responses_url)

    peak = [1]
    killed = []
    done = threading.Event()

    def controller():
        last_launch = 0.0
        while not done.is_set():
            backlog = int(sqs.get_queue_attributes(QueueUrl=requests_url, AttributeNames=[
                "ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"])
            running = listeners(ec2)
            peak[0] = max(peak[0], len(running))
            if backlog > 3 and len(running) < MAX_LISTENERS and time.monotonic() - last_launch > 1:
                launch_listener(ec2, keep=False)
                last_launch = time.monotonic()
            # Kill one scalable listener while it holds a message: nothing may be lost.
            if not killed:
                for inst in running:
                    if any(t["Key"] == "keep" and t["Value"] == "no" for t in inst.get("Tags", [])):
                        out = ec2.get_console_output(InstanceId=inst["InstanceId"]).get("Output", "")
                        working = [l.split()[1] for l in out.splitlines() if l.startswith("working")]
                        finished = [l.split()[1] for l in out.splitlines() if l.startswith("done")]
                        if working and working[-1] not in finished:
                            ec2.terminate_instances(InstanceIds=[inst["InstanceId"]])
                            killed.append((inst["InstanceId"], working[-1]))
                            break
            time.sleep(0.2)

    ctl = threading.Thread(target=controller, daemon=True)
    ctl.start()
    try:
        names = list(TRUTH)
        photos = {n: (FIX / n).read_bytes() for n in names}

        def ask(i):
            name = names[i % len(names)]
            req = urllib.request.Request(web.url, data=photos[name], method="POST")
            with urllib.request.urlopen(req, timeout=300) as r:
                return name, json.loads(r.read())["label"]

        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            answers = list(pool.map(ask, range(50)))
        wrong = [(n, label) for n, label in answers if label not in TRUTH[n]]
        assert not wrong, wrong
        # The same photo gets the same answer every time.
        assert all(len({label for n, label in answers if n == name}) == 1 for name in names)
        assert peak[0] > 1, "no listener was added while the queue backed up"
        assert killed, "no scalable listener was caught holding a message"
        # Scale-in: the scalable listeners terminate themselves; the kept one stays.
        end = time.time() + 60
        while time.time() < end and len(listeners(ec2)) > 1:
            time.sleep(0.5)
        remaining = listeners(ec2)
        assert [i["InstanceId"] for i in remaining] == [base]
        results = s3.list_objects_v2(Bucket="results")["Contents"]
        assert len(results) == len(names)
        for obj in results:
            label = s3.get_object(Bucket="results", Key=obj["Key"])["Body"].read().decode()
            source = next(n for n in names if hashlib.sha256(photos[n]).hexdigest()[:16] + ".jpg" == obj["Key"])
            assert label in TRUTH[source]
        for url in (requests_url, responses_url):
            attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=[
                "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
            assert attrs == {"ApproximateNumberOfMessages": "0", "ApproximateNumberOfMessagesNotVisible": "0"}
    finally:
        done.set()
        ctl.join(10)
        web.close()
