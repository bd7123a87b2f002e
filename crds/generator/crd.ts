// Builds the CustomResourceDefinition of one kind from its zod schemas and its CEL rules.
import { stringify } from 'yaml';
import type { z } from 'zod';
import { group, version } from '../schemas/common.ts';
import { zodToOpenApi, type JsonSchema } from './structural.ts';

/** One x-kubernetes-validations entry: a CEL rule the API server enforces, and what it says when refusing. */
export interface CelRule {
  rule: string;
  /** What is refused and what is accepted; also what is said when messageExpression cannot be evaluated. */
  message: string;
  /** The message with the object's values in it (a field's old value, the index of the subnet at fault). */
  messageExpression?: string;
  /** The field the refusal is about, below the rule's node (such as .ports), when the message does not name it. */
  fieldPath?: string;
  /** With oldSelf an optional, a rule that reads oldSelf also runs on create, where oldSelf has no value. */
  optionalOldSelf?: boolean;
}

export interface KindDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: readonly string[];
  scope: 'Cluster' | 'Namespaced';
  spec: z.ZodType;
  status: z.ZodType;
  printerColumns: readonly { name: string; type: string; jsonPath: string; priority?: number }[];
  /** CEL rules by property path below spec ('' for spec itself), enforced by the API server. */
  rules: Readonly<Record<string, readonly CelRule[]>>;
  /**
   * CEL rules on the whole object, for what spec alone cannot say: metadata.name (the only part of metadata a
   * rule may read), or the status an update starts from.
   */
  objectRules?: readonly CelRule[];
}

/** The rule as the CRD carries it, with its keys in a fixed order so that the YAML is stable. */
function validation(r: CelRule): CelRule {
  return {
    rule: r.rule,
    message: r.message,
    ...(r.messageExpression === undefined ? {} : { messageExpression: r.messageExpression }),
    ...(r.fieldPath === undefined ? {} : { fieldPath: r.fieldPath }),
    ...(r.optionalOldSelf === undefined ? {} : { optionalOldSelf: r.optionalOldSelf }),
  };
}

function attachRules(spec: JsonSchema, rules: KindDefinition['rules']): void {
  for (const [path, list] of Object.entries(rules)) {
    let node = spec;
    for (const part of path.split('.').filter(Boolean)) {
      node = (node.properties as Record<string, JsonSchema>)[part]!;
      if (!node) throw new Error(`CEL rule path ${path} is not in the schema`);
    }
    // Appended: the node may already carry rules the schema itself brought (limits on map keys, say).
    const present = (node['x-kubernetes-validations'] as CelRule[] | undefined) ?? [];
    node['x-kubernetes-validations'] = [...present, ...list.map(validation)];
  }
}

export function crdFor(def: KindDefinition): object {
  const spec = zodToOpenApi(def.spec);
  attachRules(spec, def.rules);
  const objectRules = def.objectRules ?? [];
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: `${def.plural}.${group}`, labels: { 'app.kubernetes.io/part-of': 'omnicloud' } },
    spec: {
      group,
      names: {
        kind: def.kind,
        listKind: `${def.kind}List`,
        plural: def.plural,
        singular: def.singular,
        shortNames: [...def.shortNames],
        categories: ['omnicloud'],
      },
      scope: def.scope,
      versions: [
        {
          name: version,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: def.printerColumns.map((c) => ({ ...c })),
          schema: {
            openAPIV3Schema: {
              type: 'object',
              required: ['spec'],
              properties: {
                apiVersion: { type: 'string' },
                kind: { type: 'string' },
                metadata: { type: 'object' },
                spec,
                status: zodToOpenApi(def.status),
              },
              ...(objectRules.length > 0 ? { 'x-kubernetes-validations': objectRules.map(validation) } : {}),
            },
          },
        },
      ],
    },
  };
}

export function crdYaml(def: KindDefinition): string {
  return `# Generated from crds/schemas by \`npm run crds:generate\`; do not edit.\n${stringify(crdFor(def), { lineWidth: 0 })}`;
}

export function crdFileName(def: KindDefinition): string {
  return `${group}_${def.plural}.yaml`;
}
