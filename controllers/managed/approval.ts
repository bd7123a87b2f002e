// The omnicloud.io/approve-plan annotation as status tells of it. Admission refuses a value that is no plan
// hash; one that got past (set before the webhook ran, or with it down) approves nothing, and is shown as the
// PlanApproval condition (False, MalformedApproval) while the object goes on being observed and reconciled:
// it is no reason to stop looking after the resource. A well-formed value, or none, shows no such condition.
import type * as k8s from '@kubernetes/client-node';
import { setCondition, type Condition } from '../../operator/conditions.ts';
import { approvePlanAnnotation } from '../../crds/schemas/managed.ts';
import { annotationField, approvePlanProblem } from '../../webhooks/managed.ts';
import type { ManagedStatus } from './kind.ts';

export const ApprovalReasons = { MalformedApproval: 'MalformedApproval' } as const;
export const approvalCondition = 'PlanApproval';

/** What is wrong with the object's approve-plan annotation, or undefined (absent or a plan hash). */
export function approvalProblem(obj: k8s.KubernetesObject): string | undefined {
  const value = obj.metadata?.annotations?.[approvePlanAnnotation];
  if (value === undefined) return undefined;
  const problem = approvePlanProblem(value);
  return problem && `${annotationField(approvePlanAnnotation)} ${problem}; it approves no plan`;
}

export function withApproval<S extends ManagedStatus>(status: S, obj: k8s.KubernetesObject, now: Date): S {
  const problem = approvalProblem(obj);
  const conditions = status.conditions as Condition[] | undefined;
  if (!problem) {
    if (!conditions?.some((c) => c.type === approvalCondition)) return status;
    return { ...status, conditions: conditions.filter((c) => c.type !== approvalCondition) };
  }
  const shown = setCondition(
    conditions,
    { type: approvalCondition, status: 'False', reason: ApprovalReasons.MalformedApproval, message: problem },
    now,
    obj.metadata?.generation,
  );
  return { ...status, conditions: shown };
}
