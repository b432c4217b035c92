import type { Migration } from './index';

/**
 * From this version a search segment keeps its result summaries 32 to a block, each block their
 * hashes as bytes ahead of JSON deflated at level 6 (`s`, search/index-segment.ts), and says its
 * block size in its meta. Older code reads every block as JSON 16 to a block (`d`): it would fail
 * or show other messages' summaries on segments written now. Nothing to convert (this code reads
 * the older blocks, and merges rewrite them), but the version makes processes of older code stop
 * before a newer one writes a segment.
 */
export const summaryBlocks: Migration = {
  version: 5,
  name: 'search result summaries 32 to a block, hashes as bytes',
  async up(ctx) {
    ctx.note('nothing to convert: segments written before keep their summary blocks, which merges rewrite');
  },
};
