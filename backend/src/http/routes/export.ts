import { Router } from 'express';
import { z } from 'zod';
import { requireArchive } from '../../access';
import type { ServiceDeps } from '../../deps';
import { contentDisposition } from '../../retrieval/download-headers';
import { MAX_EXPORT_ITEMS, decodeExportCursor, encodeExportCursor, selectForExport } from '../../retrieval/export-select';
import { writeMbox, writeZip } from '../../retrieval/export-write';
import { auditAccess, parseItemId } from '../../retrieval/item-ref';
import { logAborted, requestInfo } from '../../retrieval/respond';
import { parseQuery } from '../../search/query';
import type { Query } from '../../search/query-types';
import { HttpError, parseInput, queryInputError } from '../errors';

const exportBody = z
  .object({
    archive: z.string().min(1).max(400),
    items: z.array(z.string()).min(1).max(MAX_EXPORT_ITEMS).optional(),
    query: z.string().trim().min(1).max(2000).optional(),
    format: z.enum(['mbox', 'zip']),
    /** One folder of the archive, with its subfolders. */
    folder: z.string().min(1).max(1000).optional(),
    /** An export in parts: at most this many messages per response, the next part's cursor in X-Export-Next-Cursor. */
    partMessages: z.number().int().min(1).max(MAX_EXPORT_ITEMS).optional(),
    after: z.string().min(1).max(1000).optional(),
  })
  .strict();

const FORMATS = {
  mbox: { type: 'application/mbox', write: writeMbox },
  zip: { type: 'application/zip', write: writeZip },
} as const;

function parseExportQuery(text: string): Query {
  try {
    return parseQuery(text);
  } catch (err) {
    return asQueryError(err);
  }
}

/** A malformed query, or a prefix too broad for the index, is the caller's input to fix. */
function asQueryError(err: unknown): never {
  throw queryInputError(err, 'query');
}

/**
 * Export of chosen messages, a search's results or a whole archive (MISSION M11, M14), streamed
 * as it is written: no temporary file, no job; the download's length is unknown up front and a
 * failure midway aborts it.
 */
export function exportRoutes(deps: ServiceDeps): Router {
  const r = Router();
  const { store, log } = deps;

  r.post('/export', async (req, res) => {
    const input = parseInput(exportBody, req.body);
    if (input.query !== undefined && input.items) throw new HttpError(400, 'invalid_input', 'query: name items or give a query, not both', 'query');
    const q = input.query === undefined ? null : parseExportQuery(input.query);
    if ((input.folder !== undefined || input.partMessages !== undefined || input.after !== undefined) && (input.items || q)) {
      throw new HttpError(400, 'invalid_input', 'folder: folders and parts apply to a whole archive, not to named items or a query', input.folder !== undefined ? 'folder' : 'partMessages');
    }
    const after = input.after === undefined ? undefined : decodeExportCursor(input.after);
    if (after === null) throw new HttpError(400, 'invalid_input', 'after: not a cursor this server gave out', 'after');
    const refs = (input.items ?? []).map((id, i) => parseItemId(id, `items.${i}`));
    refs.forEach((ref, i) => {
      if (ref.archiveId !== input.archive) throw new HttpError(400, 'invalid_input', `items.${i}: not in archive ${input.archive}`, `items.${i}`);
    });
    await requireArchive(store, req.caller!, input.archive, 'export', 'Archive');
    const scope = { ...(input.folder !== undefined ? { folder: input.folder } : {}), ...(after ? { after } : {}), ...(input.partMessages ? { partMessages: input.partMessages } : {}) };
    const selection = await selectForExport(store, input.archive, refs, q, scope).catch(asQueryError);
    await auditAccess(store, req.caller!, 'export', requestInfo(req), {
      archiveId: input.archive,
      details: {
        format: input.format,
        selection: selection.kind,
        ...(input.query ? { query: input.query } : {}),
        ...(input.folder !== undefined ? { folder: input.folder } : {}),
        ...(input.partMessages ? { part: input.after ?? 'first' } : {}),
        ...(selection.count !== null ? { count: selection.count } : {}),
      },
    });
    // What a client needs to show progress on a stream of unknown length: messages to come and,
    // where known, the bytes of the originals (the export's length to within framing).
    if (selection.count !== null) res.set('X-Export-Messages', String(selection.count));
    if (selection.bytes !== null) res.set('X-Export-Original-Bytes', String(selection.bytes));
    if (selection.next !== undefined) res.set('X-Export-Next-Cursor', selection.next ? encodeExportCursor(selection.next) : '');
    const format = FORMATS[input.format];
    const stamp = new Date().toISOString().slice(0, 10);
    res.set({
      'Content-Type': format.type,
      'Content-Disposition': contentDisposition(`archive-export-${stamp}.${input.format}`),
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    try {
      const count = await format.write(store, selection.items, res);
      log.info({ archiveId: input.archive, format: input.format, count }, 'export written');
    } catch (err) {
      if (!res.headersSent && !res.destroyed) throw err;
      res.destroy();
      logAborted(log, err);
    }
  });
  return r;
}
