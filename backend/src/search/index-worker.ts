import { serveRequests } from '../workers/serve';
import { buildBatch } from './index-build';

/** The index worker (index-build.ts): builds and encodes batches' segments. */
serveRequests(buildBatch);
