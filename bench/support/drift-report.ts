// What the drift benchmark prints: its figures as rows for reading, then the same as one JSON line (the
// last line of the output) for tooling.
import { defaultPageLimit } from '../../controllers/provider/simulator/pages.ts';
import type { ReconcileFigures } from './reconcile-figures.ts';

/** The operator's writes to Volumes over a phase; null when the API server rotated its audit log meanwhile. */
export interface VolumeWrites {
  to_edited: number;
  to_others: number;
  objects_written: number;
  most_to_one: number;
}

export interface DriftResult {
  bench: 'drift';
  count: number;
  edits: number;
  seed: number;
  observe_interval_s: number;
  operator_workers: number;
  queue_rate_per_s: number;
  operator_node_options: string;
  zones: number;
  objects_per_zone: number[];
  provider_create_s: number;
  bind_s: number;
  bound_per_s: number;
  create_to_in_sync_s: { p50: number; p99: number; max: number };
  reconciles_bind: ReconcileFigures;
  steady_s: number;
  steady_intervals: number;
  provider_calls_per_interval: number;
  volume_listing_calls_per_interval: number;
  listing_pages_per_interval_expected: number;
  provider_calls_steady_by_route: Record<string, number>;
  reconciles_steady: ReconcileFigures;
  edits_made: number;
  edits_refused: string[];
  edits_grow: number;
  edits_delete: number;
  edit_window_s: number;
  detect_timeout_s: number;
  detection_s: { p50: number; p99: number; max: number };
  detected: number;
  missed: string[];
  false_findings: number;
  false_finding_names: string[];
  drift_before_edit: string[];
  deleted_created_again: number;
  provider_calls_per_interval_during_edits: number;
  provider_calls_during_edits_by_route: Record<string, number>;
  reconciles_edits: ReconcileFigures;
  operator_writes_steady: VolumeWrites | null;
  operator_writes_edits: VolumeWrites | null;
  operator_rss_mib: number;
  operator_rss_mb: number;
  rss_target_mb: number;
  rss_target_objects: number;
  /** null below rss_target_objects: too few objects to judge the target by. */
  rss_target_met: boolean | null;
  operator_rss_mib_before_objects: number;
  operator_rss_mib_at_end: number;
  operator_peak_rss_mib: number;
  operator_heap_used_mib: number;
  run_s: number;
}

const row = (label: string, value: string) => console.log(`  ${label.padEnd(52)}${value}`);
const spreadOf = (s: { p50: number; p99: number; max: number }) =>
  `p50 ${s.p50.toFixed(3)} s   p99 ${s.p99.toFixed(3)} s   max ${s.max.toFixed(3)} s`;
const bound = (le: number | null | undefined) => (le === null ? 'past the largest bucket' : `<= ${le} s`);
const reconciles = (f: ReconcileFigures) =>
  `${f.reconciles} (${f.per_s}/s), mean ${f.mean_ms} ms, p99 ${bound(f.p50_p99_s[1])}; queue wait mean ` +
  `${f.queue_wait_mean_ms} ms, p99 ${bound(f.queue_wait_p50_p99_s[1])}`;
const routes = (byRoute: Record<string, number>) =>
  Object.entries(byRoute)
    .map(([r, n]) => `${r} ${n}`)
    .join(', ') || 'none';

const writes = (w: VolumeWrites | null) =>
  w
    ? `${w.to_edited} to edited objects, ${w.to_others} to others; ${w.objects_written} objects written, ` +
      `at most ${w.most_to_one} to one`
    : 'not counted (the audit log rotated)';
const verdict = (met: boolean | null) =>
  met === null ? 'not judged with fewer objects' : met ? 'met' : 'NOT met';

export function printDrift(r: DriftResult): void {
  console.log('');
  console.log(
    `drift: ${r.count} Volumes adopted by external name, ${r.zones} zones, observe interval ` +
      `${r.observe_interval_s} s, ${r.operator_workers} workers, queue ${r.queue_rate_per_s}/s, seed ${r.seed}` +
      (r.operator_node_options ? `, operator NODE_OPTIONS ${r.operator_node_options}` : ''),
  );
  row('volumes created at the provider', `${r.count} in ${r.provider_create_s} s`);
  row('Volumes bound and compared (Drifted=False)', `${r.count} in ${r.bind_s} s (${r.bound_per_s}/s)`);
  row('  each, create to Drifted=False', spreadOf(r.create_to_in_sync_s));
  row('  reconciles while binding', reconciles(r.reconciles_bind));
  row(
    'provider calls per observe interval',
    `${r.provider_calls_per_interval} over ${r.steady_s} s = ${r.steady_intervals} intervals ` +
      `(${r.zones} zones of ${r.objects_per_zone.join('/')} objects)`,
  );
  row(
    '  of them volume listings',
    `${r.volume_listing_calls_per_interval} (expected ${r.listing_pages_per_interval_expected}: one call ` +
      `per page of up to ${defaultPageLimit} volumes, per zone)`,
  );
  row('  by route, steady stretch', routes(r.provider_calls_steady_by_route));
  row('  reconciles, steady stretch', reconciles(r.reconciles_steady));
  row('  operator writes to Volumes, steady stretch', writes(r.operator_writes_steady));
  row(
    'out-of-band edits',
    `${r.edits_made} made (${r.edits_grow} grown, ${r.edits_delete} deleted) over ${r.edit_window_s} s; ` +
      `${r.edits_refused.length} refused`,
  );
  row(
    'detection latency (edit answered to Drifted=True)',
    `${spreadOf(r.detection_s)}  (${r.detected} of ${r.edits_made} edits)`,
  );
  row(`edits not detected within ${r.detect_timeout_s} s`, `${r.missed.length}`);
  row('false findings (never edited, drift shown)', `${r.false_findings}  (must be 0)`);
  if (r.drift_before_edit.length > 0)
    row('edited objects drifted before their edit', `${r.drift_before_edit.length} (false findings too)`);
  row('deleted at the console, created again by the end', `${r.deleted_created_again} of ${r.edits_delete}`);
  row('provider calls per interval, edits phase', `${r.provider_calls_per_interval_during_edits}`);
  row('  by route, edits phase', routes(r.provider_calls_during_edits_by_route));
  row('  reconciles, edits phase', reconciles(r.reconciles_edits));
  row('  operator writes to Volumes, edits phase', writes(r.operator_writes_edits));
  row(
    `operator RSS holding ${r.count} objects`,
    `${r.operator_rss_mb} MB (${r.operator_rss_mib} MiB), the most over the steady stretch and the edits; ` +
      `target <= ${r.rss_target_mb} MB for ${r.rss_target_objects} objects: ${verdict(r.rss_target_met)}`,
  );
  row(
    '  peak over the run (binding included)',
    `${r.operator_peak_rss_mib} MiB; before any Volume ${r.operator_rss_mib_before_objects} MiB; heap used ` +
      `at the end ${r.operator_heap_used_mib} MiB`,
  );
  row('run', `${r.run_s} s`);
  console.log(JSON.stringify(r));
}
