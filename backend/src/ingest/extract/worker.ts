import { serveRequests } from '../../workers/serve';
import { extractDocument, type DocumentText } from './document';
import type { ExtractRequest } from './protocol';

// Loaded before the pool hands out work, so a job's time limit measures the job, not start-up.
await import('pdfjs-dist/legacy/build/pdf.mjs');

serveRequests<ExtractRequest, DocumentText>((req) => extractDocument(req.kind, req.source, req.maxChars));
