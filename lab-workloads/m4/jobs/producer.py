"""Module 4 exercise: a Kafka producer in Python (kafka-python).

Usage: producer.py <events JSON lines, s3://...> <topic> [--partitions 3]

Creates the topic (when missing) with --partitions partitions, then sends every
event of the file, in file order, as a JSON value keyed by its sensor: the
default partitioner hashes the key (murmur2), so all events of one sensor go
to one partition and keep their order there. Waits for every acknowledgement
(acks="all") before exiting.
"""
import argparse
import json
import os

import s3fs
from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import TopicAlreadyExistsError

p = argparse.ArgumentParser()
p.add_argument("source")
p.add_argument("topic")
p.add_argument("--partitions", type=int, default=3)
args = p.parse_args()
bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"].split(",")

admin = KafkaAdminClient(bootstrap_servers=bootstrap)
try:
    admin.create_topics([NewTopic(args.topic, num_partitions=args.partitions, replication_factor=1)])
except TopicAlreadyExistsError:
    pass
admin.close()

fs = s3fs.S3FileSystem(key=os.environ["AWS_ACCESS_KEY_ID"], secret=os.environ["AWS_SECRET_ACCESS_KEY"],
                       client_kwargs={"endpoint_url": os.environ["AWS_ENDPOINT_URL"], "region_name": "us-east-1"})
producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all",
                         key_serializer=str.encode, value_serializer=lambda v: json.dumps(v).encode())
sent = 0
with fs.open(args.source, "r") as f:
    for line in f:
        if line.strip():
            event = json.loads(line)
            producer.send(args.topic, key=event["sensor"], value=event)
            sent += 1
producer.flush()
producer.close()
print(f"sent {sent} events to {args.topic}")
