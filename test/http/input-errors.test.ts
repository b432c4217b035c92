// A request body the server cannot read is the client's mistake: 400 or 415 in the stable error
// shape, naming what to fix, and nothing in the server's error log (no stack for a client typo).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { DEMO_USERS } from '../../emulator/src/index';
import { startBackend, type RunningBackend } from '../../backend/src/server';
import { startStack, type Stack } from '../helpers/stack';

let stack: Stack;
let backend: RunningBackend;
const logged: { level: number; msg: string; err?: { stack?: string } }[] = [];

before(async () => {
  stack = await startStack({ seed: 'demo', workers: 0 });
  const sink = new Writable({ write: (line: Buffer, _e, done) => (logged.push(JSON.parse(line.toString())), done()) });
  backend = await startBackend({ ...stack.config, WORKER_CONCURRENCY: 0 }, pino({ level: 'info' }, sink));
});
after(async () => {
  await backend?.close();
  await stack?.close();
});

async function post(headers: Record<string, string>, body: string) {
  const token = await stack.emulator.issueUserToken(DEMO_USERS.megan.upn);
  const res = await fetch(`${backend.url}/api/export`, { method: 'POST', headers: { authorization: `Bearer ${token}`, ...headers }, body });
  return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
}

test('bad Content-Encoding, unsupported charsets and unreadable bodies are 400/415 with a code, and never logged as errors', async () => {
  const json = { 'content-type': 'application/json' };
  const cases = [
    { what: 'an unknown Content-Encoding', res: await post({ ...json, 'content-encoding': 'x-bogus' }, '{}'), status: 415, code: 'unsupported_content_encoding' },
    { what: 'a charset JSON cannot be in', res: await post({ 'content-type': 'application/json; charset=koi8-r' }, '{}'), status: 415, code: 'unsupported_charset' },
    { what: 'a gzip body that does not inflate', res: await post({ ...json, 'content-encoding': 'gzip' }, 'not gzip at all'), status: 400, code: 'invalid_body' },
    { what: 'JSON that is not JSON', res: await post(json, '{"archive":'), status: 400, code: 'invalid_json' },
  ];
  for (const c of cases) {
    assert.equal(c.res.status, c.status, `${c.what}: ${JSON.stringify(c.res.body)}`);
    assert.equal(c.res.body.error.code, c.code, c.what);
    assert.ok(c.res.body.error.message.length > 0, c.what);
  }
  const errors = logged.filter((l) => l.level >= 50);
  assert.deepEqual(errors.map((l) => l.msg), [], 'nothing logged as a server error');
});
