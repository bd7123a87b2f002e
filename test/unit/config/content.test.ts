// A ConfigSet version's content: canonical serialisation with sorted keys, a hash that equal content always
// shares, and the ConfigMap data it becomes.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  canonicalJson,
  configMapBytes,
  configMapData,
  contentHash,
  contentOf,
  desiredKey,
} from '../../../controllers/config/content.ts';
import { unstamped } from '../../../controllers/config/consumers.ts';

describe('config: version content and hash', () => {
  it('serialises with keys sorted at every level, whatever order they were written in', () => {
    assert.equal(canonicalJson({ b: 1, a: { d: [2, 1], c: 'x' } }), '{"a":{"c":"x","d":[2,1]},"b":1}');
  });

  it('hashes equal content equally, written in any order, with lists of subjects in any order', () => {
    const one = contentOf({
      data: { a: '1', b: '2' },
      flags: { f: { enabled: true, rollout: 10, allow: ['y', 'x', 'x'] } },
    });
    const two = contentOf({
      data: { b: '2', a: '1' },
      flags: { f: { allow: ['x', 'y'], rollout: 10, enabled: true } },
    });
    assert.equal(contentHash(one), contentHash(two));
    assert.equal(
      contentHash(one),
      createHash('sha256').update(canonicalJson(one)).digest('hex'),
      'sha256 of the canonical form',
    );
    assert.match(contentHash(one), /^[0-9a-f]{64}$/);
  });

  it('hashes different content differently', () => {
    const base = { data: { a: '1' }, flags: {} };
    assert.notEqual(contentHash(contentOf(base)), contentHash(contentOf({ ...base, data: { a: '2' } })));
    assert.notEqual(
      contentHash(contentOf(base)),
      contentHash(contentOf({ ...base, flags: { f: { enabled: false } } })),
    );
  });

  it('puts the flags as canonical JSON under flags.json beside the data, and counts its bytes', () => {
    const content = contentOf({ data: { 'app.properties': 'x=1' }, flags: { f: { enabled: true } } });
    assert.deepEqual(configMapData(content), {
      'app.properties': 'x=1',
      'flags.json': '{"f":{"enabled":true}}',
    });
    assert.equal(configMapBytes(content), 'app.properties'.length + 3 + 'flags.json'.length + 22);
  });

  it('aims at the content, or at the version rolled back to', () => {
    assert.match(desiredKey({ data: {}, flags: {} }), /^content:[0-9a-f]{64}$/);
    assert.equal(desiredKey({ data: { a: 'b' }, flags: {}, rollbackTo: 3 }), 'rollback:3');
  });
});

describe('config: consumers to stamp', () => {
  const d = (name: string, follows?: string, hash?: string) => ({
    metadata: { name, ...(follows ? { annotations: { 'omnicloud.io/config-set': follows } } : {}) },
    spec: {
      selector: {},
      template: { metadata: hash ? { annotations: { 'omnicloud.io/config-hash': hash } } : {} },
    },
  });

  it('picks the Deployments that follow the ConfigSet and do not carry the hash yet', () => {
    const list = [
      d('new', 'web'),
      d('done', 'web', 'h2'),
      d('old', 'web', 'h1'),
      d('other', 'api'),
      d('none'),
    ];
    assert.deepEqual(
      unstamped(list as never, 'web', 'h2').map((x) => x.metadata?.name),
      ['new', 'old'],
    );
  });
});
