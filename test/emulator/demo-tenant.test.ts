import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { simpleParser } from 'mailparser';
import { DEMO_FILE_WORDS, DEMO_USERS, type EmulatorHandle } from '../../emulator/src/index';
import { emulator } from './helpers';

const NOW = new Date('2026-11-20T15:00:00Z');
const DAY = 86_400_000;

/** Every message of a mailbox's mail folders as raw MIME, with its folder. */
async function mailOf(emu: EmulatorHandle, upn: string): Promise<{ folder: string; mime: Buffer }[]> {
  const out: { folder: string; mime: Buffer }[] = [];
  for (const f of emu.tenant.listFolders(upn).filter((x) => x.containerClass === 'IPF.Note')) {
    for (const m of await emu.tenant.listMessages(upn, f.id!)) out.push({ folder: f.path, mime: await emu.tenant.getMessageMime(upn, m.id!) });
  }
  return out;
}

let emu: EmulatorHandle;
let megan: { folder: string; mime: Buffer }[];

describe('the demo tenant the repository generates', () => {
  before(async () => {
    // The corpus must play no part: point its lookup nowhere.
    process.env.EMULATOR_CORPUS_DIR = '/nonexistent/corpus';
    emu = await emulator({ demo: { now: NOW } });
    megan = await mailOf(emu, DEMO_USERS.megan.upn);
  });
  after(() => emu?.close());

  it('is the same bytes every time for the same date', async () => {
    const again = await emulator({ demo: { now: NOW } });
    try {
      const digest = (list: { folder: string; mime: Buffer }[]) => list.map((m) => `${m.folder}:${createHash('sha256').update(m.mime).digest('hex')}`).sort();
      assert.deepEqual(digest(await mailOf(again, DEMO_USERS.megan.upn)), digest(megan));
    } finally {
      await again.close();
    }
  });

  it('holds months of history up to today, a few hundred messages across the demo users', async () => {
    let total = 0;
    for (const key of ['admin', 'megan', 'alex', 'lee', 'diego', 'shared'] as const) total += (await mailOf(emu, DEMO_USERS[key].upn)).length;
    assert.ok(total >= 200 && total <= 5000, `${total} messages`);
    const dates = await Promise.all(megan.map(async (m) => (await simpleParser(m.mime)).date!.getTime()));
    const newest = Math.max(...dates.filter((d) => d > Date.UTC(2025, 0)));
    const oldest = Math.min(...dates.filter((d) => d > Date.UTC(2025, 0)));
    assert.ok(newest <= NOW.getTime() && NOW.getTime() - newest < DAY, 'mail from today');
    assert.ok(newest - oldest > 90 * DAY, `history spans ${Math.round((newest - oldest) / DAY)} days`);
  });

  it('has threads, HTML newsletters and PDF, Word and Excel attachments', async () => {
    const parsed = await Promise.all(megan.map((m) => simpleParser(m.mime)));
    const thread = parsed.filter((p) => /Falcon launch plan/.test(p.subject ?? ''));
    assert.ok(thread.length >= 4 && thread.some((p) => p.inReplyTo && p.references), 'a thread with replies');
    assert.ok(parsed.some((p) => /Contoso Weekly/.test(p.subject ?? '') && /<table/.test(String(p.html))), 'an HTML newsletter');
    const names = parsed.flatMap((p) => p.attachments.map((a) => a.filename ?? ''));
    for (const ext of ['.pdf', '.docx', '.xlsx']) assert.ok(names.some((n) => n.endsWith(ext)), `a ${ext} attachment in ${names.join(', ')}`);
    assert.ok(megan.some((m) => m.folder === 'Inbox/Projects/Falcon'), 'mail filed in a project folder');
  });

  it('speaks several languages in several scripts, in the shared mailbox too', async () => {
    const texts = await Promise.all([...megan, ...(await mailOf(emu, DEMO_USERS.shared.upn)), ...(await mailOf(emu, DEMO_USERS.lee.upn))]
      .map(async (m) => { const p = await simpleParser(m.mime); return `${p.subject} ${p.text}`; }));
    const all = texts.join('\n');
    for (const [script, re] of [['Japanese', /\p{Script=Hiragana}/u], ['Cyrillic', /\p{Script=Cyrillic}/u], ['Arabic', /\p{Script=Arabic}/u], ['Greek', /\p{Script=Greek}/u], ['Han', /\p{Script=Han}/u], ['German', /Grüße/]] as const) {
      assert.match(all, re, script);
    }
  });

  it('keeps its attachment words in the attachments only', async () => {
    const bodies = (await Promise.all(megan.map((m) => simpleParser(m.mime)))).map((p) => `${p.subject} ${p.text} ${p.html}`).join('\n');
    for (const word of Object.values(DEMO_FILE_WORDS)) assert.ok(!bodies.includes(word), word);
  });

  it('introduces itself on its front page: what it is, the people, the CA to trust', async () => {
    const res = await fetch(`${emu.url}/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type')!, /text\/html/);
    const page = await res.text();
    assert.match(page, /Microsoft 365 emulator/);
    for (const key of ['admin', 'megan', 'shared'] as const) assert.ok(page.includes(DEMO_USERS[key].upn), key);
    assert.match(page, /href="\/ca\.pem"/);
    const ca = await fetch(`${emu.url}/ca.pem`);
    assert.ok(Buffer.from(await ca.arrayBuffer()).equals(readFileSync(emu.caCertPath)));
  });
});
