/**
 * `labctl images push --registry HOST[:PORT][/PREFIX] [--module N]`: tags the
 * lab images (all, or a module's) under the registry and pushes them with the
 * Docker engine, so the usual Docker credentials apply; logs in to ECR with a
 * token from the AWS SDK. Everything that can be wrong is found before the
 * first push: images never built, a registry that does not answer, missing
 * or refused credentials, missing ECR repositories.
 */
import { ModuleId } from "../../components/lab/modules";
import { EXIT, UserError } from "../../lab-workloads/access/errors";
import {
  Credentials,
  dockerCredentials,
  EcrRepositoryCheck,
  ecrMissingRepositories,
  ecrToken,
  EcrTokenSource,
  EngineRegistryConfig,
  engineUsesHttp,
  probeRegistry,
  RegistryRef,
} from "../registry";
import { DockerRunner, dockerCli, imageRef, labImages, lastLine, localImageIds, localPrefix, needDocker, since } from "./images-shared";
import { Io } from "./shared";

/** Options of {@link pushImages}. */
export interface PushOptions {
  readonly registry: RegistryRef;
  /** Only this module's images. @default every lab image */
  readonly module?: ModuleId;
  /** @default false */
  readonly json?: boolean;
}

/** What push talks to; the defaults are the real ones. */
export interface PushDeps {
  /** @default the docker CLI */
  readonly docker?: DockerRunner;
  /** @default the Docker config's credentials for the host */
  readonly credentials?: (authority: string) => Promise<Credentials | undefined>;
  /** @default GetAuthorizationToken through @aws-sdk/client-ecr */
  readonly ecrToken?: EcrTokenSource;
  /** @default DescribeRepositories through @aws-sdk/client-ecr */
  readonly ecrRepositories?: EcrRepositoryCheck;
  /** Timeout of the registry probe. @default 5000 */
  readonly probeTimeoutMs?: number;
}

/** One pushed image. */
export interface PushedImage {
  readonly name: string;
  readonly source: string;
  /** `<registry>/<name>:<tag>`: what a stack with `lab:images.registry` runs. */
  readonly ref: string;
  /** The manifest digest the registry stored. */
  readonly digest: string;
  /** The image ID (config digest), the same locally and in the registry. */
  readonly id: string;
  readonly seconds: number;
}

/** The manifest digest `docker push` reports (`<tag>: digest: sha256:… size: N`). */
export function pushedDigest(output: string): string | undefined {
  return /digest: (sha256:[0-9a-f]{64})/.exec(output)?.[1];
}

async function engineRegistryConfig(docker: DockerRunner): Promise<EngineRegistryConfig | undefined> {
  const r = await docker(["info", "--format", "{{json .RegistryConfig}}"], { timeoutMs: 20_000 });
  try {
    return r.code === 0 ? (JSON.parse(r.stdout) as EngineRegistryConfig) : undefined;
  } catch {
    return undefined;
  }
}

/** ECR: a token from the AWS SDK, handed to `docker login` so `docker push` can use it. */
async function ecrLogin(ref: RegistryRef, docker: DockerRunner, tokens: EcrTokenSource): Promise<Credentials> {
  const creds = await tokens(ref.ecr!.region);
  const r = await docker(["login", "--username", creds.username, "--password-stdin", ref.authority], { input: creds.secret, timeoutMs: 60_000 });
  if (r.code !== 0) throw new UserError(`docker login ${ref.authority} with the ECR token failed: ${lastLine(r.stderr) || `exit ${r.code}`}`, EXIT.environment);
  return creds;
}

/** `labctl images push`: returns the exit code; one-line UserErrors before anything is pushed. */
export async function pushImages(opts: PushOptions, io: Io, deps: PushDeps = {}): Promise<number> {
  const docker = deps.docker ?? dockerCli;
  const ref = opts.registry;
  const started = Date.now();
  await needDocker(docker);
  const images = labImages(opts.module);
  const from = localPrefix();
  const ids = await localImageIds(docker, images, from);
  const repos = images.map((img) => `${ref.prefix ? `${ref.prefix}/` : ""}${img.name}`);
  let credentials: Credentials | undefined;
  if (ref.ecr) {
    credentials = await ecrLogin(ref, docker, deps.ecrToken ?? ecrToken);
    const missing = await (deps.ecrRepositories ?? ecrMissingRepositories)(ref.ecr.region, ref.ecr.account, repos);
    if (missing.length > 0) {
      throw new UserError(`ECR repositor${missing.length === 1 ? "y" : "ies"} ${missing.join(", ")} do${missing.length === 1 ? "es" : ""} not exist in ${ref.authority}: create ${missing.length === 1 ? "it" : "them"} (aws ecr create-repository --region ${ref.ecr.region} --repository-name ${missing[0]}${missing.length > 1 ? " …" : ""}) and retry`, EXIT.environment);
    }
  } else {
    credentials = await (deps.credentials ?? ((a: string) => dockerCredentials(a)))(ref.authority);
  }
  const plainHttp = engineUsesHttp(ref, await engineRegistryConfig(docker));
  await probeRegistry(ref, { ...(credentials ? { credentials } : {}), plainHttp, ...(deps.probeTimeoutMs ? { timeoutMs: deps.probeTimeoutMs } : {}) });

  const pushed: PushedImage[] = [];
  for (const img of images) {
    const t0 = Date.now();
    const source = imageRef(from, img);
    const target = imageRef(ref.base, img);
    const tag = await docker(["tag", source, target], { timeoutMs: 60_000 });
    if (tag.code !== 0) throw new UserError(`docker tag ${source} ${target} failed: ${lastLine(tag.stderr)}`, EXIT.failed);
    const push = await docker(["push", target]);
    const done = pushed.length === 0 ? "" : ` (${pushed.length} of ${images.length} pushed before it)`;
    if (push.code !== 0) throw new UserError(`pushing ${target} failed${done}: ${lastLine(push.stderr) || lastLine(push.stdout) || `exit ${push.code}`}`, EXIT.failed);
    const digest = pushedDigest(push.stdout);
    if (!digest) throw new UserError(`pushing ${target}: docker push reported no digest (${lastLine(push.stdout)})`, EXIT.failed);
    const p: PushedImage = { name: img.name, source, ref: target, digest, id: ids.get(source)!, seconds: (Date.now() - t0) / 1000 };
    pushed.push(p);
    if (!opts.json) io.out(`pushed ${p.name.padEnd(9)} ${p.ref}  digest ${p.digest}  (${p.seconds.toFixed(1)} s)`);
  }
  if (opts.json) {
    io.out(JSON.stringify({ registry: ref.base, stackConfig: { "lab:images.registry": ref.base }, images: pushed, seconds: (Date.now() - started) / 1000 }, null, 2));
  } else {
    io.out(`${pushed.length} image${pushed.length === 1 ? "" : "s"} pushed to ${ref.base} in ${since(started)} s. A stack runs them with lab:images.registry: ${ref.base}  (pulumi config set --path lab:images.registry ${ref.base})`);
  }
  return EXIT.ok;
}
