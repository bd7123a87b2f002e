// The shape of every event on the bus: CloudEvents 1.0 attributes plus the tenant, built by a pure function.
import { randomUUID } from 'node:crypto';

export interface CloudEvent<D = Record<string, unknown>> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  subject: string;
  time: string;
  datacontenttype: 'application/json';
  tenant: string;
  data: D;
}

/** One topic per resource kind; the operator creates them (the broker does not auto-create). */
export const topics = {
  compute: 'omnicloud.compute.events',
  network: 'omnicloud.network.events',
  volume: 'omnicloud.volume.events',
  bucket: 'omnicloud.bucket.events',
  secret: 'omnicloud.secret.events',
  config: 'omnicloud.config.events',
  snapshot: 'omnicloud.snapshot.events',
} as const;
export type Topic = (typeof topics)[keyof typeof topics];

/** The kinds whose transitions are events, each with its topic. */
export type ManagedKindName =
  'Compute' | 'Network' | 'Volume' | 'Bucket' | 'ManagedSecret' | 'ConfigSet' | 'DiskSnapshot';

export interface Transition {
  kind: ManagedKindName;
  uid: string;
  namespace: string;
  name: string;
  tenant: string;
  from: string | null;
  to: string;
  /** Facts a consumer needs (region, zone, host, size); never secrets. */
  details?: Record<string, unknown>;
}

export function transitionEvent(t: Transition, now: Date, id: string = randomUUID()): CloudEvent {
  return {
    specversion: '1.0',
    id,
    source: `/apis/omnicloud.io/v1alpha1/namespaces/${t.namespace}/${t.kind.toLowerCase()}s/${t.name}`,
    type: `io.omnicloud.${t.kind.toLowerCase()}.${t.to.toLowerCase()}`,
    subject: t.uid,
    time: now.toISOString(),
    datacontenttype: 'application/json',
    tenant: t.tenant,
    data: {
      kind: t.kind,
      name: t.name,
      namespace: t.namespace,
      from: t.from,
      to: t.to,
      ...(t.details ?? {}),
    },
  };
}

const topicOfKind: Readonly<Record<Transition['kind'], Topic>> = {
  Compute: topics.compute,
  Network: topics.network,
  Volume: topics.volume,
  Bucket: topics.bucket,
  ManagedSecret: topics.secret,
  ConfigSet: topics.config,
  DiskSnapshot: topics.snapshot,
};

export function topicFor(kind: Transition['kind']): Topic {
  return topicOfKind[kind];
}
