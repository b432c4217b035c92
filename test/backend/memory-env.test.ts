import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MEMORY_ENV, missingMemorySettings, withMemoryEnv } from '../../backend/src/memory-env';

const GB = 1024 * 1024 * 1024;

test('the launchers add the memory settings, keep what the operator set, and append to NODE_OPTIONS', () => {
  const env = withMemoryEnv({ PATH: '/bin', MALLOC_ARENA_MAX: '4', NODE_OPTIONS: '--enable-source-maps' });
  assert.equal(env.PATH, '/bin');
  assert.equal(env.MALLOC_ARENA_MAX, '4', "the operator's own value wins");
  assert.equal(env.MALLOC_MMAP_THRESHOLD_, MEMORY_ENV.MALLOC_MMAP_THRESHOLD_);
  assert.equal(env.NODE_OPTIONS, '--enable-source-maps --max-old-space-size=512 --max-semi-space-size=8');
  // An operator's own heap limit is kept, not doubled.
  assert.equal(withMemoryEnv({ NODE_OPTIONS: '--max-old-space-size=2048' }).NODE_OPTIONS, '--max-old-space-size=2048 --max-semi-space-size=8');
  assert.equal(withMemoryEnv({}).NODE_OPTIONS, '--max-old-space-size=512 --max-semi-space-size=8');
});

test('a backend started without them can say which are missing', () => {
  assert.deepEqual(missingMemorySettings(withMemoryEnv({}), 1 * GB), []);
  assert.deepEqual(missingMemorySettings({}, 4 * GB), [...Object.keys(MEMORY_ENV), '--max-old-space-size (NODE_OPTIONS)']);
});
