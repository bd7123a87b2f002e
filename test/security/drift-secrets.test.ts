// No secret reaches status, events, logs or Kafka through the drift path of the real kinds, against the real
// stack: an instance stopped and opened to the world at the console (found, approved, put back) and a volume
// grown and then deleted at the console (reported, created again) go through detection, plans, remediation and
// their history; every status version, drift_history row, outbox row, Kafka message and Event about them, and
// the operator's log, hold neither the operator's credentials (the database password, the API server client
// key) nor anything shaped like a credential (a private key, a DSN with a password, a JWT). Compute, Volume
// and Network hold no secret field of their own: their drift compares power, size, groups and ranges.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { topics } from '../../controllers/events/cloudevent.ts';
import { postgres } from '../../hack/stack/config.ts';
import { endpoints } from '../../hack/stack/endpoints.ts';
import { condition } from '../support/infra.ts';
import { KafkaTail } from './kafka-tail.ts';
import { ManagedSecurityStack, type ComputeObj, type VolumeObj } from './managed-stack.ts';

const approvePlan = 'omnicloud.io/approve-plan';
const worldSsh = { protocol: 'tcp' as const, ports: '22', cidr: '0.0.0.0/0' };

const credentialShapes: [string, RegExp][] = [
  ['a private key', /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/],
  ['a DSN with a password', /[a-z][a-z0-9+.-]*:\/\/[^\s"/@:]+:[^\s"/@]+@/i],
  ['a JWT', /eyJ[\w-]{8,}\.eyJ[\w-]{8,}\.[\w-]{8,}/],
];

/** The operator's own secrets as literal strings: the database password and its API client key's lines. */
function operatorSecrets(): string[] {
  const kubeconfig = fs.readFileSync(endpoints().kubeconfig, 'utf8');
  const secrets = [postgres.password];
  for (const [, data] of kubeconfig.matchAll(/client-key-data:\s*(\S+)/g)) {
    const pem = Buffer.from(data!, 'base64').toString('utf8');
    secrets.push(data!, ...pem.split('\n').filter((l) => l.length >= 32 && !l.startsWith('-----')));
  }
  for (const [, token] of kubeconfig.matchAll(/token:\s*(\S+)/g)) secrets.push(token!);
  return secrets;
}

function assertNoSecret(where: string, texts: readonly string[], secrets: readonly string[]) {
  for (const text of texts) {
    for (const secret of secrets)
      assert.ok(!text.includes(secret), `${where} holds a secret of the operator: ${text.slice(0, 300)}`);
    for (const [what, shape] of credentialShapes)
      assert.ok(!shape.test(text), `${where} holds ${what}: ${text.slice(0, 300)}`);
  }
}

describe('security: the drift path carries no secret to status, events, logs or Kafka', function () {
  this.timeout(300_000);
  const stack = new ManagedSecurityStack(['driftsec']);
  const [t] = stack.tenants as [ManagedSecurityStack['tenants'][number]];
  const kafka = new KafkaTail([topics.compute, topics.volume]);

  before(async () => {
    await stack.start();
    await kafka.mark();
  });
  after(async () => {
    await stack.close();
  });

  it('tells drift found, approved, put back and created again without a secret anywhere it is told', async () => {
    const secrets = operatorSecrets();
    assert.ok(secrets.length > 1, 'the operator has a password and a client key to look for');

    await t.createCompute('leaky', { securityGroups: ['web'] });
    await t.createVolume('leaky-disk', { sizeGiB: 10 });
    const c = await t.waitCompute(
      'leaky',
      'Running and in sync',
      (o) => condition(o, 'Drifted')?.status === 'False',
    );
    const v = await t.waitVolume(
      'leaky-disk',
      'Available and in sync',
      (o) => condition(o, 'Drifted')?.status === 'False',
    );
    const [instance, volume] = [c.status!.providerId!, v.status!.providerId!];
    const uids = [c.metadata.uid!, v.metadata.uid!];

    await stack.console.setPower(instance, 'stopped');
    await stack.console.addRule(instance, { group: 'web', direction: 'ingress', rule: worldSsh });
    const held = await t.waitCompute(
      'leaky',
      'a plan awaiting approval',
      (o) => o.status?.drift?.plan?.awaitingApproval === true,
    );
    await t.annotate('computes', 'leaky', { [approvePlan]: held.status!.drift!.plan!.hash });
    await t.waitCompute(
      'leaky',
      'put back',
      (o: ComputeObj) => condition(o, 'Drifted')?.status === 'False' && o.status?.phase === 'Running',
      60_000,
    );

    await stack.console.growVolume(volume, 25);
    await t.waitVolume(
      'leaky-disk',
      'the growth reported',
      (o: VolumeObj) => (o.status?.drift?.total ?? 0) > 0,
    );
    await stack.console.deleteVolume(volume);
    await t.waitVolume(
      'leaky-disk',
      'created again',
      (o) =>
        Boolean(o.status?.providerId && o.status.providerId !== volume && o.status.phase === 'Available'),
      120_000,
    );

    const told = await Promise.all(uids.map((uid) => stack.toldOf(uid)));
    const history = told.flatMap((x) => x.history);
    const outbox = told.flatMap((x) => x.outbox);
    const messages = (await kafka.since(uids)).map((m) => m.value);
    const types = messages.map((m) => (JSON.parse(m) as { type: string }).type);
    for (const type of [
      'io.omnicloud.compute.drift-detected',
      'io.omnicloud.compute.remediation-started',
      'io.omnicloud.compute.remediated',
      'io.omnicloud.volume.drift-detected',
    ])
      assert.ok(types.includes(type), `${type} on Kafka: ${types.join(', ')}`);
    assert.ok(
      history.some((h) => h.includes('resource_missing')),
      'the deletion is in the history',
    );

    const statuses = [...t.computes.of('leaky'), ...t.volumes.of('leaky-disk')].map((s) =>
      JSON.stringify(s.obj.status ?? {}),
    );
    const events = (await Promise.all(uids.map((uid) => t.events(uid))))
      .flat()
      .map((e) => `${e.reason}: ${e.note}`);
    assert.ok(
      events.some((e) => e.startsWith('Drifted')),
      events.join('\n'),
    );
    assertNoSecret('a status', statuses, secrets);
    assertNoSecret('drift_history', history, secrets);
    assertNoSecret('the outbox', outbox, secrets);
    assertNoSecret('Kafka', messages, secrets);
    assertNoSecret('an Event', events, secrets);
    assertNoSecret('the operator log', fs.readFileSync(stack.op!.logFile, 'utf8').split('\n'), secrets);
  });
});
