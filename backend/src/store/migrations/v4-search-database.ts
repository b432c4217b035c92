import { moveIndexToSearchDb } from '../postings';
import type { Migration } from './index';

/**
 * On FerretDB the search index moves into a database of its own (store/connection.ts
 * `searchDbName`), where the tables its merges create and drop no longer make SQLite parse the
 * main database's schema again before every statement. Nothing to do on MongoDB, where the index
 * stays in the main database. Older code would go on writing the main database, hence a schema
 * version.
 */
export const separateSearchDatabase: Migration = {
  version: 4,
  name: 'the search index in a database of its own (FerretDB)',
  async up(ctx) {
    const moved = await moveIndexToSearchDb(ctx.store);
    ctx.note(moved > 0 ? `moved ${moved} search index collections into ${ctx.store.searchDb.databaseName}` : 'no search index to move', { moved });
  },
};
