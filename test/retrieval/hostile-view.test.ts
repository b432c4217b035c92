// Opening mail built to stall the server: rendering runs off the event loop that the API, the
// archiving workers and the SMTP gateway share, and a message past the render budget gets a
// clear "download it" answer instead of a stalled server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { createLogger } from '../../backend/src/log';
import { startBackend, type RunningBackend } from '../../backend/src/server';
import { startStack, type Stack } from '../helpers/stack';
import { HOSTILE_SHAPES, htmlMessage } from '../fixtures/hostile/shapes';
import { MEGAN, archiveMegan, itemBySha, messagePath, sha256 } from './helpers';

let stack: Stack;
const shapes = HOSTILE_SHAPES.map((shape) => ({ shape, bytes: shape.message(80_000) }));
// 3 MB of HTML: more than any budget of a few milliseconds can render.
const heavy = htmlMessage('heavy', '<table><tr><td style="color:red">cell</td></tr></table>'.repeat(55_000));

before(async () => {
  stack = await startStack({ seed: 'demo' });
  await archiveMegan(stack, [...shapes.map((s) => s.bytes), heavy]);
});
after(async () => stack?.close());

test('opening hostile mail never holds the event loop: every shape renders while the loop stays free', async () => {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  for (const { shape, bytes } of shapes) {
    const item = await itemBySha(stack, MEGAN.id, sha256(bytes));
    const view = await stack.api(MEGAN.upn, 'GET', messagePath(item._id));
    assert.equal(view.status, 200, `${shape.name}: ${JSON.stringify(view.body).slice(0, 300)}`);
    assert.equal(typeof view.body.headers.subject, 'string', shape.name);
  }
  delay.disable();
  // Before rendering moved to a worker, the 160 KB style block alone held the loop for seconds.
  assert.ok(delay.max < 1e9, `the event loop was held for ${Math.round(delay.max / 1e6)} ms`);
});

test('a message past the render budget is answered "too complex to display; download it", and downloads intact', async () => {
  const item = await itemBySha(stack, MEGAN.id, sha256(heavy));
  const tight: RunningBackend = await startBackend({ ...stack.config, VIEW_TIME_LIMIT_MS: 10, WORKER_CONCURRENCY: 0 }, createLogger('silent'));
  try {
    const token = await stack.emulator.issueUserToken(MEGAN.upn);
    const get = (path: string) => fetch(`${tight.url}/api${path}`, { headers: { authorization: `Bearer ${token}` } });
    const json = await get(messagePath(item._id));
    assert.equal(json.status, 422);
    const body = (await json.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'message_too_complex');
    assert.match(body.error.message, /too complex to display; download it/);

    const frame = await get(`${messagePath(item._id)}/view`);
    assert.equal(frame.status, 422);
    assert.match(frame.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    assert.match(await frame.text(), /too complex to display; download it/);

    const raw = await get(`${messagePath(item._id)}/raw`);
    assert.equal(raw.status, 200);
    assert.ok(Buffer.from(await raw.arrayBuffer()).equals(heavy), 'the .eml is the original, byte for byte');
  } finally {
    await tight.close();
  }
});
