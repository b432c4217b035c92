import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import yazl from 'yazl';
import { DEMO_USERS } from '../../emulator/src/index';
import { corpusDir, corpusFiles } from '../helpers/corpus';
import { startStack, type Stack } from '../helpers/stack';
import { rawApi } from '../retrieval/helpers';
import { parseMboxrd } from '../retrieval/mbox-reader';
import { readZip } from '../retrieval/zip-reader';
import { importState, upload } from './helpers-api';
import { sha256 } from './helpers';

const ADMIN = DEMO_USERS.admin.upn;
const DIEGO = DEMO_USERS.diego;
let stack: Stack;
let byFolder: Map<string, Buffer[]>;

before(async () => {
  stack = await startStack({ seed: 'demo', workers: 2 });
  await stack.api(ADMIN, 'POST', '/admin/directory/sync');
  if (!corpusDir()) return;
  // A former archive's export: .eml files in folders, imported with its structure.
  const files = corpusFiles('lore-linux-s390').slice(700, 730);
  byFolder = new Map([['Lists/s390', files.slice(0, 20).map((f) => readFileSync(f))], ['Lists/s390/patches', files.slice(20, 25).map((f) => readFileSync(f))], ['Other', files.slice(25).map((f) => readFileSync(f))]]);
  const zip = new yazl.ZipFile();
  for (const [folder, mails] of byFolder) mails.forEach((m, i) => zip.addBuffer(m, `${folder}/${i}.eml`));
  zip.end();
  const chunks: Buffer[] = [];
  for await (const c of zip.outputStream) chunks.push(c as Buffer);
  const created = await stack.api(ADMIN, 'POST', '/imports', { archive: DIEGO.upn, source: { kind: 'upload', uploadId: await upload(stack, ADMIN, 'former-archive.zip', Buffer.concat(chunks)) } });
  assert.equal((await importState(stack, ADMIN, created.body.id, ['done', 'failed'])).messages.archived, 30);
});
after(() => stack?.close());

const exportPart = (body: Record<string, unknown>) => rawApi(stack, DIEGO.upn, 'POST', '/export', { archive: DIEGO.id, ...body });

test('a folder exports with its subfolders in parts; the parts joined are the folder, and a part asked for again is the same', async (t) => {
  if (!corpusDir()) return t.skip('no corpus');
  const parts: Buffer[] = [];
  let after: string | undefined;
  let total = 0;
  for (;;) {
    const res = await exportPart({ format: 'mbox', folder: 'Lists/s390', partMessages: 7, ...(after ? { after } : {}) });
    assert.equal(res.status, 200, res.bytes.toString());
    total += Number(res.headers.get('x-export-messages'));
    parts.push(res.bytes);
    const next = res.headers.get('x-export-next-cursor');
    if (after) {
      const again = await exportPart({ format: 'mbox', folder: 'Lists/s390', partMessages: 7, after });
      assert.ok(again.bytes.equals(res.bytes), 'a part asked for again (a resumed download) is byte-identical');
    }
    if (!next) break;
    after = next;
  }
  assert.equal(parts.length, 4);
  assert.equal(total, 25);
  const exported = parseMboxrd(Buffer.concat(parts)).map(sha256).sort();
  assert.deepEqual(exported, [...byFolder.get('Lists/s390')!, ...byFolder.get('Lists/s390/patches')!].map(sha256).sort());
  const bad = await exportPart({ format: 'mbox', folder: 'Lists', after: 'not-a-cursor' });
  assert.deepEqual([bad.status, bad.json().error.field], [400, 'after']);
});

test('a zip export of a folder keeps the folder paths below the archive', async (t) => {
  if (!corpusDir()) return t.skip('no corpus');
  const res = await exportPart({ format: 'zip', folder: 'Lists/s390' });
  assert.equal(res.status, 200);
  const folders = new Set(readZip(res.bytes).map((e) => e.name.split('/').slice(0, -1).join('/')));
  assert.deepEqual([...folders].sort(), ['Lists/s390', 'Lists/s390/patches']);
});
