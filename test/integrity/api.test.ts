import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { startStack, waitFor, type Stack } from '../helpers/stack';
import { archive, closeTsa, localTsa, message } from './helpers';

const run = promisify(execFile);
const ADMIN = 'adele.vance@contoso.example';
const USER = 'megan.bowen@contoso.example';

describe('integrity API and the documented proof procedure', () => {
  let stack: Stack;
  let dir: string;
  before(async () => {
    const tsa = await localTsa();
    stack = await startStack({ workers: 2, env: { TSA_URL: tsa.url, TSA_CA_FILE: tsa.caCertPath } });
    dir = await mkdtemp(join(tmpdir(), 'proof-'));
  });
  after(async () => {
    await stack.close();
    await closeTsa();
    await rm(dir, { recursive: true, force: true });
  });

  it('only administrators and auditors see integrity; only administrators start work', async () => {
    assert.equal((await stack.api(USER, 'GET', '/admin/integrity')).status, 403);
    assert.equal((await stack.api(USER, 'POST', '/admin/integrity/verify')).status, 403);
    assert.equal((await stack.api(USER, 'POST', '/admin/integrity/seal', { stampLate: true })).status, 403);
  });

  it('refuses a seal request it does not understand, naming the field', async () => {
    const res = await stack.api(ADMIN, 'POST', '/admin/integrity/seal', { stampLate: 'yes' });
    assert.equal(res.status, 400);
    assert.match(JSON.stringify(res.body), /stampLate/);
  });

  it('seals on demand, verifies on demand, and reports the run', async () => {
    const stored = await archive(stack.store as never, 'arch-1', 3);
    const sealed = await stack.api(ADMIN, 'POST', '/admin/integrity/seal');
    assert.equal(sealed.status, 200);
    assert.equal(sealed.body.appended, 3);
    assert.equal(sealed.body.rootsClosed, 1);
    // Each worker process seals every minute too, and may take the new root's token first (then this
    // request counts none): that the root is stamped is asserted below, by whoever stamped it.
    assert.ok(sealed.body.stamped <= 1, JSON.stringify(sealed.body));
    const started = await stack.api(ADMIN, 'POST', '/admin/integrity/verify');
    assert.equal(started.status, 202);
    const status = await waitFor('the verification report', async () => {
      const s = await stack.api(ADMIN, 'GET', '/admin/integrity');
      return s.body.lastVerification?._id === started.body.jobId ? s.body : undefined;
    });
    assert.equal(status.ledger.entries, 3);
    assert.equal(status.ledger.timestamped, 1);
    assert.equal(status.ledger.tsa.configured, true);
    assert.equal(status.lastVerification.counts.messagesChecked, 3);
    assert.deepEqual(status.lastVerification.problems, []);
    assert.equal(stored.length, 3);
  });

  it('exports a proof that docs/verify-proof.py and openssl ts -verify accept, and that refuses a forged message', async () => {
    const [m] = await archive(stack.store as never, 'arch-1', 1, 0);
    const res = await stack.api(ADMIN, 'POST', '/admin/integrity/proof', { messages: [{ archiveId: 'arch-1', id: m!.sha256 }] });
    assert.equal(res.status, 200);
    await writeFile(join(dir, 'proof.json'), JSON.stringify(res.body));
    await writeFile(join(dir, 'message.eml'), message(0));
    const { stdout } = await run('python3', ['docs/verify-proof.py', join(dir, 'proof.json'), join(dir, 'message.eml')]);
    assert.match(stdout, /root 1: time-stamp token verified by openssl/);
    assert.match(stdout, /entry 1: hash ok, in root 1/);
    assert.match(stdout, /message\.eml: is the message of entry 1/);
    assert.match(stdout, /^OK$/m);

    await writeFile(join(dir, 'forged.eml'), message(0, ' And a forged line.'));
    await assert.rejects(run('python3', ['docs/verify-proof.py', join(dir, 'proof.json'), join(dir, 'forged.eml')]), /forged\.eml is none of the proven messages/);
    const tampered = structuredClone(res.body);
    tampered.messages[0].entries[0].entry.size += 1;
    await writeFile(join(dir, 'tampered.json'), JSON.stringify(tampered));
    await assert.rejects(run('python3', ['docs/verify-proof.py', join(dir, 'tampered.json')]), /entry 1 does not hash/);
  });

  it('proves when an entry was time-stamped, from the token itself, and says when that was later than the archive allows', async () => {
    const [m] = await archive(stack.store as never, 'arch-2', 1, 7);
    await sleep(2_500); // the root's token comes over two seconds after the entry (the TSA's time has whole seconds: over one)
    assert.equal((await stack.api(ADMIN, 'POST', '/admin/integrity/seal')).body.rootsClosed, 1, 'sealed (a worker may take the token first, as above)');
    // A worker that took the token first may still be stamping when the request returns: the proof is asked for once the root has its token.
    const proof = await waitFor('the root\'s time-stamp token', async () => {
      const res = await stack.api(ADMIN, 'POST', '/admin/integrity/proof', { messages: [{ archiveId: 'arch-2', id: m!.sha256 }] });
      return res.body.roots?.[0]?.token ? res.body : undefined;
    });
    assert.deepEqual(proof.stampRule, { periodSeconds: 3600, graceSeconds: 24 * 3600 }, 'the defaults: LEDGER_PERIOD_MINUTES 60, TSA_GRACE_HOURS 24');
    const check = async (name: string, body: unknown) => {
      await writeFile(join(dir, name), JSON.stringify(body));
      return (await run('python3', ['docs/verify-proof.py', join(dir, name)])).stdout;
    };
    const onTime = await check('on-time.json', proof);
    assert.match(onTime, /time-stamped 0:00:0[1-9] after this entry\n/);
    assert.match(onTime, /^OK$/m);

    assert.deepEqual(proof.roots[0].stampRule, proof.stampRule, 'the root states the rule it was closed under');
    const strict = structuredClone(proof);
    strict.roots[0].stampRule = { periodSeconds: 0, graceSeconds: 1 };
    const late = await check('strict.json', strict);
    assert.match(late, /LATER than the archive's rule allows \(0:00:01: two sealing periods and the grace\), so the token proves only that this entry existed by 20/);
    assert.match(late, /^OK, but 1 entry was time-stamped later than the archive's rule allows/m);
    const loosened = structuredClone(strict);
    loosened.roots[0].stampRule = { periodSeconds: 3600, graceSeconds: 10 * 365 * 86_400 };
    loosened.stampRule = { periodSeconds: 0, graceSeconds: 1 };
    assert.match(await check('loosened.json', loosened), /^OK, but 1 entry/m, "a root's own rule never loosens the archive's");

    const unstamped = structuredClone(proof);
    unstamped.roots[0].token = null;
    assert.match(await check('unstamped.json', unstamped), /root \d+: NOT time-stamped yet: nothing proves when its entries existed/);

    const redated = structuredClone(proof);
    redated.roots[0].genTime = new Date(Date.parse(proof.roots[0].genTime) - 86_400_000).toISOString();
    await assert.rejects(check('redated.json', redated), /the proof says it was time-stamped .*, its token says/);
  });

  it('names the field of a bad proof request', async () => {
    const res = await stack.api(ADMIN, 'POST', '/admin/integrity/proof', { messages: [{ archiveId: 'a', id: 'nope' }] });
    assert.equal(res.status, 400);
    assert.match(res.body.error.field, /messages/);
  });
});
