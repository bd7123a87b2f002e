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

/**
 * `work`, or the signal's reason (a TimeoutError) once it fires: the minio client takes no signal, and a
 * request to a server that stopped answering would otherwise hold its caller for ever. The request itself is
 * left to die with its connection.
 */
export function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', abort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', abort);
        resolve(v);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', abort);
        reject(err as Error);
      },
    );
  });
}
