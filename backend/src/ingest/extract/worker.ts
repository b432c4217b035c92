import { parentPort } from 'node:worker_threads';
import { extractDocument } from './document';
import type { ExtractReply, ExtractRequest } from './protocol';

/** One extraction at a time; the pool ends this thread when one runs over its time. */
const port = parentPort;
if (!port) throw new Error('extract/worker.ts runs as a worker thread of extract/pool.ts');

// Loaded before the pool hands out work, so a job's time limit measures the job, not start-up.
await import('pdfjs-dist/legacy/build/pdf.mjs');

port.on('message', (req: ExtractRequest) => {
  extractDocument(req.kind, req.source, req.maxChars).then(
    (doc) => port.postMessage({ id: req.id, ok: true, ...doc } satisfies ExtractReply),
    (err: unknown) => port.postMessage({ id: req.id, ok: false, error: err instanceof Error ? err.message : String(err) } satisfies ExtractReply),
  );
});
port.postMessage('ready');
