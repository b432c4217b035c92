import type { Migration } from './index';

/**
 * The first release parsed messages with parser 1: no text alternatives, no attached messages'
 * contents, fewer charsets (issue #22). Their documents carry no `parserVersion`. Search stays
 * correct for them, but finds less than a reader sees until they are parsed again from their
 * blobs and indexed anew, which the reindex job does, resumably and in the background.
 */
export const reparseOlderMessages: Migration = {
  version: 2,
  name: 'messages parsed by the first release are parsed and indexed again (reindex job)',
  async up(ctx) {
    const older = await ctx.store.db.collection('messages').findOne({ parserVersion: { $exists: false } }, { projection: { _id: 1 } });
    if (!older) return ctx.note('every message was parsed by the current parser: no reindex needed');
    await ctx.requestReindex();
    ctx.note('messages parsed by the first release: a reindex of every archive is queued');
  },
};
