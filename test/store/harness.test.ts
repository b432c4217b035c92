import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { delimiter, join } from 'node:path';
import { describe, test } from 'node:test';
import { DatabaseError, TOOLS_DIR, startDatabase } from '../../dev/database';
import { pingDatabase } from '../../backend/src/store';

/** Runs `work` as if MONGODB_URI were `uri` (or unset), restoring it afterwards. */
async function withMongoUri<T>(uri: string | undefined, work: () => Promise<T>): Promise<T> {
  const saved = process.env.MONGODB_URI;
  if (uri === undefined) delete process.env.MONGODB_URI;
  else process.env.MONGODB_URI = uri;
  try {
    return await work();
  } finally {
    if (saved === undefined) delete process.env.MONGODB_URI;
    else process.env.MONGODB_URI = saved;
  }
}

async function listening(): Promise<Server & { port: number }> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  return Object.assign(server, { port: typeof address === 'object' && address ? address.port : 0 });
}

async function closedPort(): Promise<number> {
  const server = await listening();
  await new Promise((done) => server.close(done));
  return server.port;
}

async function failure(work: Promise<unknown>): Promise<DatabaseError> {
  const err = await work.then(
    () => assert.fail('expected startDatabase to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof DatabaseError, `expected a DatabaseError, got ${String(err)}`);
  return err;
}

const localServer =
  existsSync(join(TOOLS_DIR, 'ferretdb')) ||
  (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, 'mongod')));

describe('database harness', () => {
  test('a MONGODB_URI that nothing answers is reported with the address and what to do, without its password', async () => {
    const port = await closedPort();
    const err = await failure(withMongoUri(`mongodb://archive:s3cret@127.0.0.1:${port}/`, () => startDatabase()));
    assert.equal(err.code, 'DB_UNREACHABLE');
    assert.match(err.message, new RegExp(`MONGODB_URI is set but no server answers at mongodb://\\*\\*\\*@127\\.0\\.0\\.1:${port}/`));
    assert.match(err.message, /correct MONGODB_URI, or unset it/);
    assert.doesNotMatch(err.message, /s3cret/);
  });

  test('a port that is already taken is reported instead of starting a server on it', async () => {
    const taken = await listening();
    try {
      const err = await failure(withMongoUri(undefined, () => startDatabase({ port: taken.port })));
      assert.equal(err.code, 'DB_PORT_IN_USE');
      assert.match(err.message, new RegExp(`Port 127\\.0\\.0\\.1:${taken.port} is already in use`));
    } finally {
      await new Promise((done) => taken.close(done));
    }
  });

  test('two local servers run side by side on free ports and stop cleanly', async (t) => {
    if (!localServer) return t.skip('neither mongod on the PATH nor a built .tools/ferretdb');
    const [a, b] = await withMongoUri(undefined, () => Promise.all([startDatabase(), startDatabase()]));
    assert.notEqual(a.uri, b.uri);
    assert.notEqual(a.kind, 'external');
    await Promise.all([pingDatabase(a.uri), pingDatabase(b.uri)]);
    await a.stop();
    await a.stop(); // idempotent
    await assert.rejects(pingDatabase(a.uri, 500), /Cannot reach MongoDB/);
    await pingDatabase(b.uri);
    await b.stop();
  });
});
