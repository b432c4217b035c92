import type { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { mongo } from 'mongoose';

interface DriverConnection extends EventEmitter {
  closed: boolean;
  error?: Error;
  writeCommand(...args: unknown[]): Promise<void>;
}

const FIXED = Symbol('m365-archive: writes end when their connection closes');

/**
 * Works around a hang in the MongoDB Node driver (7.8 and 7.9, the one mongoose 9 brings): a
 * command whose bytes do not fit the socket's buffer waits for the socket's `drain` or `error`
 * (`Connection.writeCommand`). When the connection is closed in that moment (the database
 * restarted, the network dropped), the socket is destroyed without either, and the command waits
 * forever. On a pooled connection that is one operation that never ends (a crawl that never
 * finishes, a job that ignores its stop); on the monitor's connection it stops the monitoring of
 * the server for good, so that every later operation of the process fails server selection
 * although the database is back, until the process is restarted. Seen in about one run in two of
 * ten database restarts under load (test/store/database-restart.test.ts). Here a command being
 * written ends with the connection's error when the connection closes.
 *
 * The driver does not export its Connection class: it is reached through mongoose's own copy of
 * the driver, and if that changes shape the backend refuses to start rather than hang later.
 */
export function endWritesWhenConnectionsClose(): void {
  const driver = createRequire(createRequire(import.meta.url).resolve('mongoose'));
  const { Connection } = driver('mongodb/lib/cmap/connection.js') as { Connection?: { CLOSE?: unknown; prototype: DriverConnection } };
  const write = Connection?.prototype.writeCommand as (DriverConnection['writeCommand'] & { [FIXED]?: true }) | undefined;
  if (!Connection || typeof write !== 'function' || Connection.CLOSE !== 'close') {
    throw new Error('MongoDB driver internals changed: writes can no longer be ended when a connection closes, review store/driver-fixes.ts');
  }
  if (write[FIXED]) return;
  const fixed = function (this: DriverConnection, ...args: unknown[]): Promise<void> {
    const closed = () => this.error ?? new mongo.MongoNetworkError('the connection closed while a command was being written');
    if (this.closed) return Promise.reject(closed());
    return new Promise<void>((resolve, reject) => {
      const onClose = () => reject(closed());
      this.once('close', onClose);
      write.apply(this, args).then(resolve, reject).finally(() => this.off('close', onClose));
    });
  };
  Connection.prototype.writeCommand = Object.assign(fixed, { [FIXED]: true as const });
}
