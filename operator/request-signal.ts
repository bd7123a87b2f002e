// Per-request cancellation for @kubernetes/client-node. Its generated clients take per-call options whose
// middleware may put an AbortSignal on the request; undici's fetch honours it, so a call over a connection
// that hangs ends when the signal fires instead of whenever the TCP stack gives up.
import * as k8s from '@kubernetes/client-node';

/** Per-call options that abort the request (and the reading of its response) when `signal` fires. */
export function withSignal(signal: AbortSignal): k8s.ConfigurationOptions {
  const attachSignal: k8s.ObservableMiddleware = {
    pre: (request) => {
      request.setSignal(signal);
      return new k8s.Observable(Promise.resolve(request));
    },
    post: (response) => new k8s.Observable(Promise.resolve(response)),
  };
  // Appended, so the client's own middleware (its User-Agent) still runs.
  return { middleware: [attachSignal], middlewareMergeStrategy: 'append' };
}
