"""The class janitor: puts a class's expired or idle labs to sleep.

Runs in the class's staff namespace with its own ServiceAccount, which may
only read and annotate the class's lab namespaces, scale their workloads and
read each lab's Jupyter token (see janitor.ts). Every INTERVAL seconds, for
each lab that is awake:

- expired (expires-at, or creation + EXPIRES_AFTER) -> sleep, reason expired;
- otherwise read every sign of use: Jupyter's own last_activity (server,
  kernels, terminals; a busy kernel counts as now), running Spark
  applications, Dask tasks in flight or a changed task count, Kafka end
  offsets that moved. Any of them moves last-active; a lab whose last-active
  is older than IDLE_AFTER goes to sleep, reason idle. A sign that cannot be
  read keeps the lab awake (never cull on a guess).

Sleeping = every StatefulSet and Deployment scaled to 0 (Spark workers,
Dask workers included), volumes kept, the namespace annotated. The rule is
the same as schedule.ts's; the annotation names come from the environment.
"""
import base64
import datetime as dt
import json
import os
import socket
import ssl
import sys
import time
import urllib.error
import urllib.request

ENV = os.environ
LABS = [l for l in ENV["LABS"].split(",") if l]
INTERVAL = int(ENV.get("INTERVAL_SECONDS", "30"))
IDLE_AFTER = int(ENV["IDLE_AFTER_SECONDS"]) if ENV.get("IDLE_AFTER_SECONDS") else None
EXPIRES_AFTER = int(ENV["EXPIRES_AFTER_SECONDS"]) if ENV.get("EXPIRES_AFTER_SECONDS") else None
A_SINCE, A_REASON = ENV["ANNOTATION_ASLEEP_SINCE"], ENV["ANNOTATION_ASLEEP_REASON"]
A_EXPIRES, A_ACTIVE, A_MARKS = ENV["ANNOTATION_EXPIRES_AT"], ENV["ANNOTATION_LAST_ACTIVE"], ENV["ANNOTATION_ACTIVITY_MARKS"]
TOKEN_SECRET, TOKEN_KEY = ENV["JUPYTER_SECRET"], ENV["JUPYTER_SECRET_KEY"]
KAFKA_PORT = int(ENV.get("KAFKA_PORT", "19092"))
SA = "/var/run/secrets/kubernetes.io/serviceaccount"
API = "https://%s:%s" % (ENV["KUBERNETES_SERVICE_HOST"], ENV["KUBERNETES_SERVICE_PORT"])
CTX = ssl.create_default_context(cafile=SA + "/ca.crt")


def log(msg):
    print("%s %s" % (dt.datetime.now(dt.timezone.utc).strftime("%H:%M:%S"), msg), flush=True)


def now():
    return dt.datetime.now(dt.timezone.utc)


def iso(t):
    return t.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z")


def parse(s):
    if not s:
        return None
    try:
        return dt.datetime.fromisoformat(s.replace("Z", "+00:00")).astimezone(dt.timezone.utc)
    except ValueError:
        return None


def kube(method, path, body=None, content_type="application/merge-patch+json"):
    with open(SA + "/token") as f:
        token = f.read().strip()
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(API + path, data=data, method=method, headers={"Authorization": "Bearer " + token, "Content-Type": content_type, "Accept": "application/json"})
    try:
        with urllib.request.urlopen(req, context=CTX, timeout=15) as r:
            return json.load(r)
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise RuntimeError("%s %s: HTTP %s %s" % (method, path, e.code, e.read()[:200].decode(errors="replace")))


def http_json(url, headers=None):
    req = urllib.request.Request(url, headers=headers or {})
    with urllib.request.urlopen(req, timeout=8) as r:
        return json.load(r)


def service_ip(name, lab):
    """The address of a lab's headless Service `name` (one pod), or None when it has none."""
    try:
        return socket.getaddrinfo("%s.%s.svc" % (name, lab), None, socket.AF_INET)[0][4][0]
    except OSError:
        return None


def jupyter_signals(lab):
    """(busy, newest activity) from Jupyter's own API; raises when it cannot be read."""
    secret = kube("GET", "/api/v1/namespaces/%s/secrets/%s" % (lab, TOKEN_SECRET))
    token = base64.b64decode(secret["data"][TOKEN_KEY]).decode()
    base = "http://workspace.%s.svc:8888/api" % lab
    h = {"Authorization": "token " + token}
    status = http_json(base + "/status", h)
    kernels = http_json(base + "/kernels?no_track_activity=1", h)
    terminals = http_json(base + "/terminals?no_track_activity=1", h)
    times = [parse(status.get("last_activity"))] + [parse(k.get("last_activity")) for k in kernels] + [parse(t.get("last_activity")) for t in terminals]
    busy = any(k.get("execution_state") == "busy" for k in kernels)
    times = [t for t in times if t]
    return busy, (max(times) if times else None)


def spark_busy(lab):
    doc = http_json("http://spark-master.%s.svc:8080/json/" % lab)
    return len(doc.get("activeapps") or []) > 0


def dask_marks(lab):
    c = http_json("http://dask-scheduler.%s.svc:8787/json/counts.json" % lab)
    return (c.get("processing", 0) or 0) + (c.get("waiting", 0) or 0) > 0, c.get("tasks", 0)


def kafka_offsets(lab, brokers):
    """Sum of every partition's end offset (consumer commits move __consumer_offsets too)."""
    from kafka import KafkaConsumer, TopicPartition

    addresses = {b: service_ip(b, lab) for b in brokers}
    real = socket.getaddrinfo

    def resolve(host, *args, **kw):  # the brokers advertise their in-lab short names
        return real(addresses.get(host) or host, *args, **kw)

    socket.getaddrinfo = resolve
    try:
        c = KafkaConsumer(bootstrap_servers=["%s:%d" % (addresses[b] or b, KAFKA_PORT) for b in brokers], request_timeout_ms=8000, consumer_timeout_ms=1000)
        try:
            parts = [TopicPartition(t, p) for t in c.topics() for p in (c.partitions_for_topic(t) or [])]
            return sum(c.end_offsets(parts).values()) if parts else 0
        finally:
            c.close()
    finally:
        socket.getaddrinfo = real


def workloads(lab):
    out = []
    for kind in ("statefulsets", "deployments"):
        doc = kube("GET", "/apis/apps/v1/namespaces/%s/%s" % (lab, kind)) or {"items": []}
        out += [(kind, w["metadata"]["name"], w["spec"].get("replicas", 1)) for w in doc["items"]]
    return out


def observe(lab, names):
    """(busy now, newest Jupyter activity, marks, unreadable signals)."""
    busy, activity, marks, unread = False, None, {}, []
    if "workspace" in names:
        try:
            b, activity = jupyter_signals(lab)
            busy = busy or b
        except Exception as e:
            unread.append("jupyter (%s)" % str(e)[:80])
    if "spark-master" in names:
        try:
            busy = spark_busy(lab) or busy
        except Exception as e:
            unread.append("spark (%s)" % str(e)[:80])
    if "dask-scheduler" in names:
        try:
            b, marks["dask"] = dask_marks(lab)
            busy = busy or b
        except Exception as e:
            unread.append("dask (%s)" % str(e)[:80])
    brokers = sorted(n for n in names if n.startswith("kafka-"))
    if brokers:
        try:
            marks["kafka"] = kafka_offsets(lab, brokers)
        except Exception as e:
            unread.append("kafka (%s)" % str(e)[:80])
    return busy, activity, marks, unread


def annotate(lab, values):
    kube("PATCH", "/api/v1/namespaces/%s" % lab, {"metadata": {"annotations": values}})


def sleep(lab, reason, detail):
    scaled = 0
    for kind, name, replicas in workloads(lab):
        if replicas:
            kube("PATCH", "/apis/apps/v1/namespaces/%s/%s/%s/scale" % (lab, kind, name), {"spec": {"replicas": 0}})
            scaled += 1
    annotate(lab, {A_SINCE: iso(now()), A_REASON: reason})
    log("janitor: %s scaled to zero after %s (%d workloads, volumes kept; %s)" % (lab, "expiry" if reason == "expired" else "idle", scaled, detail))


def tend(lab):
    ns = kube("GET", "/api/v1/namespaces/%s" % lab)
    if ns is None:
        return
    ann = ns["metadata"].get("annotations") or {}
    if ann.get(A_SINCE):
        return
    t = now()
    created = parse(ns["metadata"]["creationTimestamp"])
    expires = parse(ann.get(A_EXPIRES)) or (created + dt.timedelta(seconds=EXPIRES_AFTER) if EXPIRES_AFTER else None)
    if expires and t >= expires:
        sleep(lab, "expired", "expired at %s" % iso(expires))
        return
    if IDLE_AFTER is None:
        return
    ws = workloads(lab)
    if not any(r for _, _, r in ws):
        return  # scaled down by hand: nothing to watch
    busy, activity, marks, unread = observe(lab, {n for _, n, _ in ws})
    # First sight (a janitor added to a running class): the idle clock starts now, not at creation.
    last = parse(ann.get(A_ACTIVE)) or t
    before = json.loads(ann.get(A_MARKS) or "{}")
    moved = [k for k, v in marks.items() if k in before and before[k] != v]
    why = (["busy"] if busy else []) + ["%s moved" % k for k in moved]
    if busy or moved:
        last = t
    elif activity and activity > last:
        last, why = activity, ["jupyter activity"]
    changes = {}
    if iso(last) != ann.get(A_ACTIVE):
        changes[A_ACTIVE] = iso(last)
    if marks and json.dumps(marks, sort_keys=True) != json.dumps(before, sort_keys=True):
        changes[A_MARKS] = json.dumps(marks, sort_keys=True)
    if changes:
        annotate(lab, changes)
    if why:
        log("%s: active (%s)" % (lab, ", ".join(why)))
    if unread:
        log("%s: cannot read %s; kept awake" % (lab, "; ".join(unread)))
        return
    idle = (t - last).total_seconds()
    if idle >= IDLE_AFTER:
        sleep(lab, "idle", "last active %s, %ds ago" % (iso(last), idle))


def main():
    log("janitor for %d labs: idle after %s s, expires after %s s, every %d s" % (len(LABS), IDLE_AFTER, EXPIRES_AFTER, INTERVAL))
    while True:
        for lab in LABS:
            try:
                tend(lab)
            except Exception as e:  # one lab's trouble must not stop the others
                log("%s: %s" % (lab, str(e).splitlines()[0][:300]))
        sys.stdout.flush()
        time.sleep(INTERVAL)


if __name__ == "__main__":
    main()
