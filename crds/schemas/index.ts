// Every OmniCloud kind, for the CRD generator and the tests.
import type { KindDefinition } from '../generator/crd.ts';
import { computeKind } from './compute.ts';
import { costAllocationKind } from './cost-allocation.ts';
import { invoiceKind } from './invoice.ts';
import { networkKind } from './network.ts';
import { tenantKind } from './tenant.ts';
import { volumeKind } from './volume.ts';

export const kinds: readonly KindDefinition[] = [tenantKind, networkKind, computeKind, invoiceKind, costAllocationKind, volumeKind];
