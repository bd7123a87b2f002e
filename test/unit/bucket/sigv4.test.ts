// SigV4 signing of the S3 server's admin API requests, checked against AWS's published S3 example.
import assert from 'node:assert/strict';
import { amzDate, signRequest, uriEncode } from '../../../controllers/bucket/sigv4.ts';

describe('bucket: SigV4 signing', () => {
  it("signs AWS's GET Object example to its published signature", () => {
    const headers = signRequest({
      method: 'GET',
      url: new URL('https://examplebucket.s3.amazonaws.com/test.txt'),
      region: 'us-east-1',
      accessKey: 'AKIAIOSFODNN7EXAMPLE',
      secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      body: '',
      now: new Date('2013-05-24T00:00:00Z'),
      headers: { Range: 'bytes=0-9' },
    });
    assert.equal(
      headers.authorization,
      'AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, ' +
        'SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, ' +
        'Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41',
    );
    assert.equal(
      headers['x-amz-content-sha256'],
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });

  it('encodes as SigV4 wants and dates in its basic format', () => {
    assert.equal(uriEncode("a b!'()*~-_."), 'a%20b%21%27%28%29%2A~-_.');
    assert.equal(amzDate(new Date('2026-12-03T08:09:10.123Z')), '20261203T080910Z');
  });

  it('signs the query in sorted order, so the same request signs the same whatever order it was built in', () => {
    const sign = (url: string) =>
      signRequest({
        method: 'PATCH',
        url: new URL(url),
        region: 'us-east-1',
        accessKey: 'AK',
        secretKey: 'SK',
        body: '',
        now: new Date('2026-01-01T00:00:00Z'),
      }).authorization;
    assert.equal(sign('http://s3:7070/x?b=2&a=1'), sign('http://s3:7070/x?a=1&b=2'));
    assert.notEqual(sign('http://s3:7070/x?a=1'), sign('http://s3:7070/x?a=2'));
  });
});
