// What a kind backed by an outside system gives the managed reconciler: how to read its spec, its recorded row
// (the crash-safe intent record), one step of creation or deletion, how to observe the outside resource, and
// how to put drifted fields back. The reconciler knows nothing else of the kind.
import type * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { Action } from '../../operator/action.ts';
import type { Condition } from '../../operator/conditions.ts';
import type { ResourceRef } from '../../operator/informer.ts';
import type { DriftPolicy, DriftStatus } from '../../crds/schemas/managed.ts';
import type { DriftRecord, DriftRules } from './drift/index.ts';
import type { ManagedKindName } from '../events/cloudevent.ts';

/** The columns the reconciler reads of every kind's row. */
export interface ManagedRow {
  uid: string;
  phase: string;
  provider_id: string | null;
  updated_at?: Date;
}

/** Why the object waits or is degraded, shown in its conditions. */
export interface Problem {
  reason: string;
  message: string;
}

export interface StepResult<Row> {
  row: Row;
  /** 'continue' runs the next step at once; an Action hands back to the queue. */
  action: Action | 'continue';
  problem?: Problem;
}

export interface StepContext<Obj, Spec> {
  obj: Obj;
  spec: Spec;
  tenant: string;
  now: () => Date;
  log: Logger;
  /** The kind's objects as the controller's cache has them, to name another object as it is now. */
  cache?: { get(name: string, namespace?: string): Obj | undefined };
}

/** What the outside system says of the resource: its state, gone, or not known yet (listing not caught up). */
export type Observation<State> =
  { exists: true; state: State; raw?: unknown } | { exists: false } | { exists: 'unknown' };

/** The spec a reconcile acts on, or why it cannot act on it (still deletable). */
export type SpecReading<Spec> =
  | { spec: Spec }
  /** `spec` is what the kind acts on (what was recorded); `desired`, what the object's spec asks for. */
  | { invalid: string; spec?: Spec; desired?: Spec };

export interface ManagedStatus {
  phase?: string;
  conditions?: Condition[];
  drift?: DriftStatus;
}

export interface ExternalClient<Obj, Spec, Row extends ManagedRow, State> {
  read(uid: string): Promise<Row | undefined>;
  /** Records the intent to create (or, given an external id, to adopt) with its event, in one transaction. */
  record(s: StepContext<Obj, Spec>, externalId?: string): Promise<Row>;
  /** The object another row already binds to `externalId`, if any (adoption refuses a double claim). */
  claimedBy(externalId: string, uid: string): Promise<{ namespace: string; name: string } | undefined>;
  /** Whether the row is where the spec wants it; only then is the outside resource observed for drift. */
  settled(row: Row, spec: Spec): boolean;
  /** One step towards settled: schedule, create, poll, start or stop. */
  create(s: StepContext<Obj, Spec>, row: Row): Promise<StepResult<Row>>;
  /** One step towards gone; a row it reports `gone` lets the finalizer go. */
  delete(s: StepContext<Obj, Spec>, row: Row): Promise<StepResult<Row>>;
  gone(row: Row): boolean;
  /** Leaves the outside resource where it is (Orphan): gives back what was reserved and closes the row. */
  release(s: StepContext<Obj, Spec>, row: Row): Promise<Row>;
  /** The state the spec asks for, in the shape `observe` reports. */
  desired(spec: Spec, row: Row): State;
  /** `fresh` asks the provider directly (after a change of ours) instead of the last zone listing. */
  observe(row: Row, fresh: boolean): Promise<Observation<State>>;
  /** Starts putting the given records back; returns the operations to wait for. Idempotent by `token`. */
  update(s: StepContext<Obj, Spec>, row: Row, records: DriftRecord[], token: string): Promise<string[]>;
  /** The outside resource is gone while the spec wants it: start creating it again. */
  recreate(s: StepContext<Obj, Spec>, row: Row, why: string): Promise<StepResult<Row>>;
  /**
   * What the outside state means besides drift (a fault to show, a fact to record such as an address given
   * by the provider): a step result ends the observation there; undefined goes on to compare.
   */
  interpret?(
    s: StepContext<Obj, Spec>,
    row: Row,
    raw: unknown,
  ): Promise<StepResult<Row> | { row: Row } | undefined>;
  /** Why a record cannot be put back (a volume cannot shrink), or undefined when it can. */
  cannotRevert?(record: DriftRecord): string | undefined;
  /** How an operation of `update` stands. */
  operation(id: string): Promise<'pending' | 'succeeded' | { failed: string }>;
}

export interface ManagedKind<Obj extends k8s.KubernetesObject, Spec, Row extends ManagedRow, State> {
  /** The kind's name, as its objects and events name it. */
  kind: ManagedKindName;
  resource: ResourceRef;
  finalizer: string;
  client: ExternalClient<Obj, Spec, Row, State>;
  /** The spec as the controller reads it, given what is recorded (a kind may keep applied values). */
  readSpec(obj: Obj, row: Row | undefined): SpecReading<Spec>;
  managementOf(spec: Spec | undefined, obj: Obj): ManagedPolicies;
  driftRules: DriftRules;
  /** The kind's status from its row; the reconciler adds drift and the Drifted condition. */
  status(obj: Obj, row: Row | undefined, problem: Problem | undefined, now: Date): ManagedStatus;
  /**
   * What the status shows that the row does not hold (such as other objects it depends on), read once the
   * reconcile's steps are done; `retryMs` looks again that soon when the reconcile would wait longer.
   */
  statusDetails?(s: StepContext<Obj, Spec>, row: Row): Promise<{ row: Row; retryMs?: number }>;
  /** An event for a phase change worth telling, or none. */
  phaseEvent(row: Row, before: Row): { warning: boolean; reason: string; note: string } | undefined;
  /** A kind's own errors that mean "wait and retry" rather than fail, shown as a problem. */
  problemOf?(err: unknown): (Problem & { retryMs: number }) | undefined;
  reasons: { InvalidSpec: string; ProviderUnavailable: string };
  /** How often a settled resource is compared with the provider. */
  observeIntervalMs: number;
}

export interface ManagedPolicies {
  managementPolicy: 'Full' | 'ObserveOnly' | 'NoUpdate' | 'NoDelete';
  deletionPolicy: 'Delete' | 'Orphan';
  driftPolicy: DriftPolicy;
}
