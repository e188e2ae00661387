import { Kafka, logLevel, Partitioners } from "kafkajs";
import { pollingWatch, Watch } from "./watch";
import { LabHandle } from "./lab";

/** Kafka access to the lab's broker from this machine (its EXTERNAL listener). */
export class LabKafka {
  private readonly kafka: Kafka;
  private readonly brokers: string[];
  /** The bootstrap list inside the lab (what the jobs use), e.g. `kafka-0:19092`. */
  private readonly inLab: string;

  constructor(lab: LabHandle) {
    this.brokers = lab.hostEndpoint("kafka", "bootstrap").replace(/^[a-z]+:\/\//, "").split(",");
    this.kafka = new Kafka({ clientId: `labs-driver-${lab.name}`, brokers: this.brokers, logLevel: logLevel.NOTHING, retry: { retries: 8 } });
    this.inLab = lab.plan.specs.find((s) => s.service === "kafka")?.endpoints.find((e) => e.name === "bootstrap")?.inLab ?? this.brokers.join(",");
  }

  /**
   * Watches the broker while a check runs: every 2 s a fresh connection asks
   * it for the cluster's metadata, with no retries. A check that fails while
   * the broker did not answer says so, e.g. `the Kafka broker (kafka-0:19092)
   * stopped answering during the run: no answer from ... until ...`.
   */
  brokerWatch(): Watch {
    const probe = new Kafka({ clientId: "labs-driver-watch", brokers: this.brokers, logLevel: logLevel.NOTHING, retry: { retries: 0 }, connectionTimeout: 2000, requestTimeout: 3000 });
    return pollingWatch(`the Kafka broker (${this.inLab})`, async () => {
      const admin = probe.admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length === 0) throw new Error("the cluster's metadata lists no broker");
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    });
  }

  /** Creates a topic (no error when it exists). */
  async createTopic(topic: string, partitions: number): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
  }

  /** Topics whose names start with `prefix`. */
  async topics(prefix: string): Promise<string[]> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return (await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort();
    } finally {
      await admin.disconnect();
    }
  }

  async deleteTopics(topics: string[]): Promise<void> {
    if (topics.length === 0) return;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics, timeout: 30_000 });
    } finally {
      await admin.disconnect();
    }
  }

  /**
   * Produces records in order (acks from all in-sync replicas, idempotent, one
   * request in flight), in chunks, calling `progress` after each chunk.
   */
  async produce(topic: string, records: readonly { key: string; value: string }[], progress?: (sent: number) => void): Promise<void> {
    const producer = this.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      for (let i = 0; i < records.length; i += 1000) {
        await producer.send({ topic, acks: -1, messages: records.slice(i, i + 1000).map((r) => ({ key: r.key, value: r.value })) });
        progress?.(Math.min(i + 1000, records.length));
      }
    } finally {
      await producer.disconnect();
    }
  }

  /** The end offset of each partition of a topic. */
  async endOffsets(topic: string): Promise<Map<number, number>> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    } finally {
      await admin.disconnect();
    }
  }
}
