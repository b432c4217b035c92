import assert from 'node:assert/strict';
import { waitFor, type Stack } from '../helpers/stack';

/** Uploads bytes through the resumable upload API, `chunk` bytes per request; returns the upload id. */
export async function upload(stack: Stack, user: string, name: string, bytes: Buffer, chunk = 64 * 1024): Promise<string> {
  const started = await stack.api(user, 'POST', '/imports/uploads', { name, size: bytes.length });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  for (let at = 0; at < bytes.length; at += chunk) {
    const res = await patchChunk(stack, user, started.body.id, at, bytes.subarray(at, at + chunk));
    assert.equal(res.status, 200, await res.text());
  }
  return started.body.id as string;
}

export async function patchChunk(stack: Stack, user: string, id: string, offset: number, bytes: Buffer): Promise<Response> {
  const token = await stack.emulator.issueUserToken(user);
  return fetch(`${stack.backend.url}/api/imports/uploads/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/octet-stream', 'upload-offset': String(offset) },
    body: new Uint8Array(bytes),
  });
}

/** Waits until the import reaches one of `states`, returning its view. */
export async function importState(stack: Stack, user: string, id: string, states: string[], timeoutMs = 60_000): Promise<any> {
  return waitFor(
    `import ${id} to be ${states.join(' or ')}`,
    async () => {
      const res = await stack.api(user, 'GET', `/imports/${id}`);
      return states.includes(res.body.state) ? res.body : undefined;
    },
    timeoutMs,
    100,
  );
}
