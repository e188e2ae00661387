import * as net from "net";
import { describe, expect, it } from "vitest";
import { dockerIsLocal, hostPortClash, plannedHostPorts, PortHolder, portBindable, publishedHostPorts } from "../cli/docker-ports";
import { planModuleLab } from "../cli/lab-args";

const plan1 = planModuleLab(1, "docker");
const held = (entries: [number, PortHolder][]) => Promise.resolve(new Map(entries));
const allFree = async () => true;

describe("host ports a Docker lab publishes", () => {
  it("lists each published port with the container and port name that publish it", () => {
    const ports = plannedHostPorts(plan1);
    expect(ports).toContainEqual({ port: 30000, container: "bigdata-m1-workspace", name: expect.any(String) });
    expect(ports.map((p) => p.port)).toContain(30040);
    expect(ports.every((p) => p.container.startsWith("bigdata-m1-"))).toBe(true);
    expect(new Set(ports.map((p) => p.port)).size).toBe(ports.length);
  });

  it("reads docker ps's Ports column: addresses that collide with 127.0.0.1, ranges, no exposed-only ports", () => {
    expect(publishedHostPorts("127.0.0.1:30000->8888/tcp, 127.0.0.1:30001->8080/tcp")).toEqual([30000, 30001]);
    expect(publishedHostPorts("0.0.0.0:30010-30012->9092-9094/tcp, :::30010-30012->9092-9094/tcp")).toEqual([30010, 30011, 30012, 30010, 30011, 30012]);
    expect(publishedHostPorts("[::]:8080->80/tcp")).toEqual([8080]);
    expect(publishedHostPorts("192.168.1.5:30000->8888/tcp")).toEqual([]);
    expect(publishedHostPorts("8888/tcp, 9000/tcp")).toEqual([]);
    expect(publishedHostPorts("0.0.0.0:30000->53/udp, 127.0.0.1:30001->8080/tcp")).toEqual([30001]);
    expect(publishedHostPorts("")).toEqual([]);
  });
});

describe("a taken host port, before `up` creates anything", () => {
  it("names another module's lab and the labctl command that frees its ports", async () => {
    const line = await hostPortClash(plan1, held([[30000, { container: "bigdata-m3-workspace", lab: "bigdata-m3", module: "3" }]]), allFree, true);
    expect(line).toBe("port 127.0.0.1:30000 (bigdata-m1-workspace, " + plannedHostPorts(plan1).find((p) => p.port === 30000)!.name + ") is taken by container bigdata-m3-workspace of lab bigdata-m3: run labctl down 3 first (every module's lab uses the same ports)");
  });

  it("treats the lab's own containers (a second up) as its own, and asks nothing else of them", async () => {
    const own = plannedHostPorts(plan1).map((p): [number, PortHolder] => [p.port, { container: p.container, lab: "bigdata-m1", module: "1" }]);
    const asked: number[] = [];
    const line = await hostPortClash(plan1, held(own), async (p) => (asked.push(p), false), true);
    expect(line).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it("names a lab labctl did not make, and any other container, with their own fixes", async () => {
    const other = await hostPortClash(plan1, held([[30020, { container: "class-a-minio", lab: "class-a", module: "1" }]]), allFree, true);
    expect(other).toMatch(/^port 127\.0\.0\.1:30020 \(bigdata-m1-minio, \w+\) is taken by container class-a-minio of lab class-a: take that lab down first/);
    const plain = await hostPortClash(plan1, held([[30040, { container: "my-redis" }]]), allFree, true);
    expect(plain).toMatch(/is taken by container my-redis: stop it \(docker stop my-redis\) or set lab:hostPortBase/);
  });

  it("finds a port another program listens on by binding it, only when Docker publishes on this machine", async () => {
    const busy = async (p: number) => p !== 30041;
    expect(await hostPortClash(plan1, held([]), busy, true)).toMatch(/^port 127\.0\.0\.1:30041 \(bigdata-m1-dask-scheduler, \w+\) is in use by another program on this machine: stop it, or set lab:hostPortBase/);
    expect(await hostPortClash(plan1, held([]), busy, false)).toBeUndefined();
    expect(await hostPortClash(plan1, held([]), allFree, true)).toBeUndefined();
  });

  it("checks nothing without Docker's listing: the lab's own ports could not be told apart", async () => {
    const asked: number[] = [];
    expect(await hostPortClash(plan1, Promise.resolve(undefined), async (p) => (asked.push(p), false), true)).toBeUndefined();
    expect(asked).toEqual([]);
  });

  it("binds for real: a listening port is not bindable, a closed one is", async () => {
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as net.AddressInfo).port;
    expect(await portBindable(port)).toBe(false);
    await new Promise((r) => server.close(r));
    expect(await portBindable(port)).toBe(true);
  });

  it("takes Docker as local without DOCKER_HOST or with a unix socket and no other context, remote otherwise", () => {
    expect(dockerIsLocal({})).toBe(true);
    expect(dockerIsLocal({ DOCKER_HOST: "unix:///var/run/docker.sock" })).toBe(true);
    expect(dockerIsLocal({ DOCKER_HOST: "tcp://10.0.0.5:2376" })).toBe(false);
    expect(dockerIsLocal({ DOCKER_HOST: "ssh://me@box" })).toBe(false);
    expect(dockerIsLocal({ DOCKER_CONTEXT: "default" })).toBe(true);
    expect(dockerIsLocal({ DOCKER_CONTEXT: "remote-box" })).toBe(false);
  });
});
