/**
 * One re-encryption pass in a process of its own, for the kill -9 tests (reencrypt-large.test.ts):
 * with CRASH_AT_STEP set, it kills itself with SIGKILL at that step (backend/src/failpoint.ts).
 * The master key comes in MASTER_KEY_HEX.
 */
import { FileKms } from '../../backend/src/integrity/keys';
import { reloadKeys } from '../../backend/src/integrity/service';
import { openStore } from '../../backend/src/store';

const store = await openStore({ uri: process.env.MONGODB_URI!, dbName: process.env.MONGODB_DB! });
await reloadKeys(store, { kms: { current: new FileKms(Buffer.from(process.env.MASTER_KEY_HEX!, 'hex')), previous: null } });
for await (const step of store.blobs.reencryptAll()) void step;
await store.close();
