import { Kafka, logLevel } from "kafkajs";
import { LabHandle } from "../common/lab";

/** One record as read back from a topic. */
export interface ReadRecord {
  readonly partition: number;
  readonly offset: number;
  readonly key: string;
  readonly value: string;
}

/**
 * Reads every record of `topic` up to its current end offsets, from this
 * machine (the broker's host listener), by assigning each partition to a
 * fresh consumer group: what the driver uses to see what a student's
 * producer really wrote.
 */
export async function readTopic(lab: LabHandle, topic: string, timeoutMs = 60_000): Promise<ReadRecord[]> {
  const bootstrap = lab.hostEndpoint("kafka", "bootstrap").replace(/^[a-z]+:\/\//, "");
  const kafka = new Kafka({ clientId: `labs-readback-${lab.name}`, brokers: bootstrap.split(","), logLevel: logLevel.NOTHING, retry: { retries: 8 } });
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic).finally(() => admin.disconnect())).map((p) => [p.partition, Number(p.high)]));
  const total = [...ends.values()].reduce((a, b) => a + b, 0);
  const records: ReadRecord[] = [];
  if (total === 0) return records;
  const consumer = kafka.consumer({ groupId: `${topic}-readback-${Date.now()}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`read ${records.length} of ${total} records of ${topic} in ${timeoutMs / 1000}s`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          if (Number(message.offset) >= (ends.get(partition) ?? 0)) return;
          records.push({ partition, offset: Number(message.offset), key: message.key?.toString("utf8") ?? "", value: message.value?.toString("utf8") ?? "" });
          if (records.length >= total) {
            clearTimeout(timer);
            resolve();
          }
        },
      }).catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
