// What Compute, Volume and Network admission says of the fields and annotations every managed kind shares:
// managementPolicy, deletionPolicy and driftPolicy in the CRD's words, the external-name and approve-plan
// annotations (which no CEL rule can read), and an external name that may not point elsewhere once the status
// records an outside resource. The controllers judge the same annotations through the same rules.
import assert from 'node:assert/strict';
import { networkSpecProblems } from '../../../controllers/network/spec-check.ts';
import { volumeSpecProblems } from '../../../controllers/volume/spec-check.ts';
import { validate } from '../../../webhooks/admission.ts';
import { validateCompute } from '../../../webhooks/compute.ts';
import { approvePlanProblem, externalNameProblem } from '../../../webhooks/managed.ts';
import { validateNetwork } from '../../../webhooks/network.ts';
import type { Problem } from '../../../webhooks/review.ts';
import { validateVolume } from '../../../webhooks/volume.ts';

type Obj = {
  kind: string;
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  spec: Record<string, unknown>;
  status?: object;
};

const specs: Record<string, Record<string, unknown>> = {
  Compute: { region: 'eu-west-1', size: 'small', image: 'debian-12', network: 'net', subnet: 'a' },
  Volume: { region: 'eu-west-1', zone: 'eu-west-1a', sizeGiB: 100 },
  Network: {
    region: 'eu-west-1',
    prefixLength: 16,
    subnets: [{ name: 'a', zone: 'eu-west-1a', prefixLength: 24 }],
  },
};
const validators: Record<string, (op: string, o: Obj, old?: Obj) => Problem[]> = {
  Compute: validateCompute,
  Volume: validateVolume,
  Network: validateNetwork,
};

const obj = (
  kind: string,
  spec: object = {},
  annotations?: Record<string, string>,
  status?: object,
): Obj => ({
  kind,
  metadata: { name: 'x', namespace: 'tenant-a', ...(annotations ? { annotations } : {}) },
  spec: { ...specs[kind], ...spec },
  ...(status ? { status } : {}),
});
const said = (problems: Problem[]) => problems.map((p) => `${p.field}: ${p.message}`).join('\n');

const externalName = 'omnicloud.io/external-name';
const approvePlan = 'omnicloud.io/approve-plan';
const hash16 = '0123456789abcdef';

function review(kind: string, object: unknown, oldObject?: unknown) {
  return {
    apiVersion: 'admission.k8s.io/v1',
    kind: 'AdmissionReview',
    request: {
      uid: 'u-1',
      kind: { group: 'omnicloud.io', version: 'v1alpha1', kind },
      operation: oldObject === undefined ? 'CREATE' : 'UPDATE',
      object,
      oldObject,
    },
  };
}
const answer = async (kind: string, object: unknown, oldObject?: unknown) =>
  (await validate(review(kind, object, oldObject))).response;

describe('unit: external names and plan hashes', () => {
  it('takes a provider id of 1 to 253 characters without whitespace or control characters', () => {
    for (const id of [
      'i-0a1b2c3d4e5f',
      'vpc-1',
      'x',
      'a'.repeat(253),
      'arn:aws:ec2:eu-west-1:1:vol/v-1',
      'ü'.repeat(253),
    ])
      assert.equal(externalNameProblem(id), undefined, id);
  });

  const badNames: [string, string, RegExp][] = [
    ['empty', '', /^is empty; it must be the provider's id of the outside resource/],
    ['254 characters', 'a'.repeat(254), /^has 254 characters; .*1 to 253 characters/],
    ['a space', 'i-0a1b 2c3d', /^has whitespace or a control character at character 7; /],
    ['a leading tab', '\ti-1', /at character 1; /],
    ['a trailing newline', 'i-1\n', /at character 4; /],
    ['a NUL', 'i-\u00001', /at character 3; /],
    ['a DEL', 'i-1\u007f', /at character 4; /],
    ['a no-break space', 'i-\u00a01', /at character 3; /],
  ];
  for (const [what, id, expected] of badNames) {
    it(`refuses an external name with ${what}`, () => {
      const problem = externalNameProblem(id);
      assert.ok(problem);
      assert.match(problem, expected);
      assert.match(problem, /none of them whitespace or control characters$/);
    });
  }

  it('takes 16 to 64 lower-case hexadecimal digits as a plan hash, and nothing else', () => {
    for (const h of [hash16, 'f'.repeat(64), 'a'.repeat(40)])
      assert.equal(approvePlanProblem(h), undefined, h);
    for (const h of [
      '',
      '0123456789abcde',
      'f'.repeat(65),
      '0123456789ABCDEF',
      `${hash16}g`,
      ` ${hash16}`,
      'yes',
    ])
      assert.match(
        approvePlanProblem(h) ?? '',
        /^must be the hash of the plan to approve, as status\.drift\.plan\.hash shows it: 16 to 64 lower-case hexadecimal digits \(0-9, a-f\)$/,
        JSON.stringify(h),
      );
  });
});

for (const kind of ['Compute', 'Volume', 'Network']) {
  const check = validators[kind]!;
  describe(`unit: ${kind} admission of management, deletion and drift policies`, () => {
    it('takes the policies left out, set, and ObserveOnly beside deletionPolicy Delete', () => {
      assert.deepEqual(check('CREATE', obj(kind)), []);
      const policies = {
        managementPolicy: 'ObserveOnly',
        deletionPolicy: 'Delete',
        driftPolicy: {
          default: 'alert',
          overrides: [
            { path: 'powerState', action: 'revert' },
            { path: 'securityGroups[0].ingress', action: 'accept' },
            { path: 'tags[cost-center]', action: 'alert' },
          ],
        },
      };
      assert.deepEqual(check('CREATE', obj(kind, policies)), []);
    });

    it('takes any change of the policies: a resource is taken over or let go by changing them', () => {
      const observed = obj(kind, { managementPolicy: 'ObserveOnly', deletionPolicy: 'Orphan' });
      for (const to of [
        { managementPolicy: 'Full' },
        { managementPolicy: 'NoDelete', deletionPolicy: 'Delete' },
        { managementPolicy: 'NoUpdate', driftPolicy: { default: 'accept' } },
      ])
        assert.deepEqual(check('UPDATE', obj(kind, to), observed), [], JSON.stringify(to));
    });

    const refusals: [string, object, RegExp][] = [
      ['an unknown managementPolicy', { managementPolicy: 'Observe' }, /^spec\.managementPolicy: /],
      ['an unknown deletionPolicy', { deletionPolicy: 'Retain' }, /^spec\.deletionPolicy: /],
      [
        'an unknown default drift action',
        { driftPolicy: { default: 'ignore' } },
        /^spec\.driftPolicy\.default: /,
      ],
      [
        'an unknown override action',
        { driftPolicy: { overrides: [{ path: 'powerState', action: 'fix' }] } },
        /^spec\.driftPolicy\.overrides\[0\]\.action: /,
      ],
      [
        'an override path with a space',
        { driftPolicy: { overrides: [{ path: 'tags[cost center]', action: 'alert' }] } },
        /^spec\.driftPolicy\.overrides\[0\]\.path: must be a field path such as powerState or securityGroups\[0\]\.ingress: field names joined by dots, with \[index\] or \[name\] after a list$/,
      ],
      [
        'an override path beginning with a dot',
        { driftPolicy: { overrides: [{ path: '.powerState', action: 'alert' }] } },
        /^spec\.driftPolicy\.overrides\[0\]\.path: must be a field path/,
      ],
      [
        'an override path with a non-ASCII name in brackets',
        { driftPolicy: { overrides: [{ path: 'tags[é]', action: 'alert' }] } },
        /^spec\.driftPolicy\.overrides\[0\]\.path: must be a field path/,
      ],
      [
        'an override path listed twice',
        {
          driftPolicy: {
            overrides: [
              { path: 'powerState', action: 'revert' },
              { path: 'tags', action: 'alert' },
              { path: 'powerState', action: 'accept' },
            ],
          },
        },
        /^spec\.driftPolicy\.overrides\[2\]\.path: powerState is listed twice$/,
      ],
      [
        '33 overrides',
        {
          driftPolicy: {
            overrides: Array.from({ length: 33 }, (_, i) => ({ path: `tags[k${i}]`, action: 'alert' })),
          },
        },
        /^spec\.driftPolicy\.overrides: /,
      ],
    ];
    for (const [what, spec, expected] of refusals) {
      it(`refuses ${what}, naming the field`, () => {
        const problems = check('CREATE', obj(kind, spec));
        assert.equal(problems.length, 1, said(problems));
        assert.match(said(problems), expected);
      });
    }
  });

  describe(`unit: ${kind} admission of the external-name and approve-plan annotations`, () => {
    it('takes a provider id and a plan hash', () => {
      assert.deepEqual(
        check('CREATE', obj(kind, {}, { [externalName]: 'i-0a1b2c3d', [approvePlan]: hash16 })),
        [],
      );
    });

    it('refuses an external name that is no provider id, and a plan approval that is no hash, naming each', () => {
      const problems = check('CREATE', obj(kind, {}, { [externalName]: 'my vm', [approvePlan]: 'yes' }));
      assert.deepEqual(
        problems.map((p) => p.field),
        [
          'metadata.annotations[omnicloud.io/external-name]',
          'metadata.annotations[omnicloud.io/approve-plan]',
        ],
      );
      assert.match(said(problems), /external-name\]: has whitespace or a control character at character 3; /);
      assert.match(said(problems), /approve-plan\]: must be the hash of the plan to approve/);
    });

    it('names the annotations beside a spec the schema refuses', () => {
      const problems = check('CREATE', obj(kind, { managementPolicy: 'All' }, { [externalName]: '' }));
      assert.deepEqual(
        problems.map((p) => p.field),
        ['spec.managementPolicy', 'metadata.annotations[omnicloud.io/external-name]'],
      );
    });

    const recorded = { providerId: 'i-1' };
    it('refuses pointing an object whose status records an outside resource at another, saying how to re-bind', () => {
      const old = obj(kind, {}, { [externalName]: 'i-1' }, recorded);
      assert.equal(
        said(check('UPDATE', obj(kind, {}, { [externalName]: 'i-2' }, recorded), old)),
        `metadata.annotations[omnicloud.io/external-name]: cannot change from i-1 to i-2: this ${kind} is bound to the outside resource i-1; to bind another, set spec.deletionPolicy: Orphan, delete the ${kind} (i-1 stays) and create it again with the new omnicloud.io/external-name`,
      );
      // Created by OmniCloud, with no annotation yet: the recorded id is what it is bound to.
      const created = obj(kind, {}, undefined, recorded);
      assert.match(
        said(check('UPDATE', obj(kind, {}, { [externalName]: 'i-2' }, recorded), created)),
        /cannot change from i-1 to i-2/,
      );
      assert.deepEqual(check('UPDATE', obj(kind, {}, { [externalName]: 'i-1' }, recorded), created), []);
    });

    it('takes the same name again, its removal, and any change while nothing is recorded', () => {
      const old = obj(kind, {}, { [externalName]: 'i-1' }, recorded);
      assert.deepEqual(
        check('UPDATE', obj(kind, { managementPolicy: 'Full' }, { [externalName]: 'i-1' }, recorded), old),
        [],
      );
      assert.deepEqual(check('UPDATE', obj(kind, {}, {}, recorded), old), []);
      const typo = obj(kind, { managementPolicy: 'ObserveOnly' }, { [externalName]: 'i-l' });
      const fixed = obj(kind, { managementPolicy: 'ObserveOnly' }, { [externalName]: 'i-1' });
      assert.deepEqual(check('UPDATE', fixed, typo), []);
    });

    it('judges an annotation only when it is set or changed, so an object annotated before the rules stays manageable', () => {
      const older = obj(kind, {}, { [externalName]: 'my vm', [approvePlan]: 'yes' });
      assert.deepEqual(
        check('UPDATE', obj(kind, { managementPolicy: 'NoDelete' }, older.metadata.annotations), older),
        [],
      );
      assert.match(
        said(check('UPDATE', obj(kind, {}, { [externalName]: 'my vm', [approvePlan]: 'no' }), older)),
        /^metadata\.annotations\[omnicloud\.io\/approve-plan\]: must be/,
      );
    });
  });

  describe(`unit: ${kind} admission of an update that changes only annotations`, () => {
    const recorded = { providerId: 'i-1' };
    const old = obj(kind, {}, { [externalName]: 'i-1' }, recorded);

    it('refuses a new external name for a recorded resource, and a malformed plan approval', async () => {
      const moved = await answer(kind, obj(kind, {}, { [externalName]: 'i-2' }, recorded), old);
      assert.equal(moved.allowed, false);
      assert.match(
        moved.status!.message,
        /^metadata\.annotations\[omnicloud\.io\/external-name\]: cannot change from i-1 to i-2/,
      );
      const approval = await answer(
        kind,
        obj(kind, {}, { [externalName]: 'i-1', [approvePlan]: 'ok' }, recorded),
        old,
      );
      assert.equal(approval.allowed, false);
      assert.match(
        approval.status!.message,
        /^metadata\.annotations\[omnicloud\.io\/approve-plan\]: must be/,
      );
    });

    it('takes a plan approval by its hash, and labels on an object annotated before the rules', async () => {
      const approved = obj(kind, {}, { [externalName]: 'i-1', [approvePlan]: hash16 }, recorded);
      assert.equal((await answer(kind, approved, old)).allowed, true);
      const older = obj(kind, {}, { [externalName]: '' });
      const labelled = { ...older, metadata: { ...older.metadata, labels: { team: 'a' } } };
      assert.equal((await answer(kind, labelled, older)).allowed, true);
    });
  });
}

describe('unit: the controllers judge the annotations as admission does', () => {
  const annotated = (kind: string) => obj(kind, {}, { [externalName]: 'i 1' });
  it('the Volume controller names a malformed external name', () => {
    assert.match(
      said(volumeSpecProblems(annotated('Volume'))),
      /^metadata\.annotations\[omnicloud\.io\/external-name\]: /,
    );
  });
  it('the Network controller names a malformed external name', () => {
    assert.match(
      said(networkSpecProblems(annotated('Network'))),
      /^metadata\.annotations\[omnicloud\.io\/external-name\]: /,
    );
  });
});
