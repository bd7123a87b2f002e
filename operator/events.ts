// Kubernetes Events for significant transitions of an object, as kubectl describe shows them.
import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { micro } from './leader.ts';

export interface EventRecorder {
  record(
    obj: k8s.KubernetesObject,
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): Promise<void>;
}

export function eventRecorder(
  kc: k8s.KubeConfig,
  controller: string,
  instance: string,
  log: Logger,
): EventRecorder {
  // Plain JSON: the typed client serialises eventTime (a MicroTime) without the microseconds the server wants.
  const events = kc.makeApiClient(k8s.CustomObjectsApi);
  return {
    async record(obj, type, reason, message) {
      const m = obj.metadata ?? {};
      const namespace = m.namespace ?? 'default';
      try {
        await events.createNamespacedCustomObject({
          group: 'events.k8s.io',
          version: 'v1',
          plural: 'events',
          namespace,
          body: {
            apiVersion: 'events.k8s.io/v1',
            kind: 'Event',
            metadata: { generateName: `${m.name}-`, namespace },
            eventTime: micro(new Date()),
            type,
            reason,
            note: message.slice(0, 1024),
            action: reason,
            reportingController: `omnicloud.io/${controller}`,
            reportingInstance: instance.slice(0, 128),
            regarding: {
              apiVersion: obj.apiVersion,
              kind: obj.kind,
              name: m.name,
              namespace: m.namespace,
              uid: m.uid,
              resourceVersion: m.resourceVersion,
            },
          },
        });
      } catch (err) {
        // An event is a courtesy to the reader; failing to write one must not fail the reconcile.
        log.warn({ err: String(err), reason }, 'could not record event');
      }
    },
  };
}
