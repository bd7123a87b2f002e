// Admission rules for ConfigSets: keys that are ConfigMap keys (never a path), flags with rollouts of 0 to
// 100 and no subject both allowed and denied, rollbackTo a positive version this ConfigSet has, a ConfigMap
// name in its own namespace and fixed once created, and content that fits the ConfigMap's 1 MiB. The CRD's CEL
// rules (crds/schemas/config-set.ts) refuse what they can afford in the same words. Pure.
import {
  configSetSpecSchema,
  flagsKey,
  maxConfigBytes,
  type ConfigSetSpec,
} from '../crds/schemas/config-set.ts';
import { configMapBytes, contentOf } from '../controllers/config/content.ts';
import { annotationProblems, type ManagedObject } from './managed.ts';
import type { Problem } from './review.ts';
import { fieldPath } from './rules.ts';
import type { z } from 'zod';

interface ConfigSetLike extends ManagedObject {
  spec?: unknown;
}

function currentVersionOf(object: ConfigSetLike | undefined): number | undefined {
  const status = object?.status as { currentVersion?: unknown } | undefined;
  return typeof status?.currentVersion === 'number' ? status.currentVersion : undefined;
}

const keyWords: Record<string, string> = {
  data: 'is not a ConfigMap key: letters, digits, - _ and . only (no / or path parts), at most 253 characters',
  flags:
    'is not a flag name: letters, digits, - _ and . (beginning and ending with a letter or digit), at most 63 characters',
};

/** The schema's refusals, naming a map's entries as spec.data[key] (keys hold dots, so never spec.data.key). */
function specProblems(error: z.ZodError): Problem[] {
  return error.issues.slice(0, 10).map((issue) => {
    const path = [...issue.path];
    const mapAt = path.findIndex((p, i) => i > 0 && (path[i - 1] === 'data' || path[i - 1] === 'flags'));
    const isKey = issue.code === 'invalid_key';
    const key = isKey ? path.pop() : undefined;
    if (mapAt < 0 && !isKey) return { field: fieldPath('spec', path), message: issue.message };
    const map = isKey ? String(path.at(-1)) : String(path[mapAt - 1]);
    const head = fieldPath('spec', isKey ? path : path.slice(0, mapAt));
    const entry = isKey ? String(key) : String(path[mapAt]);
    const rest = isKey ? [] : path.slice(mapAt + 1);
    return {
      field: fieldPath(`${head}[${entry}]`, rest),
      message: isKey ? (keyWords[map] ?? issue.message) : issue.message,
    };
  });
}

function contentProblems(spec: ConfigSetSpec): Problem[] {
  const problems: Problem[] = [];
  for (const key of Object.keys(spec.data)) {
    if (key === '.' || key === '..')
      problems.push({
        field: `spec.data[${key}]`,
        message: 'is a path step, not a ConfigMap key; use a name such as app.properties',
      });
    if (key === flagsKey)
      problems.push({
        field: `spec.data[${key}]`,
        message: 'is reserved for the flags (spec.flags); name the key otherwise',
      });
  }
  for (const [name, flag] of Object.entries(spec.flags)) {
    const denied = new Set(flag.deny ?? []);
    const both = [...new Set(flag.allow ?? [])].filter((s) => denied.has(s));
    if (both.length > 0)
      problems.push({
        field: `spec.flags[${name}].allow`,
        message: `${both.slice(0, 5).join(', ')}${both.length > 5 ? ', …' : ''} ${both.length === 1 ? 'is' : 'are'} both allowed and denied; list each subject in one of allow or deny`,
      });
  }
  const bytes = configMapBytes(contentOf(spec));
  if (bytes > maxConfigBytes)
    problems.push({
      field: 'spec.data',
      message: `data and flags take ${bytes} bytes in the ConfigMap; a ConfigMap holds at most ${maxConfigBytes} bytes (1 MiB): split the configuration into several ConfigSets`,
    });
  return problems;
}

/**
 * What the controller cannot act on in a spec, whenever it was admitted: the schema and the content rules.
 * (Whether rollbackTo names a version this ConfigSet has is the controller's to find in its history.)
 */
export function configSetSpecProblems(spec: unknown): Problem[] {
  const parsed = configSetSpecSchema.safeParse(spec);
  return parsed.success ? contentProblems(parsed.data) : specProblems(parsed.error);
}

export function validateConfigSet(
  operation: string,
  object: ConfigSetLike,
  oldObject?: ConfigSetLike,
): Problem[] {
  if (operation !== 'CREATE' && operation !== 'UPDATE') return [];
  const parsed = configSetSpecSchema.safeParse(object.spec);
  if (!parsed.success) return [...specProblems(parsed.error), ...annotationProblems(object, oldObject)];
  const spec = parsed.data;
  const problems = contentProblems(spec);
  const old = operation === 'UPDATE' && oldObject ? configSetSpecSchema.safeParse(oldObject.spec) : undefined;
  if (old?.success && old.data.configMapName !== spec.configMapName) {
    problems.push({
      field: 'spec.configMapName',
      message: `is immutable (was ${old.data.configMapName ?? 'unset'}); create a new ConfigSet to deliver another ConfigMap`,
    });
  }
  if (spec.rollbackTo !== undefined && spec.rollbackTo !== old?.data?.rollbackTo) {
    const current = operation === 'UPDATE' ? currentVersionOf(oldObject) : undefined;
    if (operation === 'CREATE')
      problems.push({
        field: 'spec.rollbackTo',
        message: 'a new ConfigSet has no earlier version to roll back to; create it with data and flags',
      });
    else if (current !== undefined && spec.rollbackTo > current)
      problems.push({
        field: 'spec.rollbackTo',
        message: `this ConfigSet has versions 1 to ${current}; roll back to one of them`,
      });
  }
  problems.push(...annotationProblems(object, oldObject));
  return problems;
}
