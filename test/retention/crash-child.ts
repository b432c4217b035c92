/**
 * A retention run in a process of its own, for the kill -9 tests (crash.test.ts): with
 * CRASH_AT_STEP set, it kills itself with SIGKILL at that step (backend/src/failpoint.ts).
 * Usage: crash-child.ts <disposal | erasure:<request id>>
 */
import { runDisposal } from '../../backend/src/retention/disposal';
import { runErasure } from '../../backend/src/retention/erasure';
import { openStore } from '../../backend/src/store';

const store = await openStore({ uri: process.env.MONGODB_URI!, dbName: process.env.MONGODB_DB! });
const what = process.argv[2] ?? '';
const lockMs = Number(process.env.RETENTION_LOCK_MS);
if (what === 'disposal') await runDisposal({ store, graph: null }, { lockMs });
else await runErasure({ store, graph: null }, what.replace(/^erasure:/, ''), { lockMs });
await store.close();
