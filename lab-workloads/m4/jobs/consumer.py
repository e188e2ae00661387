"""Module 4 exercise: a plain Kafka consumer (kafka-python) with tumbling windows by hand.

Usage: consumer.py <topic> [--window-seconds 10] [--group m4-consumer]

Reads the topic from the beginning up to its current end, counts events per
(window, sensor) with no watermark (every event counts, however late), and
prints one JSON summary line. This is what Spark's watermark saves you from:
to know when a window is final, a plain consumer has to decide how long to wait.
"""
import argparse
import json
import os
from collections import Counter

from kafka import KafkaConsumer, TopicPartition

p = argparse.ArgumentParser()
p.add_argument("topic")
p.add_argument("--window-seconds", type=int, default=10)
p.add_argument("--group", default="m4-consumer")
args = p.parse_args()

consumer = KafkaConsumer(
    bootstrap_servers=os.environ["KAFKA_BOOTSTRAP_SERVERS"].split(","),
    group_id=args.group,
    enable_auto_commit=False,
    auto_offset_reset="earliest",
)
partitions = [TopicPartition(args.topic, p) for p in sorted(consumer.partitions_for_topic(args.topic) or [])]
consumer.assign(partitions)
consumer.seek_to_beginning(*partitions)
end = consumer.end_offsets(partitions)

window_ms = args.window_seconds * 1000
windows = Counter()
per_sensor = Counter()
records = 0
max_seen = 0
out_of_order = 0
while any(consumer.position(tp) < end[tp] for tp in partitions):
    for tp, batch in consumer.poll(timeout_ms=1000).items():
        for msg in batch:
            e = json.loads(msg.value)
            records += 1
            per_sensor[e["sensor"]] += 1
            if e["ts"] < max_seen:
                out_of_order += 1
            max_seen = max(max_seen, e["ts"])
            start = e["ts"] - e["ts"] % window_ms
            windows[f"{start}|{e['sensor']}"] += 1
consumer.commit()
consumer.close()
print("SUMMARY " + json.dumps({
    "records": records,
    "per_sensor": per_sensor,
    "out_of_order": out_of_order,
    "windows": windows,
}))
