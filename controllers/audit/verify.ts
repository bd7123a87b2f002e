// `npm run audit:verify`: checks the audit log's hash chain and says where it breaks.
import pg from 'pg';
import { databaseUrlFromEnv } from '../../operator/endpoints.ts';
import { verifyChain } from './store.ts';

const pool = new pg.Pool({ connectionString: databaseUrlFromEnv('audit_db'), max: 1 });
try {
  const verdict = await verifyChain(pool);
  if (verdict.ok) {
    console.log(`audit log intact: ${verdict.entries} entries, head ${verdict.head}`);
  } else {
    console.error(`audit log BROKEN at entry ${verdict.brokenAt}: ${verdict.problem}`);
    process.exitCode = 1;
  }
} catch (err) {
  console.error(`cannot verify the audit log: ${(err as Error).message}`);
  process.exitCode = 2;
} finally {
  await pool.end();
}
