// The region check at admission: refused when the provider does not offer it, skipped when it cannot say.
import assert from 'node:assert/strict';
import { validate } from '../../../webhooks/admission.ts';
import { cachedRegions, regionProblem } from '../../../webhooks/regions.ts';

const review = (kind: string, spec: object) => ({
  apiVersion: 'admission.k8s.io/v1',
  kind: 'AdmissionReview',
  request: {
    uid: 'u1',
    kind: { group: 'omnicloud.io', version: 'v1alpha1', kind },
    resource: { group: 'omnicloud.io', version: 'v1alpha1', resource: `${kind.toLowerCase()}s` },
    operation: 'CREATE',
    namespace: 'tenant-a',
    userInfo: { username: 'alice' },
    object: {
      apiVersion: 'omnicloud.io/v1alpha1',
      kind,
      metadata: { name: 'x', namespace: 'tenant-a' },
      spec,
    },
  },
});

describe('region offered by the provider', () => {
  it('names the region and what is offered', () => {
    assert.equal(regionProblem('eu-west-1', ['eu-west-1', 'us-east-1']), undefined);
    assert.deepEqual(regionProblem('mars-1', ['us-east-1', 'eu-west-1']), {
      field: 'spec.region',
      message: 'region mars-1 is not offered by the cloud provider; offered: eu-west-1, us-east-1',
    });
  });

  it('asks the provider at most once a minute, and keeps the last answer while it cannot be asked', async () => {
    let t = 0;
    let calls = 0;
    let fail = false;
    const regions = cachedRegions(
      async () => {
        calls++;
        if (fail) throw new Error('down');
        return ['eu-west-1'];
      },
      60_000,
      () => t,
    );
    assert.deepEqual(await regions(), ['eu-west-1']);
    t = 59_999;
    await regions();
    assert.equal(calls, 1);
    t = 60_000;
    fail = true;
    assert.deepEqual(await regions(), ['eu-west-1']);
    assert.equal(calls, 2);
    const never = cachedRegions(async () => Promise.reject(new Error('down')));
    assert.equal(await never(), undefined);
  });

  it('refuses a Volume in an unknown region at admission, and skips the check when the provider cannot say', async () => {
    const spec = { region: 'mars-1', zone: 'mars-1a', sizeGiB: 10, type: 'ssd' };
    const lookup = (offered: string[] | undefined) => ({
      tenant: async () => undefined,
      regions: async () => offered,
      computes: async () => new Map(),
      networks: async () => [],
      volumes: async () => new Map(),
    });
    const refused = await validate(review('Volume', spec), lookup(['eu-west-1', 'us-east-1']));
    assert.equal(refused.response.allowed, false);
    assert.match(refused.response.status?.message ?? '', /spec\.region: region mars-1 is not offered/);
    assert.equal((await validate(review('Volume', spec), lookup(undefined))).response.allowed, true);
  });
});
