// Telling "the S3 server cannot be reached or is failing" from "it answered and refused": the first is
// retried and shown as S3Unavailable, the second is the caller's to explain. A message for status names the
// kind of failure only, never the server's address or an answer's body.
import * as Minio from 'minio';

const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ECONNABORTED',
]);
const serverCodes = new Set(['ServiceUnavailable', 'SlowDown', 'InternalError', 'RequestTimeout']);

function codeOf(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  const cause = (err as { cause?: unknown } | undefined)?.cause;
  return cause && cause !== err ? codeOf(cause) : undefined;
}

export function isS3Unavailable(err: unknown): boolean {
  const code = codeOf(err);
  if (code && (networkCodes.has(code) || serverCodes.has(code))) return true;
  const name = (err as { name?: unknown } | undefined)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') return true;
  return /socket hang up/i.test(String((err as { message?: unknown } | undefined)?.message ?? ''));
}

/** What a failure of the S3 server may say in status: the kind of failure, not its details. */
export function s3FailureMessage(err: unknown): string {
  if (isS3Unavailable(err)) {
    return `the S3 server cannot be reached or is failing (${codeOf(err) ?? 'no answer'}); retrying`;
  }
  if (err instanceof Minio.S3Error && err.code) return `the S3 server refused the request (${err.code})`;
  return 'the S3 request failed; the operator log has the details';
}
