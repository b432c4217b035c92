import { startDatabase } from '/work/main/dev/database';
import { openStore } from '/work/main/backend/src/store';
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
const db = await startDatabase();
const store = await openStore({ uri: db.uri + '?monitorCommands=true', dbName: 'probe' });
const big = Buffer.alloc(400 * 1024);
for (let i = 0; i < big.length; i++) big[i] = (i * 7919 + (i >> 7)) & 0xff;
for (let i = 0; i < Number(process.env.NBIG ?? 30); i++) { const b = Buffer.concat([big, Buffer.from(String(i))]); await store.blobs.put(createHash('sha256').update(b).digest('hex'), b.length, () => Readable.from([b])); }
const client = (store.conn.getClient() as any);
const times: Record<string, number[]> = {};
client.on('commandStarted', (e: any) => { (e as any); start.set(e.requestId, [Date.now(), e.commandName + ' ' + (e.command[e.commandName])]); });
const start = new Map<number, [number, string]>();
client.on('commandSucceeded', (e: any) => { const s = start.get(e.requestId); if (s) (times[s[1]] ??= []).push(Date.now() - s[0]); });
const small = Buffer.from('Subject: x\r\n\r\n' + 'body '.repeat(2000));
const sha = createHash('sha256').update(small).digest('hex');
let t = Date.now();
for (let i = 0; i < 20; i++) { const b = Buffer.concat([small, Buffer.from(String(i))]); await store.blobs.put(createHash('sha256').update(b).digest('hex'), b.length, () => Readable.from([b])); }
console.log('20 puts', Date.now() - t);
t = Date.now();
await store.blobs.put(sha, small.length, () => Readable.from([small]));
console.log('put', Date.now() - t);
t = Date.now();
for await (const _ of store.blobs.open(sha)) { /* */ }
console.log('open', Date.now() - t);
console.log(Object.fromEntries(Object.entries(times).map(([k, v]) => [k, `n=${v.length} avg=${(v.reduce((a, b) => a + b, 0) / v.length).toFixed(1)}`])));
await store.db.dropDatabase();
await store.close();
await db.stop();
