// The backend runs TypeScript through tsx, whose loader Node 20 does not apply to a worker's
// entry module: register it here, then load the module thread.ts names.
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
