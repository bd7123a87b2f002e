// Every OmniCloud kind, for the CRD generator and the tests.
import type { KindDefinition } from '../generator/crd.ts';
import { computeKind } from './compute.ts';
import { configSetKind } from './config-set.ts';
import { costAllocationKind } from './cost-allocation.ts';
import { invoiceKind } from './invoice.ts';
import { networkKind } from './network.ts';
import { tenantKind } from './tenant.ts';
import { volumeKind } from './volume.ts';
import { diskSnapshotKind } from './disk-snapshot.ts';
import { bucketKind } from './bucket.ts';
import { managedSecretKind } from './managed-secret.ts';
import { stateSnapshotKind } from './state-snapshot.ts';

export const kinds: readonly KindDefinition[] = [tenantKind, networkKind, computeKind, invoiceKind, costAllocationKind, volumeKind, configSetKind, diskSnapshotKind, bucketKind, managedSecretKind, stateSnapshotKind];
