import { createHash } from "crypto";
import { HOST_PORT_SLOTS, hostAddress, hostPort, intArg, SpecContext } from "../core/context";
import { LabConfigError } from "../core/errors";
import { DEFAULT_PROBE_TIMING, resources, ServiceSpec, WorkloadSpec } from "../core/spec";
import { fromMebibytes, jvmSize, parseMemory } from "../core/units";

/** Arguments of a KRaft Kafka cluster (no ZooKeeper). */
export interface KafkaArgs {
  /** Combined broker+controller nodes. @default 1 */
  readonly brokers?: number;
  /** JVM heap of each broker (`-Xms`/`-Xmx`), never the 1 GiB default. @default "384m" */
  readonly heap?: string;
  /** Size of each broker's log volume. @default "2Gi" */
  readonly storage?: string;
  /** Partitions of topics created on first use. @default 2 */
  readonly defaultPartitions?: number;
  /**
   * KRaft cluster id (22 characters, base64url). Kept stable so restarts find
   * their formatted storage. @default derived from the lab name
   */
  readonly clusterId?: string;
}

/** A resolved Kafka cluster. */
export interface KafkaSpec extends ServiceSpec {
  /** In-lab bootstrap list: `kafka-0:19092`. */
  readonly bootstrap: string;
  /** Bootstrap list for clients on the student's machine, if exposed. */
  readonly hostBootstrap?: string;
  readonly clusterId: string;
}

/** In-lab client listener, controller listener and the host-facing listener. */
export const KAFKA_PORTS = { internal: 19092, controller: 29093, external: 9094 } as const;

/** A stable KRaft cluster id (16 bytes, base64url) derived from a seed. */
export function kafkaClusterId(seed: string): string {
  return createHash("sha256").update(`bigdata-labs/kafka/${seed}`).digest().subarray(0, 16).toString("base64url");
}

/** Applies Kafka defaults, validates, and describes one workload per broker. */
export function resolveKafkaSpec(args: KafkaArgs, ctx: SpecContext, lab: string): KafkaSpec {
  const f = `${ctx.fieldPrefix}.kafka`;
  const brokers = intArg(`${f}.brokers`, args.brokers, 1, 1, 5);
  const partitions = intArg(`${f}.defaultPartitions`, args.defaultPartitions, 2, 1, 64);
  const heap = parseMemory(`${f}.heap`, args.heap ?? "384m");
  const storage = parseMemory(`${f}.storage`, args.storage ?? "2Gi");
  const clusterId = args.clusterId ?? kafkaClusterId(lab);
  if (!/^[A-Za-z0-9_-]{22}$/.test(clusterId)) {
    throw new LabConfigError(`${f}.clusterId`, `"${clusterId}" is not a KRaft cluster id`, "Use 22 base64url characters (kafka-storage random-uuid), or remove it");
  }
  const names = Array.from({ length: brokers }, (_, i) => `kafka-${i}`);
  const voters = names.map((n, i) => `${i}@${n}:${KAFKA_PORTS.controller}`).join(",");
  const rf = String(Math.min(3, brokers));
  const workloads: WorkloadSpec[] = names.map((name, i) => {
    const external = hostPort(ctx, HOST_PORT_SLOTS.kafkaExternal + i);
    const listeners = [`INTERNAL://:${KAFKA_PORTS.internal}`, `CONTROLLER://:${KAFKA_PORTS.controller}`];
    const advertised = [`INTERNAL://${name}:${KAFKA_PORTS.internal}`];
    if (external !== undefined) {
      listeners.push(`EXTERNAL://:${KAFKA_PORTS.external}`);
      advertised.push(`EXTERNAL://127.0.0.1:${external}`);
    }
    return {
      name,
      component: "broker",
      image: ctx.images.kafka,
      command: ["kafka-entrypoint"],
      env: {
        KAFKA_CLUSTER_ID: clusterId,
        KAFKA_HEAP_OPTS: `-Xms${jvmSize(heap)} -Xmx${jvmSize(heap)}`,
        KAFKA_CFG_NODE_ID: String(i),
        KAFKA_CFG_PROCESS_ROLES: "broker,controller",
        KAFKA_CFG_CONTROLLER_QUORUM_VOTERS: voters,
        KAFKA_CFG_LISTENERS: listeners.join(","),
        KAFKA_CFG_ADVERTISED_LISTENERS: advertised.join(","),
        KAFKA_CFG_LISTENER_SECURITY_PROTOCOL_MAP: "INTERNAL:PLAINTEXT,EXTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT",
        KAFKA_CFG_INTER_BROKER_LISTENER_NAME: "INTERNAL",
        KAFKA_CFG_CONTROLLER_LISTENER_NAMES: "CONTROLLER",
        KAFKA_CFG_LOG_DIRS: "/var/lib/kafka/data",
        KAFKA_CFG_NUM_PARTITIONS: String(partitions),
        KAFKA_CFG_DEFAULT_REPLICATION_FACTOR: rf,
        KAFKA_CFG_MIN_INSYNC_REPLICAS: "1",
        // Internal topics default to 3 replicas, which a 1-broker lab cannot place.
        KAFKA_CFG_OFFSETS_TOPIC_REPLICATION_FACTOR: rf,
        KAFKA_CFG_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: rf,
        KAFKA_CFG_TRANSACTION_STATE_LOG_MIN_ISR: String(Math.min(2, brokers)),
        KAFKA_CFG_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR: rf,
        KAFKA_CFG_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR: String(Math.min(2, brokers)),
        KAFKA_CFG_GROUP_INITIAL_REBALANCE_DELAY_MS: "0",
        KAFKA_CFG_AUTO_CREATE_TOPICS_ENABLE: "true",
        KAFKA_CFG_LOG_RETENTION_HOURS: "48",
      },
      ports: [
        { name: "internal", port: KAFKA_PORTS.internal },
        { name: "controller", port: KAFKA_PORTS.controller },
        ...(external !== undefined ? [{ name: "external", port: KAFKA_PORTS.external, hostPort: external }] : []),
      ],
      volumes: [{ name: "data", mountPath: "/var/lib/kafka/data", sizeBytes: storage }],
      readiness: { kind: "tcp", port: KAFKA_PORTS.internal },
      liveness: { kind: "tcp", port: KAFKA_PORTS.controller },
      probeTiming: { ...DEFAULT_PROBE_TIMING, initialDelaySeconds: 5 },
      resources: resources(200, 1000, heap + fromMebibytes(128), heap + fromMebibytes(256)),
      replicas: 1,
      stateful: true,
      runAsUser: 1001,
      terminationGraceSeconds: 30,
      awaits: [],
    };
  });
  const hostPorts = workloads.map((w) => w.ports.find((p) => p.name === "external")?.hostPort);
  const hostBootstrap = hostPorts.every((p) => p !== undefined) ? hostPorts.map((p) => hostAddress(p)).join(",") : undefined;
  const bootstrap = names.map((n) => `${n}:${KAFKA_PORTS.internal}`).join(",");
  return {
    service: "kafka",
    app: "kafka",
    version: "4",
    workloads,
    secretNames: [],
    endpoints: [{ name: "bootstrap", inLab: bootstrap, host: hostBootstrap, ui: false }],
    bootstrap,
    ...(hostBootstrap ? { hostBootstrap } : {}),
    clusterId,
  };
}
