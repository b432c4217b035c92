import { Router } from 'express';
import { z } from 'zod';
import { requireArchive } from '../../access';
import type { ServiceDeps } from '../../deps';
import { contentDisposition } from '../../retrieval/download-headers';
import { MAX_EXPORT_ITEMS, fromList, namedItems, wholeArchive } from '../../retrieval/export-select';
import { writeMbox, writeZip } from '../../retrieval/export-write';
import { auditAccess, parseItemId } from '../../retrieval/item-ref';
import { logAborted, requestInfo } from '../../retrieval/respond';
import { HttpError, parseInput } from '../errors';

const exportBody = z
  .object({
    archive: z.string().min(1).max(400),
    items: z.array(z.string()).min(1).max(MAX_EXPORT_ITEMS).optional(),
    query: z.string().trim().min(1).max(2000).optional(),
    format: z.enum(['mbox', 'zip']),
  })
  .strict();

const FORMATS = {
  mbox: { type: 'application/mbox', write: writeMbox },
  zip: { type: 'application/zip', write: writeZip },
} as const;

/**
 * Export of a selection or a whole archive (MISSION M11, M14), streamed as it is written: no
 * temporary file, no job; the download's length is unknown up front and a failure midway aborts it.
 */
export function exportRoutes(deps: ServiceDeps): Router {
  const r = Router();
  const { store, log } = deps;

  r.post('/export', async (req, res) => {
    const input = parseInput(exportBody, req.body);
    if (input.query !== undefined) {
      throw new HttpError(400, 'invalid_input', 'query: exporting search results is not available yet; name the items, or none for the whole archive', 'query');
    }
    const refs = (input.items ?? []).map((id, i) => parseItemId(id, `items.${i}`));
    refs.forEach((ref, i) => {
      if (ref.archiveId !== input.archive) throw new HttpError(400, 'invalid_input', `items.${i}: not in archive ${input.archive}`, `items.${i}`);
    });
    await requireArchive(store, req.caller!, input.archive, 'export', 'Archive');
    const items = input.items ? fromList(await namedItems(store, refs)) : wholeArchive(store, input.archive);
    await auditAccess(store, req.caller!, 'export', requestInfo(req), {
      archiveId: input.archive,
      details: { format: input.format, selection: input.items ? 'items' : 'archive', ...(input.items ? { count: refs.length } : {}) },
    });

    const format = FORMATS[input.format];
    const stamp = new Date().toISOString().slice(0, 10);
    res.set({
      'Content-Type': format.type,
      'Content-Disposition': contentDisposition(`archive-export-${stamp}.${input.format}`),
      'Cache-Control': 'private, no-store',
      'X-Content-Type-Options': 'nosniff',
    });
    try {
      const count = await format.write(store, items, res);
      log.info({ archiveId: input.archive, format: input.format, count }, 'export written');
    } catch (err) {
      if (!res.headersSent && !res.destroyed) throw err;
      res.destroy();
      logAborted(log, err);
    }
  });
  return r;
}
