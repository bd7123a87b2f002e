// The Kubernetes objects a Tenant owns, built by pure functions: its namespace, the ResourceQuota that
// mirrors its quotas, and the Roles and RoleBindings that give its admins and viewers their access.
import type {
  V1Namespace,
  V1ResourceQuota,
  V1Role,
  V1RoleBinding,
  V1OwnerReference,
} from '@kubernetes/client-node';
import type { Tenant } from '../../crds/schemas/tenant.ts';

export const omnicloudGroup = 'omnicloud.io';
export const tenantLabel = 'omnicloud.io/tenant';
export const managedByLabel = 'app.kubernetes.io/managed-by';
export const managerName = 'omnicloud-operator';
export const adminRoleName = 'omnicloud-tenant-admin';
export const viewerRoleName = 'omnicloud-tenant-viewer';
export const quotaName = 'omnicloud-tenant-quota';

/** The namespaced OmniCloud kinds a tenant works with (plural resource names). */
export const tenantResources = [
  'networks',
  'computes',
  'volumes',
  'invoices',
  'disksnapshots',
  'configsets',
  'buckets',
  'statesnapshots',
  'managedsecrets',
];

/** The namespace of a tenant: a fixed prefix keeps tenant namespaces apart from everything else. */
export function tenantNamespace(tenantName: string): string {
  return `tenant-${tenantName}`;
}

function ownerReference(tenant: Tenant): V1OwnerReference {
  return {
    apiVersion: `${omnicloudGroup}/v1alpha1`,
    kind: 'Tenant',
    name: tenant.metadata.name,
    uid: tenant.metadata.uid,
    controller: true,
    blockOwnerDeletion: true,
  };
}

function labels(tenant: Tenant): Record<string, string> {
  return { [tenantLabel]: tenant.metadata.name, [managedByLabel]: managerName };
}

function meta(tenant: Tenant, name: string, namespace?: string) {
  return {
    name,
    ...(namespace === undefined ? {} : { namespace }),
    labels: labels(tenant),
    ownerReferences: [ownerReference(tenant)],
  };
}

export function namespaceFor(tenant: Tenant): V1Namespace {
  const m = meta(tenant, tenantNamespace(tenant.metadata.name));
  return {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: {
      ...m,
      labels: { ...m.labels, 'omnicloud.io/suspended': String(tenant.spec.suspended ?? false) },
      annotations: { 'omnicloud.io/display-name': tenant.spec.displayName },
    },
  };
}

/**
 * Object-count quotas are enforced by the API server itself. While a tenant is suspended the counts for
 * provisionable kinds drop to zero, so the server refuses new objects while existing ones stay.
 */
export function resourceQuotaFor(tenant: Tenant): V1ResourceQuota {
  const q = tenant.spec.quotas;
  const suspended = tenant.spec.suspended ?? false;
  const hard: Record<string, string> = {
    [`count/networks.${omnicloudGroup}`]: String(suspended ? 0 : q.networks),
  };
  if (suspended) {
    hard[`count/computes.${omnicloudGroup}`] = '0';
    hard[`count/volumes.${omnicloudGroup}`] = '0';
  }
  return {
    apiVersion: 'v1',
    kind: 'ResourceQuota',
    metadata: meta(tenant, quotaName, tenantNamespace(tenant.metadata.name)),
    spec: { hard },
  };
}

/** The kinds a tenant's admins may delete: not invoices, which the operator makes and an issued one is final. */
const deletableByAdmins = tenantResources.filter((r) => r !== 'invoices');

export function rolesFor(tenant: Tenant): V1Role[] {
  const namespace = tenantNamespace(tenant.metadata.name);
  const statusResources = tenantResources.map((r) => `${r}/status`);
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(tenant, adminRoleName, namespace),
      rules: [
        {
          apiGroups: [omnicloudGroup],
          resources: tenantResources,
          verbs: ['get', 'list', 'watch', 'create', 'update', 'patch'],
        },
        { apiGroups: [omnicloudGroup], resources: deletableByAdmins, verbs: ['delete', 'deletecollection'] },
        { apiGroups: [omnicloudGroup], resources: statusResources, verbs: ['get'] },
        { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['resourcequotas'], verbs: ['get', 'list', 'watch'] },
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: meta(tenant, viewerRoleName, namespace),
      rules: [
        { apiGroups: [omnicloudGroup], resources: tenantResources, verbs: ['get', 'list', 'watch'] },
        // A status subresource only answers get; granting more is an escalation the API server refuses to an
        // operator that (rightly) holds no list or watch on it.
        { apiGroups: [omnicloudGroup], resources: statusResources, verbs: ['get'] },
        { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: [''], resources: ['resourcequotas'], verbs: ['get', 'list', 'watch'] },
      ],
    },
  ];
}

type Subject = { kind: 'User' | 'Group'; name: string };

function binding(tenant: Tenant, role: string, subjects: Subject[]): V1RoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'RoleBinding',
    metadata: meta(tenant, role, tenantNamespace(tenant.metadata.name)),
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role },
    subjects: subjects.map((s) => ({ apiGroup: 'rbac.authorization.k8s.io', kind: s.kind, name: s.name })),
  };
}

export function roleBindingsFor(tenant: Tenant): V1RoleBinding[] {
  return [
    binding(tenant, adminRoleName, tenant.spec.admins ?? []),
    binding(tenant, viewerRoleName, tenant.spec.viewers ?? []),
  ];
}

/** The tenant a namespaced object belongs to: the namespace without its prefix (or the namespace itself). */
export function tenantOfNamespace(namespace: string): string {
  return namespace.startsWith('tenant-') ? namespace.slice('tenant-'.length) : namespace;
}
