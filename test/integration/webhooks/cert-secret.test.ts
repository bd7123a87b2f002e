// Replicas share one webhook serving certificate through a Secret: concurrent starts agree on one, a restart
// reads it back, and a certificate near expiry is renewed once, by whichever replica gets there first.
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { createServingCertificate } from '../../../webhooks/certs.ts';
import { sharedCertificate } from '../../../webhooks/cert-secret.ts';
import { adminConfig, uniqueName } from '../../support/kube.ts';
import { createNamespace, deleteNamespace } from '../../support/infra.ts';

describe('integration: the webhook certificate shared through a Secret', function () {
  this.timeout(60_000);
  const kc = adminConfig();
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ns = uniqueName('wh-cert');
  const name = 'omnicloud-webhook-tls';
  const dns = ['omnicloud.omnicloud-system.svc'];

  before(() => createNamespace(kc, ns));
  after(() => deleteNamespace(kc, ns));

  it('three replicas starting at once end up with one certificate', async () => {
    const certs = await Promise.all([1, 2, 3].map(() => sharedCertificate(kc, ns, name, dns)));
    assert.equal(new Set(certs.map((c) => c.cert)).size, 1);
    const again = await sharedCertificate(kc, ns, name, dns);
    assert.equal(again.cert, certs[0]!.cert, 'a restart reads the same certificate back');
    const secret = await core.readNamespacedSecret({ name, namespace: ns });
    assert.equal(secret.type, 'kubernetes.io/tls');
  });

  it('renews a certificate near expiry once, and every replica adopts the renewal', async () => {
    const old = await createServingCertificate(dns, [], new Date(Date.now() - 360 * 86_400_000), 365);
    const secret = await core.readNamespacedSecret({ name, namespace: ns });
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await core.replaceNamespacedSecret({
      name,
      namespace: ns,
      body: {
        ...secret,
        data: { 'tls.crt': b64(old.cert), 'tls.key': b64(old.key), 'ca.crt': b64(old.caCert) },
      },
    });
    const renewed = await Promise.all([1, 2].map(() => sharedCertificate(kc, ns, name, dns)));
    assert.equal(renewed[0]!.cert, renewed[1]!.cert);
    assert.notEqual(renewed[0]!.cert, old.cert);
  });
});
