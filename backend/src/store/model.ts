import type { Connection, Model, Schema } from 'mongoose';
import { registerModel } from './connection';

/**
 * Models are bound to a connection (tests and workers open several), created once per
 * connection. Schemas declare their indexes explicitly; `autoIndex` stays off and
 * `ensureIndexes` in connection.ts builds them when a store opens.
 */
export function modelFor<T>(name: string, schema: Schema<T>): (conn: Connection) => Model<T> {
  registerModel(name, schema as Schema);
  return (conn) => (conn.models[name] as Model<T> | undefined) ?? conn.model<T>(name, schema);
}
