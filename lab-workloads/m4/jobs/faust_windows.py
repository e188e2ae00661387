"""Module 4 exercise: a Faust agent counting events in a windowed table.

Usage: faust_windows.py <topic> [--window-seconds 10] [--app-id m4-faust]

A Faust app (faust-streaming) whose agent consumes the module's topic of JSON
sensor events and counts them per sensor in a tumbling-window table: 10-second
windows of *event time* (the table is relative to each event's `ts` field, not
to the clock), kept in memory and backed by a changelog topic in Kafka.
Faust has no watermark: every event counts in its window, however late.

The worker stops itself once it has consumed the topic up to the end offset
it saw at start, and prints one JSON summary line with every window's count.
In class you would run `faust -A faust_windows worker` and leave it running.
"""
import argparse
import json
import sys
import os
import signal
import threading
import traceback
from datetime import timedelta

import faust
from kafka import KafkaConsumer, TopicPartition

p = argparse.ArgumentParser()
p.add_argument("topic")
p.add_argument("--window-seconds", type=int, default=10)
p.add_argument("--app-id", default="m4-faust")
args = p.parse_args()
bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"].split(",")

# How far to read: the topic's end offsets now (a worker normally never stops).
probe = KafkaConsumer(bootstrap_servers=bootstrap)
if args.topic not in probe.topics():            # also fetches the cluster's metadata
    raise SystemExit(f"topic {args.topic} does not exist")
parts = [TopicPartition(args.topic, n) for n in sorted(probe.partitions_for_topic(args.topic) or [])]
total = sum(probe.end_offsets(parts).values())
probe.close()
if total == 0:
    raise SystemExit(f"topic {args.topic} is empty")

app = faust.App(args.app_id, broker=[f"kafka://{b}" for b in bootstrap], store="memory://",
                value_serializer="json", web_enabled=False, topic_partitions=len(parts),
                consumer_auto_offset_reset="earliest")
topic = app.topic(args.topic, partitions=len(parts))   # values: JSON objects, as dicts
counts = (app.Table("counts", default=int, partitions=len(parts))
          .tumbling(args.window_seconds, expires=timedelta(days=3650))
          .relative_to(lambda event: event.value["ts"] / 1000.0))   # event time, in seconds
seen = 0


@app.agent(topic)
async def count(stream):
    global seen
    try:
        async for event in stream:
            counts[event["sensor"]] += 1          # the window of this event's ts
            seen += 1
            if seen == total:
                windows = {f"{int(window[0] * 1000)}|{sensor}": n for (sensor, window), n in counts.table.data.items()}
                # Faust's worker sends print() to its logger (stderr, with a prefix): write to the real stdout.
                sys.__stdout__.write("SUMMARY " + json.dumps({"records": seen, "windows": windows}) + "\n")
                sys.__stdout__.flush()
                os.kill(os.getpid(), signal.SIGTERM)   # what Ctrl-C does: stop the worker cleanly
    except Exception:                             # a worker would restart the agent; a job must fail
        traceback.print_exc()
        os._exit(1)


def give_up():
    """A job must end: after the deadline, say how far the agent got and fail."""
    print(f"gave up after {DEADLINE_S} s: {seen} of {total} records processed", flush=True)
    os._exit(2)


DEADLINE_S = 240
if __name__ == "__main__":
    print(f"consuming {total} records of {args.topic} ({len(parts)} partition(s)) with Faust app {args.app_id}", flush=True)
    watchdog = threading.Timer(DEADLINE_S, give_up)
    watchdog.daemon = True
    watchdog.start()
    faust.Worker(app, loglevel="WARNING").execute_from_commandline()
