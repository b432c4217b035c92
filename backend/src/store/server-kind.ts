import type { mongo } from 'mongoose';

const kinds = new WeakMap<mongo.Db, Promise<boolean>>();

/**
 * Whether the server is FerretDB, which says so in `buildInfo` (anything else is treated as
 * MongoDB): the few paths that FerretDB 1.24 on SQLite would make costly take another way there.
 */
export function isFerretDB(db: mongo.Db): Promise<boolean> {
  let kind = kinds.get(db);
  if (!kind) {
    kind = db
      .admin()
      .command({ buildInfo: 1 })
      .then((info) => typeof info.ferretdbVersion === 'string');
    kinds.set(db, kind);
    kind.catch(() => kinds.delete(db));
  }
  return kind;
}
