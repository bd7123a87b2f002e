// Kafka for the local stack: one KRaft node (broker and controller) from Maven Central jars, fetched once into
// the cache by Maven. Topics are never created implicitly (auto.create.topics.enable=false).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import type { Component, ComponentStatus } from '../component.ts';
import { cacheDir, host, ports, stateDir, versions } from '../config.ts';
import { execFileAsync, startDaemon, stopDaemon, waitUntil, step } from '../process.ts';

const home = path.join(cacheDir, `kafka-${versions.kafka}`);
const libs = path.join(home, 'libs');
const dataDir = path.join(stateDir, 'kafka');
const logDirs = path.join(dataDir, 'data');
const propsFile = path.join(dataDir, 'server.properties');
const address = `${host}:${ports.kafka}`;

function pom(): string {
  const dep = (g: string, a: string, v: string): string =>
    `<dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`;
  return `<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>io.omnicloud.local</groupId><artifactId>kafka-runtime</artifactId><version>1</version><packaging>pom</packaging>
<dependencies>
${dep('org.apache.kafka', 'kafka_2.13', versions.kafka)}
${dep('org.apache.kafka', 'kafka-tools', versions.kafka)}
${dep('org.slf4j', 'slf4j-simple', '1.7.36')}
</dependencies></project>\n`;
}

async function fetchJars(): Promise<void> {
  if (fs.existsSync(path.join(libs, `kafka_2.13-${versions.kafka}.jar`))) return;
  step(`fetching Kafka ${versions.kafka} jars from Maven Central (first time only)`);
  const partial = `${home}.partial`;
  fs.rmSync(partial, { recursive: true, force: true });
  fs.mkdirSync(partial, { recursive: true });
  fs.writeFileSync(path.join(partial, 'pom.xml'), pom());
  try {
    await execFileAsync(
      'mvn',
      [
        '-q',
        '-B',
        'dependency:copy-dependencies',
        `-DoutputDirectory=${path.join(partial, 'libs')}`,
        '-DincludeScope=runtime',
      ],
      { cwd: partial, maxBuffer: 16 * 1024 * 1024 },
    );
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`Maven could not fetch Kafka ${versions.kafka}: ${e.stdout || e.stderr || e.message}`, {
      cause: err,
    });
  }
  fs.rmSync(home, { recursive: true, force: true });
  fs.renameSync(partial, home);
}

function properties(): string {
  return [
    'node.id=1',
    'process.roles=broker,controller',
    `listeners=PLAINTEXT://${address},CONTROLLER://${host}:${ports.kafkaController}`,
    `advertised.listeners=PLAINTEXT://${address}`,
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    `controller.quorum.voters=1@${host}:${ports.kafkaController}`,
    `log.dirs=${logDirs}`,
    'auto.create.topics.enable=false',
    'num.partitions=1',
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    '',
  ].join('\n');
}

function java(mainClass: string, args: string[], heap = '512m'): { command: string; args: string[] } {
  return {
    command: 'java',
    args: [
      `-Xms128m`,
      `-Xmx${heap}`,
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      '-Dorg.slf4j.simpleLogger.defaultLogLevel=warn',
      '-Dorg.slf4j.simpleLogger.showDateTime=true',
      '-cp',
      `${libs}/*`,
      mainClass,
      ...args,
    ],
  };
}

async function formatStorage(): Promise<void> {
  fs.mkdirSync(dataDir, { recursive: true });
  fs.writeFileSync(propsFile, properties());
  if (fs.existsSync(path.join(logDirs, 'meta.properties'))) return;
  const clusterId = crypto.randomBytes(16).toString('base64url');
  const cmd = java('kafka.tools.StorageTool', ['format', '-t', clusterId, '-c', propsFile], '256m');
  try {
    await execFileAsync(cmd.command, cmd.args);
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`formatting Kafka storage failed: ${e.stderr || e.stdout || e.message}`, { cause: err });
  }
}

/** The broker's answer to a metadata request, or undefined when it does not answer. */
async function describe(): Promise<string | undefined> {
  const kafka = new Kafka({
    clientId: 'omnicloud-stack',
    brokers: [address],
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
    connectionTimeout: 1500,
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.clusterId;
  } catch {
    return undefined;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export const kafkaComponent: Component = {
  name: 'kafka',
  async prepare() {
    await fetchJars();
    await formatStorage();
  },
  async start() {
    if ((await describe()) !== undefined) return;
    step(`starting Kafka ${versions.kafka} (KRaft) on ${address}`);
    const cmd = java('kafka.Kafka', [propsFile]);
    const pid = startDaemon({ name: 'kafka', ...cmd, cwd: dataDir });
    await waitUntil('kafka', async () => (await describe()) !== undefined, 120_000, pid);
  },
  async stop() {
    await stopDaemon('kafka', 30_000);
  },
  async status(): Promise<ComponentStatus> {
    const clusterId = await describe();
    return {
      name: 'kafka',
      version: versions.kafka,
      address,
      answering: clusterId !== undefined,
      detail: clusterId ? `cluster ${clusterId}; auto-create off` : undefined,
    };
  },
};
