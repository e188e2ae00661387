import * as pulumi from "@pulumi/pulumi";
import { LabService, LabServiceArgs } from "../core/lab-service";
import { KafkaArgs, KafkaSpec, resolveKafkaSpec } from "./kafka-spec";

/** Arguments of {@link KafkaCluster}. */
export interface KafkaClusterArgs extends KafkaArgs, LabServiceArgs {}

/** Kafka in KRaft mode: combined broker+controller nodes, an in-lab and a host listener. */
export class KafkaCluster extends LabService<KafkaSpec> {
  constructor(name: string, args: KafkaClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super("labs:kafka:KafkaCluster", name, resolveKafkaSpec(args, args.context, args.scope.lab), args, opts);
  }
}
