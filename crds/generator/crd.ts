// Builds the CustomResourceDefinition of one kind from its zod schemas and its CEL rules.
import { stringify } from 'yaml';
import type { z } from 'zod';
import { group, version } from '../schemas/common.ts';
import { zodToOpenApi, type JsonSchema } from './structural.ts';

export interface CelRule {
  rule: string;
  message: string;
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
    node['x-kubernetes-validations'] = [...present, ...list.map((r) => ({ rule: r.rule, message: r.message }))];
  }
}

export function crdFor(def: KindDefinition): object {
  const spec = zodToOpenApi(def.spec);
  attachRules(spec, def.rules);
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
