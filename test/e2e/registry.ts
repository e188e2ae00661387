/**
 * End-to-end proof that the lab images reach a cluster without `kind load`:
 *
 *  1. the project's registry (scripts/registry: distribution v3 from the Go
 *     module proxy) on 127.0.0.1:5000; bad inputs to `labctl images push`
 *     (unreachable registry, a real registry answering 401, a bad reference);
 *  2. `labctl images push --registry 127.0.0.1:5000/labs --module 1`, the
 *     registry's catalogue, tags and manifests (config digest = image ID);
 *  3. module 1 on the project's Kubernetes node with
 *     `lab:images.registry: 127.0.0.1:5000/labs`: pods run the registry's
 *     refs, the kubelet pulled them, digests match; probes; destroy; nothing left;
 *  4. `labctl images save` / `load` round trip on Docker under scratch names
 *     (bundle-test/…), then module 1 up on Docker from the loaded images.
 *
 *   npm run test:e2e:registry
 *
 * Ends with `N passed, N failed`.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { openLabStack } from "../../lab-workloads/access/automation";
import { CoreV1Api } from "@kubernetes/client-node";
import { loadKubeConfig } from "../../lab-workloads/access/kube-client";
import { kubeExec, KubeTarget, waitKubeClean } from "../../lab-workloads/access/kube-host";
import { planModuleLab } from "../../cli/lab-args";
import { labProbes } from "../../components/lab/probes";
import { moduleImages } from "../../components/lab/modules";
import { loadImageManifest } from "../../components/config/stack-values";
import { dockerHost } from "./hosts";
import { labctl, log, REPO, sh, Tally } from "./harness";

const REGISTRY = "127.0.0.1:5000";
const PREFIX = "labs";
const SCRATCH = "bundle-test";
const KUBE_LAB = "registry-m1";
const DOCKER_LAB = "bundle-m1";
const manifest = loadImageManifest();
const images = moduleImages(1).map((name) => ({ name, tag: manifest.images[name as keyof typeof manifest.images].tag }));
const tally = new Tally();
const check = (name: string, ok: boolean, detail: string) => tally.check(name, ok, detail);
const firstLine = (s: string) => s.trim().split("\n")[0] ?? "";
const dockerId = (ref: string) => sh("docker", ["image", "inspect", "--format", "{{.Id}}", ref]).out.trim();
async function registryGet(p: string, accept?: string): Promise<{ status: number; digest: string | null; body: string }> {
  const res = await fetch(`http://${REGISTRY}${p}`, { headers: accept ? { accept } : {}, signal: AbortSignal.timeout(10_000) });
  return { status: res.status, digest: res.headers.get("docker-content-digest"), body: await res.text() };
}
const MANIFEST_TYPES = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json";

async function registryAndPush(): Promise<Map<string, { digest: string; id: string }>> {
  const pushed = new Map<string, { digest: string; id: string }>();
  log("local registry: build (cached) and start");
  const build = sh("bash", ["scripts/registry/build.sh"], { timeoutSeconds: 3600 });
  check("registry image built or reused", build.code === 0, `${build.out.trim().split("\n").join("; ")} [${build.seconds.toFixed(1)} s]${build.code ? ` ${build.err.trim()}` : ""}`);
  // From an empty registry, so the catalogue shows what this run pushed and nothing else.
  sh("bash", ["scripts/registry/run.sh", "reset"]);
  const start = sh("bash", ["scripts/registry/run.sh", "start"]);
  if (!check("registry running on 127.0.0.1:5000 only", start.code === 0, (start.out || start.err).trim())) return pushed;
  const ports = sh("docker", ["inspect", "-f", "{{json .HostConfig.PortBindings}} user={{.Config.User}} readonly={{.HostConfig.ReadonlyRootfs}}", "bigdata-labs-registry"]).out.trim();
  check("registry container: loopback port, non-root, read-only", /"HostIp":"127\.0\.0\.1","HostPort":"5000"/.test(ports) && /user=10001:10001 readonly=true/.test(ports), ports);

  log("labctl images push: bad inputs (one line, exit code, nothing pushed)");
  const emptyDockerConfig = fs.mkdtempSync(path.join(os.tmpdir(), "labs-dockercfg-"));
  const auth = sh("docker", ["run", "-d", "--rm", "--name", "bigdata-labs-registry-401", "-p", "127.0.0.1:5001:5000", "--user", "10001:10001", "--read-only", "--cap-drop", "ALL",
    "-e", "REGISTRY_AUTH_SILLY_REALM=http://127.0.0.1:5001/token", "-e", "REGISTRY_AUTH_SILLY_SERVICE=labs-test", "bigdata-labs/registry:3.1.2"]);
  for (let i = 0; i < 20 && sh("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "http://127.0.0.1:5001/v2/"]).out !== "401"; i++) spawnSync("sleep", ["0.5"]);
  const cases: [string, string[], number, RegExp][] = [
    ["unreachable registry", ["--registry", "127.0.0.1:5999/labs"], 3, /^labctl: registry 127\.0\.0\.1:5999 is unreachable \(GET http:\/\/127\.0\.0\.1:5999\/v2\/: ECONNREFUSED\); start it/],
    ["registry answering 401, no credentials", ["--registry", "127.0.0.1:5001/labs"], 3, /^labctl: registry 127\.0\.0\.1:5001 needs a login \(401\) and Docker has no credentials for it: run docker login 127\.0\.0\.1:5001$/],
    ["not a registry host", ["--registry", "labs"], 2, /^labctl: --registry labs: "labs" would be read by Docker as a Docker Hub namespace/],
  ];
  for (const [what, args, code, pattern] of cases) {
    const r = labctl(["images", "push", ...args, "--module", "1"], { timeoutSeconds: 120, env: { ...process.env, DOCKER_CONFIG: emptyDockerConfig } });
    const lines = r.err.trim().split("\n").filter(Boolean);
    check(`push: ${what}`, r.code === code && lines.length === 1 && pattern.test(lines[0] ?? "") && r.out.trim() === "", `exit ${r.code} in ${r.seconds.toFixed(1)} s: ${lines[0] ?? "(no stderr)"}${lines.length > 1 ? ` (+${lines.length - 1} lines)` : ""}`);
  }
  if (auth.code === 0) sh("docker", ["rm", "-f", "bigdata-labs-registry-401"]);
  const empty = await registryGet("/v2/_catalog");
  check("nothing pushed by the bad inputs", (JSON.parse(empty.body) as { repositories: string[] }).repositories.length === 0, `catalogue before the push: ${empty.body.trim()}`);

  log(`labctl images push --registry ${REGISTRY}/${PREFIX} --module 1`);
  const r = labctl(["images", "push", "--registry", `${REGISTRY}/${PREFIX}`, "--module", "1"], { timeoutSeconds: 3600 });
  for (const l of r.out.trim().split("\n")) log(`  ${l}`);
  const lines = r.out.trim().split("\n");
  for (const l of lines) {
    const m = /^pushed (\S+)\s+(\S+)\s+digest (sha256:[0-9a-f]{64})/.exec(l);
    if (m) pushed.set(m[1]!, { digest: m[3]!, id: dockerId(`bigdata-labs/${m[1]}:${images.find((i) => i.name === m[1])?.tag}`) });
  }
  check("push module 1", r.code === 0 && pushed.size === images.length && /lab:images\.registry: 127\.0\.0\.1:5000\/labs/.test(r.out), `exit ${r.code}, ${pushed.size} images in ${r.seconds.toFixed(1)} s${r.code ? `: ${firstLine(r.err)}` : ""}`);

  const catalog = JSON.parse((await registryGet("/v2/_catalog")).body) as { repositories: string[] };
  const want = images.map((i) => `${PREFIX}/${i.name}`);
  check("catalogue lists the module's repositories", want.every((w) => catalog.repositories.includes(w)), `GET /v2/_catalog: ${catalog.repositories.join(", ")}`);
  for (const img of images) {
    const tags = JSON.parse((await registryGet(`/v2/${PREFIX}/${img.name}/tags/list`)).body) as { tags: string[] };
    const man = await registryGet(`/v2/${PREFIX}/${img.name}/manifests/${img.tag}`, MANIFEST_TYPES);
    const config = (JSON.parse(man.body) as { config?: { digest?: string } }).config?.digest;
    const p = pushed.get(img.name);
    check(`registry has ${PREFIX}/${img.name}:${img.tag}`, tags.tags.includes(img.tag) && man.digest === p?.digest && config === p?.id,
      `tags [${tags.tags.join(", ")}]; manifest ${man.digest?.slice(0, 19)}… = pushed digest; config ${config?.slice(0, 19)}… ${config === p?.id ? "=" : "≠"} docker image ID ${p?.id.slice(0, 19)}…`);
  }
  return pushed;
}

const NODE_SH = path.join(REPO, "scripts", "kube", "node.sh");
const CTR = ["--address", "/run/bigdata-labs-kube/containerd.sock", "--namespace", "k8s.io"];

async function kubeLabFromRegistry(pushed: Map<string, { digest: string; id: string }>): Promise<void> {
  log(`module 1 on the project's Kubernetes node, images from ${REGISTRY}/${PREFIX}`);
  const start = sh("bash", [NODE_SH, "start"], { timeoutSeconds: 900 });
  if (!check("kube node running", start.code === 0, `${firstLine(start.out.trim().split("\n").pop() ?? "")}${start.code ? ` ${start.err.trim().split("\n").pop()}` : ""} [${start.seconds.toFixed(1)} s]`)) return;
  process.env["KUBECONFIG"] = sh("bash", [NODE_SH, "kubeconfig"]).out.trim();
  process.env["PATH"] = `${path.join(path.dirname(process.env["KUBECONFIG"]), "bin")}${path.delimiter}${process.env["PATH"] ?? ""}`;
  const kube: KubeTarget = {};
  // A real pull: the node must not hold the registry's refs from an earlier run.
  const refs = images.map((i) => `${REGISTRY}/${PREFIX}/${i.name}:${i.tag}`);
  // Tag and digest refs (the CRI adds `…@sha256:` refs); --sync waits for the garbage collection.
  const held = sh("ctr", [...CTR, "images", "ls", "-q"]).out.split("\n").filter((r) => r.startsWith(`${REGISTRY}/${PREFIX}/`));
  if (held.length > 0) sh("ctr", [...CTR, "images", "rm", "--sync", ...held]);
  log(`  removed ${held.length} refs of ${REGISTRY}/${PREFIX}/… from the node's containerd first`);
  const since = new Date().toISOString();
  const stack = await openLabStack({ module: 1, target: "kubernetes", stackName: KUBE_LAB, config: { name: KUBE_LAB, images: { registry: `${REGISTRY}/${PREFIX}` }, kubernetes: { exposure: "none" } } });
  const t0 = Date.now();
  let up = false;
  try {
    await stack.up({ onEvent: (e) => e.diagnosticEvent?.severity === "error" && log(`  pulumi: ${firstLine(e.diagnosticEvent.message)}`) });
    up = check("lab up from the registry", true, `${((Date.now() - t0) / 1000).toFixed(1)} s to every service ready (pulls included)`);
  } catch (err) {
    check("lab up from the registry", false, `${((Date.now() - t0) / 1000).toFixed(1)} s: ${String((err as Error).message).split("\n").filter((l) => /error/i.test(l)).slice(0, 3).join(" | ")}`);
  }
  let pulledCount = 0;
  try {
    const core = loadKubeConfig(kube).makeApiClient(CoreV1Api);
    const pods = await core.listNamespacedPod({ namespace: KUBE_LAB });
    const specImages = pods.items.flatMap((p) => (p.spec?.containers ?? []).map((c) => c.image ?? ""));
    check("pods run the registry's refs", specImages.length > 0 && specImages.every((i) => i.startsWith(`${REGISTRY}/${PREFIX}/`)), `${pods.items.length} pods: ${[...new Set(specImages)].join(", ")}`);
    const statuses = pods.items.flatMap((p) => p.status?.containerStatuses ?? []);
    const digestOk = statuses.length > 0 && statuses.every((s) => [...pushed.values()].some((p) => s.imageID.endsWith(`@${p.digest}`)));
    check("running image digests = pushed digests", digestOk, [...new Set(statuses.map((s) => s.imageID.replace(/@sha256:(.{12}).*/, "@sha256:$1…")))].join(", "));
    const events = await core.listNamespacedEvent({ namespace: KUBE_LAB });
    const pulled = new Set(events.items.filter((e) => e.reason === "Pulled" && /Successfully pulled image/.test(e.message ?? "")).map((e) => /image "([^"]+)"/.exec(e.message ?? "")?.[1]).filter((x): x is string => !!x && x.startsWith(`${REGISTRY}/`)));
    const pulling = events.items.filter((e) => e.reason === "Pulling").length;
    check("the kubelet pulled them (events)", refs.every((r) => pulled.has(r)), `Pulling events: ${pulling}; "Successfully pulled" for ${[...pulled].join(", ") || "none"}`);
    let same = 0;
    for (const img of images) {
      const line = sh("ctr", [...CTR, "images", "ls", `name==${REGISTRY}/${PREFIX}/${img.name}:${img.tag}`]).out.trim().split("\n")[1] ?? "";
      const digest = line.split(/\s+/)[2] ?? "";
      const content = sh("ctr", [...CTR, "content", "get", digest]).out;
      const config = (() => { try { return (JSON.parse(content) as { config?: { digest?: string } }).config?.digest; } catch { return undefined; } })();
      const p = pushed.get(img.name);
      if (config && config === p?.id && digest === p.digest) same++;
      check(`containerd on the node: ${img.name}`, !!config && config === p?.id && digest === p.digest, `manifest ${digest.slice(0, 19)}…, config ${config?.slice(0, 19)}… ${config === p?.id ? "=" : "≠"} Docker's image ID`);
    }
    pulledCount = Math.min(same, pulled.size);
    const regLog = sh("docker", ["logs", "--since", since, "bigdata-labs-registry"]).err + sh("docker", ["logs", "--since", since, "bigdata-labs-registry"]).out;
    // containerd resolves each tag at the registry (HEAD or GET of the manifest), then fetches the
    // blobs it lacks; layers already unpacked on the node (same diff IDs) are not fetched again.
    const resolved = images.filter((i) => new RegExp(`"(HEAD|GET) /v2/${PREFIX}/${i.name}/manifests/${i.tag.replace(/\./g, "\\.")} HTTP/1\\.1" 200[^\\n]*containerd`).test(regLog));
    const blobs = [...regLog.matchAll(new RegExp(`"GET /v2/${PREFIX}/[a-z]+/blobs/[^ ]+ HTTP/1\\.1" 200 (\\d+)[^\\n]*containerd`, "g"))];
    const blobBytes = blobs.reduce((a, m) => a + Number(m[1]), 0);
    check("registry access log: the node resolved every tag there", resolved.length === images.length, `${resolved.map((i) => i.name).join(", ") || "none"} resolved by containerd; ${blobs.length} blobs, ${(blobBytes / 1e6).toFixed(0)} MB served to it since the up started`);
    if (up) {
      const plan = planModuleLab(1, "kubernetes", KUBE_LAB);
      for (const p of labProbes(plan)) {
        const w = plan.specs.flatMap((s) => s.workloads).find((x) => x.name === p.workload)!;
        const r = await kubeExec(kube, KUBE_LAB, w, p.command, 300);
        check(`probe ${p.service} (${p.what})`, r.ok, `${r.line} [${r.seconds.toFixed(1)} s]`);
      }
    }
  } catch (err) {
    check("inspect the lab", false, firstLine(String((err as Error).message)));
  }
  log(`registry: ${pulledCount} images pulled from the local registry`);
  const d0 = Date.now();
  try {
    await stack.destroy();
    check("destroy", true, `${((Date.now() - d0) / 1000).toFixed(1)} s`);
  } catch (err) {
    check("destroy", false, firstLine(String((err as Error).message)));
  }
  const left = await waitKubeClean(kube, KUBE_LAB, 180);
  const clean = !left.namespace && left.pvcs.length === 0 && left.pvs.length === 0;
  check("nothing left", clean, clean ? `namespace ${KUBE_LAB}, its PVCs and PVs are gone` : JSON.stringify(left));
  if (clean) await stack.workspace.removeStack(stack.name);
}

async function bundleRoundTrip(): Promise<void> {
  log(`bundle: module 1's images as ${SCRATCH}/…, saved, untagged, loaded, lab up on Docker`);
  const ids = new Map(images.map((i) => [i.name, dockerId(`bigdata-labs/${i.name}:${i.tag}`)]));
  for (const i of images) sh("docker", ["tag", `bigdata-labs/${i.name}:${i.tag}`, `${SCRATCH}/${i.name}:${i.tag}`]);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "labs-bundle-"));
  const file = path.join(dir, "m1.tar");
  const save = labctl(["images", "save", "--module", "1", "--registry", SCRATCH, "--out", file], { timeoutSeconds: 3600 });
  const size = fs.existsSync(file) ? fs.statSync(file).size : 0;
  check("images save", save.code === 0 && size > 0, `exit ${save.code} in ${save.seconds.toFixed(1)} s, ${(size / 1e9).toFixed(2)} GB${save.code ? `: ${firstLine(save.err)}` : ""}`);
  const rmi = sh("docker", ["rmi", ...images.map((i) => `${SCRATCH}/${i.name}:${i.tag}`)]);
  const gone = images.every((i) => dockerId(`${SCRATCH}/${i.name}:${i.tag}`) === "");
  check("scratch tags removed from Docker", rmi.code === 0 && gone, `${rmi.out.trim().split("\n").length} lines from docker rmi`);
  const load = labctl(["images", "load", file], { timeoutSeconds: 3600 });
  for (const l of load.out.trim().split("\n")) log(`  ${l}`);
  const back = images.every((i) => dockerId(`${SCRATCH}/${i.name}:${i.tag}`) === ids.get(i.name));
  check("images load: same IDs back", load.code === 0 && back, `exit ${load.code} in ${load.seconds.toFixed(1)} s${load.code ? `: ${firstLine(load.err)}` : ""}`);
  const busy = sh("ss", ["-Hltn", "sport >= :31000 and sport <= :31049"]).out.trim();
  let labUp = false;
  if (check("ports 31000-31049 free", busy === "", busy || "none in use")) {
    const plan = planModuleLab(1, "docker", DOCKER_LAB);
    const stack = await openLabStack({ module: 1, target: "docker", stackName: DOCKER_LAB, config: { name: DOCKER_LAB, hostPortBase: 31000, images: { registry: SCRATCH } } });
    const t0 = Date.now();
    try {
      await stack.up({ onEvent: (e) => e.diagnosticEvent?.severity === "error" && log(`  pulumi: ${firstLine(e.diagnosticEvent.message)}`) });
      labUp = check("lab up from the loaded images", true, `${((Date.now() - t0) / 1000).toFixed(1)} s`);
      const names = sh("docker", ["ps", "-q", "--filter", `label=io.bigdata-labs.lab=${DOCKER_LAB}`]).out.trim().split("\n").filter(Boolean);
      const used = names.length ? sh("docker", ["inspect", "--format", "{{.Config.Image}} {{.Image}}", ...names]).out.trim().split("\n") : [];
      const loadedIds = new Set(ids.values());
      // The renderer may create containers from the image ID it resolved the ref to: then the
      // stack's state must name the loaded refs, and no bigdata-labs/… ref.
      const state = JSON.stringify((await stack.exportStack()).deployment);
      const named = images.every((i) => state.includes(`${SCRATCH}/${i.name}:${i.tag}`)) && !images.some((i) => state.includes(`"bigdata-labs/${i.name}:${i.tag}"`));
      const ok = used.length > 0 && named && used.every((u) => { const [ref = "", id = ""] = u.split(" "); return loadedIds.has(id) && (ref.startsWith(`${SCRATCH}/`) || ref === id); });
      check("containers run the loaded images", ok, `${used.length} containers on ${[...new Set(used.map((u) => u.split(" ")[1]?.slice(0, 19)))].join(", ")}…; the stack ${named ? "names" : "does NOT name"} ${SCRATCH}/… refs only`);
      for (const p of labProbes(plan)) {
        const w = plan.specs.flatMap((s) => s.workloads).find((x) => x.name === p.workload)!;
        const r = await dockerHost.exec(plan, w, p.command);
        check(`probe ${p.service} (${p.what})`, r.ok, `${r.line} [${r.seconds.toFixed(1)} s]`);
      }
    } catch (err) {
      check("lab up from the loaded images", false, String((err as Error).message).split("\n").filter((l) => /error/i.test(l)).slice(0, 3).join(" | "));
    }
    try {
      await stack.destroy();
    } catch (err) {
      check("destroy", false, firstLine(String((err as Error).message)));
    }
    const left = await dockerHost.leftovers(plan);
    check("nothing left", left === "", left || `0 containers, volumes, networks labelled ${DOCKER_LAB}`);
    if (left === "") await stack.workspace.removeStack(stack.name);
  }
  log(`bundle: saved ${save.code === 0 ? images.length : 0} images, ${back ? "loaded" : "NOT loaded"}, lab ${labUp ? "up" : "NOT up"}`);
  sh("docker", ["rmi", ...images.map((i) => `${SCRATCH}/${i.name}:${i.tag}`)]);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** What an earlier run pushed, read back from the registry (for `--parts kube`). */
async function pushedInRegistry(): Promise<Map<string, { digest: string; id: string }>> {
  const pushed = new Map<string, { digest: string; id: string }>();
  for (const img of images) {
    const man = await registryGet(`/v2/${PREFIX}/${img.name}/manifests/${img.tag}`, MANIFEST_TYPES).catch(() => undefined);
    if (man?.status === 200 && man.digest) pushed.set(img.name, { digest: man.digest, id: dockerId(`bigdata-labs/${img.name}:${img.tag}`) });
  }
  return pushed;
}

async function main(): Promise<void> {
  // --parts push,kube,bundle (default all): run a part again without the others.
  const arg = process.argv.slice(2).join("=").replace(/^--parts=/, "");
  const parts = new Set(arg ? arg.split(",") : ["push", "kube", "bundle"]);
  const missing = images.filter((i) => dockerId(`bigdata-labs/${i.name}:${i.tag}`) === "");
  if (missing.length > 0) throw new Error(`module 1's images are not built: npm run images -- --only ${missing.map((i) => i.name).join(",")}`);
  const pushed = parts.has("push") ? await registryAndPush() : await pushedInRegistry();
  if (parts.has("kube")) {
    if (pushed.size === images.length) await kubeLabFromRegistry(pushed);
    else check("module 1's images in the registry", false, `${pushed.size} of ${images.length}: run with --parts push first`);
  }
  if (parts.has("bundle")) await bundleRoundTrip();
  tally.finish();
}

main().catch((err) => {
  process.stderr.write(`e2e registry: ${(err as Error).message}\n`);
  tally.failed++;
  tally.finish();
  process.exitCode = 1;
});
