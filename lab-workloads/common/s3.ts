import { DeleteObjectsCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { LabHandle } from "./lab";

// The SDK's notice about its future Node.js floor is not actionable for students.
process.env["AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED"] ??= "true";

/** S3 access to the lab's MinIO from this machine (its published port). */
export class LabS3 {
  private readonly client: S3Client;

  constructor(lab: LabHandle) {
    this.client = new S3Client({
      endpoint: lab.hostEndpoint("minio", "s3"),
      region: "us-east-1",
      forcePathStyle: true,
      credentials: { accessKeyId: lab.credentials.s3AccessKey ?? "", secretAccessKey: lab.credentials.s3SecretKey ?? "" },
    });
  }

  async put(bucket: string, key: string, body: string | Uint8Array): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
  }

  async get(bucket: string, key: string): Promise<Uint8Array> {
    const r = await this.client.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    return r.Body!.transformToByteArray();
  }

  /** Keys under a prefix, with sizes and the times MinIO stored them (its clock, not the writer's). */
  async list(bucket: string, prefix: string): Promise<{ key: string; size: number; modified: number }[]> {
    const out: { key: string; size: number; modified: number }[] = [];
    let token: string | undefined;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) out.push({ key: o.Key!, size: o.Size ?? 0, modified: o.LastModified?.getTime() ?? NaN });
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  /** Deletes every object under a prefix; returns how many. */
  async deletePrefix(bucket: string, prefix: string): Promise<number> {
    const keys = (await this.list(bucket, prefix)).map((o) => o.key);
    for (let i = 0; i < keys.length; i += 1000) {
      await this.client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
    return keys.length;
  }
}
