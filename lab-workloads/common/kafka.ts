import { Kafka, logLevel, Partitioners } from "kafkajs";
import { LabHandle } from "./lab";

/** Kafka access to the lab's broker from this machine (its EXTERNAL listener). */
export class LabKafka {
  private readonly kafka: Kafka;

  constructor(lab: LabHandle) {
    const bootstrap = lab.hostEndpoint("kafka", "bootstrap").replace(/^[a-z]+:\/\//, "");
    this.kafka = new Kafka({ clientId: `labs-driver-${lab.name}`, brokers: bootstrap.split(","), logLevel: logLevel.NOTHING, retry: { retries: 8 } });
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
