"""A client on the student's machine (run with --network host): produce to the lab's host
listener, then a consumer group that joins, consumes part, commits, leaves, and a second member
that re-joins and resumes at the committed offset. Prints one RESULT line of JSON."""
import json
import sys
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

bootstrap, topic, group = sys.argv[1], sys.argv[2], f"clients-check-{int(time.time())}"
N, FIRST = 20, 8
producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all")
for i in range(N):
    producer.send(topic, key=b"k", value=f"m{i}".encode())  # one key: one partition, in order
producer.flush()
producer.close()


def member():
    c = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                      auto_offset_reset="earliest", consumer_timeout_ms=20000)
    return c


def take(c, n):
    got = []
    deadline = time.time() + 60
    while len(got) < n and time.time() < deadline:
        for records in c.poll(timeout_ms=1000, max_records=n - len(got)).values():
            got += [r.value.decode() for r in records]
    return got


a = member()
first = take(a, FIRST)
a.commit()
committed = {tp.partition: getattr(a.committed(tp), "offset", a.committed(tp)) for tp in a.assignment()}
a.close()
b = member()
rest = take(b, N - FIRST)
b.commit()
parts = {tp.partition for tp in b.assignment()}
b.close()
print("RESULT " + json.dumps({"group": group, "first": first, "committed": committed, "rest": rest, "partitions": sorted(parts)}), flush=True)
