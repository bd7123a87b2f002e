// Severities: functional by default, kinds' rules by longest pattern, and the two built-in rules (world-open
// ingress is critical; anything else under securityGroups, ingress or egress is security) that rules can
// raise but never lower.
import assert from 'node:assert/strict';
import { compare, type DriftRules } from '../../../../controllers/managed/drift/index.ts';

const severities = (desired: unknown, actual: unknown, rules?: DriftRules) =>
  compare(desired, actual, rules).map((r) => [r.path, r.severity]);

const rule = (ports: string, cidr: string) => ({ protocol: 'tcp', ports, cidr });
const group = (...ingress: object[]) => ({
  securityGroups: [{ name: 'web', ingress, egress: [rule('0-65535', '0.0.0.0/0')] }],
});
const sgRules: DriftRules = {
  unordered: { securityGroups: 'name', 'securityGroups[].ingress': ['protocol', 'cidr'] },
};

describe('unit: drift severity', () => {
  describe('kinds rules', () => {
    it('is functional when no rule speaks', () => {
      assert.deepEqual(severities({ vcpu: 2 }, { vcpu: 4 }), [['vcpu', 'functional']]);
    });
    it('is cosmetic where a cosmetic rule covers the field and all below it', () => {
      const rules: DriftRules = { severity: { labels: 'cosmetic', description: 'cosmetic' } };
      assert.deepEqual(
        severities(
          { labels: { team: 'a' }, description: 'x', vcpu: 2 },
          { labels: { team: 'b', extra: '1' }, description: 'y', vcpu: 4 },
          rules,
        ),
        [
          ['description', 'cosmetic'],
          ['labels.extra', 'cosmetic'],
          ['labels.team', 'cosmetic'],
          ['vcpu', 'functional'],
        ],
      );
    });
    it('takes the longest pattern that covers the path', () => {
      const rules: DriftRules = {
        severity: {
          tags: 'cosmetic',
          'tags.owner': 'functional',
          'disks[]': 'cosmetic',
          'disks[].encrypted': 'security',
        },
      };
      assert.deepEqual(
        severities(
          { tags: { owner: 'a', note: 'x' }, disks: [{ encrypted: true, name: 'a' }] },
          { tags: { owner: 'b', note: 'y' }, disks: [{ encrypted: false, name: 'b' }] },
          rules,
        ),
        [
          ['disks[0].encrypted', 'security'],
          ['disks[0].name', 'cosmetic'],
          ['tags.note', 'cosmetic'],
          ['tags.owner', 'functional'],
        ],
      );
    });
    it('may be a function of the record', () => {
      const rules: DriftRules = {
        severity: { vcpu: (r) => (Number(r.actual) < Number(r.desired) ? 'critical' : 'cosmetic') },
      };
      assert.deepEqual(severities({ vcpu: 4 }, { vcpu: 2 }, rules), [['vcpu', 'critical']]);
      assert.deepEqual(severities({ vcpu: 4 }, { vcpu: 8 }, rules), [['vcpu', 'cosmetic']]);
    });
  });

  describe('built in: security sections', () => {
    it('is security for any change under securityGroups, ingress or egress', () => {
      assert.deepEqual(severities({ securityGroups: [] }, { securityGroups: [{ name: 'x' }] }), [
        ['securityGroups[0]', 'security'],
      ]);
      assert.deepEqual(severities({ lb: { egress: ['a'] } }, { lb: { egress: ['b'] } }), [
        ['lb.egress[0]', 'security'],
      ]);
      assert.deepEqual(
        severities({ ingress: [rule('80', '10.0.0.0/8')] }, { ingress: [rule('81', '10.0.0.0/8')] }),
        [['ingress[0].ports', 'security']],
      );
    });
    it('is not lowered by a kind rule', () => {
      const rules: DriftRules = {
        ...sgRules,
        severity: { 'securityGroups[].ingress[].description': 'cosmetic' },
      };
      const desired = group({ ...rule('22', '10.0.0.0/8'), description: 'ssh' });
      const actual = group({ ...rule('22', '10.0.0.0/8'), description: 'SSH' });
      assert.deepEqual(severities(desired, actual, rules), [
        ['securityGroups[0].ingress[0].description', 'security'],
      ]);
    });
    it('is raised by a kind rule', () => {
      const rules: DriftRules = { severity: { securityGroups: 'critical' } };
      assert.deepEqual(severities({ securityGroups: [] }, { securityGroups: ['x'] }, rules), [
        ['securityGroups[0]', 'critical'],
      ]);
    });
    it('does not reach a field merely named like a section', () => {
      assert.deepEqual(severities({ ingressBandwidth: 1 }, { ingressBandwidth: 2 }), [
        ['ingressBandwidth', 'functional'],
      ]);
    });
  });

  describe('built in: ingress open to the world is critical', () => {
    for (const world of ['0.0.0.0/0', '::/0', '0:0:0:0:0:0:0:0/0']) {
      it(`an added ingress rule from ${world}`, () => {
        const records = compare(
          group(rule('443', '10.0.0.0/8')),
          group(rule('443', '10.0.0.0/8'), rule('22', world)),
          sgRules,
        );
        assert.deepEqual(
          records.map((r) => [r.path, r.type, r.severity]),
          [['securityGroups[0].ingress[1]', 'resource_extra', 'critical']],
        );
      });
    }
    it('a rule whose cidr changed to 0.0.0.0/0', () => {
      const ordered = compare(
        { ingress: [rule('22', '10.0.0.0/8')] },
        { ingress: [rule('22', '0.0.0.0/0')] },
      );
      assert.deepEqual(
        ordered.map((r) => [r.path, r.severity]),
        [['ingress[0].cidr', 'critical']],
      );
    });
    it('a changed port on a rule open to the world', () => {
      const records = compare(group(rule('443', '0.0.0.0/0')), group(rule('22', '0.0.0.0/0')), sgRules);
      assert.deepEqual(
        records.map((r) => [r.path, r.severity]),
        [['securityGroups[0].ingress[0].ports', 'critical']],
      );
    });
    it('a whole security group added with a world-open ingress rule', () => {
      const records = compare(
        { securityGroups: [] },
        { securityGroups: [{ name: 'x', ingress: [rule('22', '::/0')] }] },
      );
      assert.deepEqual(
        records.map((r) => r.severity),
        ['critical'],
      );
    });
    it('a whole ingress list added that lets the world in', () => {
      const records = compare({ sg: {} }, { sg: { ingress: [rule('22', '0.0.0.0/0')] } });
      assert.deepEqual(
        records.map((r) => [r.path, r.severity]),
        [['sg.ingress', 'critical']],
      );
    });
    it('but not a rule closed from the world back to a private range', () => {
      const records = compare(
        { ingress: [rule('22', '0.0.0.0/0')] },
        { ingress: [rule('22', '10.0.0.0/8')] },
      );
      assert.deepEqual(
        records.map((r) => r.severity),
        ['security'],
      );
    });
    it('but not a world-open rule that the outside has removed', () => {
      const records = compare(
        group(rule('443', '10.0.0.0/8'), rule('22', '0.0.0.0/0')),
        group(rule('443', '10.0.0.0/8')),
        sgRules,
      );
      assert.deepEqual(
        records.map((r) => [r.type, r.severity]),
        [['resource_missing', 'security']],
      );
    });
    it('but not egress to the world, which is security', () => {
      const records = compare({ egress: [] }, { egress: [rule('443', '0.0.0.0/0')] });
      assert.deepEqual(
        records.map((r) => r.severity),
        ['security'],
      );
    });
    it('but not an ingress rule from a narrower block of 0.0.0.0', () => {
      const records = compare({ ingress: [] }, { ingress: [rule('22', '0.0.0.0/8')] });
      assert.deepEqual(
        records.map((r) => r.severity),
        ['security'],
      );
    });
  });
});
