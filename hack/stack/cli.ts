// The local stack's command line: up, down, status, kubeconfig, env, user.
import { Command } from 'commander';
import type { Component, ComponentStatus } from './component.ts';
import { allComponents, componentGroups, defaultComponents } from './components/index.ts';
import { kubeconfigPath, logDir, stateDir } from './config.ts';
import { endpoints, s3AndVaultEnv } from './endpoints.ts';
import { mintKubeconfig } from './pki.ts';
import { step } from './process.ts';

function select(names: string[]): (c: Component) => boolean {
  const unknown = names.filter((n) => !allComponents.some((c) => c.name === n));
  if (unknown.length > 0) {
    throw new Error(
      `unknown component(s) ${unknown.join(', ')}; known: ${allComponents.map((c) => c.name).join(', ')}`,
    );
  }
  const defaults = new Set(defaultComponents());
  return (c) => (names.length === 0 ? defaults.has(c) : names.includes(c.name));
}

async function up(names: string[]): Promise<void> {
  const wanted = select(names);
  const started = Date.now();
  await Promise.all(
    componentGroups.map(async (group) => {
      for (const c of group.filter(wanted)) {
        await c.prepare();
        await c.start();
      }
    }),
  );
  step(
    `stack up in ${Math.round((Date.now() - started) / 1000)}s; logs in ${logDir}; kubeconfig ${kubeconfigPath}`,
  );
}

async function down(names: string[]): Promise<void> {
  const wanted = select(names);
  // Stop the API server before etcd, and consumers before what they consume.
  for (const c of [...allComponents].reverse().filter(wanted)) {
    await c.stop();
    step(`stopped ${c.name}`);
  }
}

function table(rows: ComponentStatus[]): string {
  const header = ['COMPONENT', 'VERSION', 'ADDRESS', 'ANSWERS', 'DETAIL'];
  const cells = rows.map((r) => [r.name, r.version, r.address, r.answering ? 'yes' : 'NO', r.detail ?? '']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  return [header, ...cells]
    .map((row) =>
      row
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

async function status(names: string[], json: boolean): Promise<void> {
  const wanted = select(names);
  const rows = await Promise.all(allComponents.filter(wanted).map((c) => c.status()));
  console.log(json ? JSON.stringify(rows, null, 2) : table(rows));
  if (rows.some((r) => !r.answering)) process.exitCode = 1;
}

const program = new Command('stack').description(`the local OmniCloud stack (state in ${stateDir})`);
program
  .command('up')
  .argument('[components...]', 'only these components (default: all)')
  .description('build what is missing and start every component that is not already running')
  .action(up);
program
  .command('down')
  .argument('[components...]', 'only these components (default: all)')
  .description('stop the components this stack started')
  .action(down);
program
  .command('status')
  .argument('[components...]', 'only these components (default: all)')
  .option('--json', 'print JSON')
  .description(
    'print each component, its version, its address and whether it answers; exit 1 if any does not',
  )
  .action((names: string[], opts: { json?: boolean }) => status(names, opts.json === true));
program
  .command('kubeconfig')
  .description('print the path of the admin kubeconfig and nothing else')
  .action(() => console.log(kubeconfigPath));
program
  .command('env')
  .description('print the endpoints of every backing system as shell variables')
  .action(() => {
    const e = endpoints();
    const lines = [`export KUBECONFIG=${e.kubeconfig}`, `export OMNICLOUD_REDIS_URL=${e.redis}`];
    lines.push(`export OMNICLOUD_KAFKA_BROKERS=${e.kafkaBrokers.join(',')}`);
    for (const [db, url] of Object.entries(e.postgres))
      lines.push(`export OMNICLOUD_${db.toUpperCase()}_URL='${url}'`);
    for (const [name, value] of Object.entries(s3AndVaultEnv())) lines.push(`export ${name}='${value}'`);
    console.log(lines.join('\n'));
  });
program
  .command('user')
  .argument('<name>', 'the user name (certificate CN)')
  .argument('[groups...]', 'groups (certificate O)')
  .description('mint a client certificate for a user and print the path of its kubeconfig')
  .action(async (name: string, groups: string[]) => console.log(await mintKubeconfig(name, groups)));

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`stack: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
