/// A device written for AWS IoT Core, as AWS's Python samples write one (paho-mqtt instead of the AWS SDK, which
/// Debian does not package): the thing name as client id; TLS with the root CA file, certificate and key; ALPN
/// `x-amzn-mqtt-ca` when it uses port 443; on start it gets its shadow and applies any delta, then reports; it applies
/// each live `update/delta`; it starts the next job, downloads the document's `url`, checks its `sha256`, and reports
/// SUCCEEDED. Only the endpoint and the CA file differ from what it would be given for AWS. It prints one JSON line
/// per step on stdout, and `{"step":"ready"}` once it listens.
let awsDeviceScript = #"""
import hashlib, json, ssl, sys, threading, time, urllib.parse, urllib.request
import paho.mqtt.client as mqtt

cfg = json.loads(sys.argv[1])
thing = cfg["thing"]
shadow = "$aws/things/%s/shadow" % thing
jobs = "$aws/things/%s/jobs" % thing

def say(**fields):
    print(json.dumps(fields), flush=True)

context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=cfg["ca"])
context.load_cert_chain(cfg["cert"], cfg["key"])
if cfg.get("alpn"):
    context.set_alpn_protocols(["x-amzn-mqtt-ca"])
protocol = mqtt.MQTTv5 if cfg["version"] == "5" else mqtt.MQTTv311
try:
    client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION1, client_id=thing, protocol=protocol)
except AttributeError:
    client = mqtt.Client(client_id=thing, protocol=protocol)
client.tls_set_context(context)
state = {"led": "off"}
subscribed = threading.Event()
done = threading.Event()
pending_subs = set()

def report():
    client.publish(shadow + "/update", json.dumps({"state": {"reported": state}, "clientToken": "report"}), qos=1)

def apply(delta):
    state.update(delta)
    say(step="applied", delta=delta)
    report()

def on_connect(c, userdata, flags, rc, properties=None):
    say(step="connected", rc=rc if isinstance(rc, int) else rc.value)
    topics = [shadow + "/get/accepted", shadow + "/get/rejected", shadow + "/update/delta", shadow + "/update/accepted",
              shadow + "/update/rejected", jobs + "/notify-next", jobs + "/start-next/accepted", jobs + "/start-next/rejected"]
    for topic in topics:
        rc, mid = c.subscribe(topic, qos=1)
        pending_subs.add(mid)

def on_subscribe(c, userdata, mid, granted, properties=None):
    pending_subs.discard(mid)
    if not pending_subs and not subscribed.is_set():
        subscribed.set()
        c.publish(shadow + "/get", "", qos=1)

def on_message(c, userdata, message):
    topic, body = message.topic, json.loads(message.payload or b"{}")
    if topic.endswith("/get/accepted"):
        say(step="shadow", version=body.get("version"), delta=body.get("state", {}).get("delta"))
        if body.get("state", {}).get("delta"):
            apply(body["state"]["delta"])
        c.publish(jobs + "/start-next", json.dumps({"clientToken": "start"}), qos=1)
        say(step="ready")
    elif topic.endswith("/get/rejected"):
        say(step="shadow", code=body.get("code"))
        report()
        c.publish(jobs + "/start-next", json.dumps({"clientToken": "start"}), qos=1)
        say(step="ready")
    elif topic.endswith("/update/delta"):
        apply(body["state"])
    elif topic.endswith("/update/accepted"):
        say(step="reported", version=body.get("version"))
    elif topic.endswith("/update/rejected"):
        say(step="rejected", code=body.get("code"), message=body.get("message"))
    elif topic.endswith("/notify-next"):
        if body.get("execution"):
            c.publish(jobs + "/start-next", json.dumps({"clientToken": "start"}), qos=1)
    elif topic.endswith("/start-next/accepted"):
        execution = body.get("execution")
        if not execution:
            return
        document = execution["jobDocument"]
        request = urllib.request.urlopen(document["url"], context=ssl.create_default_context(cafile=cfg["ca"]), timeout=20)
        image = request.read()
        digest = hashlib.sha256(image).hexdigest()
        ok = digest == document["sha256"]
        say(step="downloaded", job=execution["jobId"], bytes=len(image), ok=ok, host=urllib.parse.urlsplit(document["url"]).netloc)
        c.publish("%s/%s/update" % (jobs, execution["jobId"]),
                  json.dumps({"status": "SUCCEEDED" if ok else "FAILED", "expectedVersion": execution["versionNumber"],
                              "statusDetails": {"sha256": digest}}), qos=1)
        done.set()

client.on_connect, client.on_subscribe, client.on_message = on_connect, on_subscribe, on_message
client.connect(cfg["host"], cfg["port"], keepalive=60)
client.loop_start()
deadline = time.time() + cfg.get("seconds", 40)
while time.time() < deadline and not (cfg.get("until_job") and done.is_set()):
    time.sleep(0.1)
time.sleep(0.5)
client.disconnect()
client.loop_stop()
say(step="stopped", led=state["led"])
"""#
