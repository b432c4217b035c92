import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './process';
import { waitFor } from './stack';

export interface Dovecot {
  port: number;
  user: string;
  password: string;
  /** The user's Maildir, to put messages into as a delivery would. */
  maildir: string;
  /** What Dovecot logged (to explain a failing test). */
  log(): string;
  stop(): Promise<void>;
}

const DOVECOT = '/usr/sbin/dovecot';

/**
 * A real Dovecot IMAP server (Debian's dovecot-imapd, installed by .ci/run) on a free loopback
 * port, with a temporary Maildir per test and one user. Cleartext on loopback only; the import's
 * TLS modes are imapflow's and need no second server to be believed.
 */
export async function startDovecot(): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'dovecot-'));
  chmodSync(dir, 0o755);
  const port = await freePort();
  const user = 'archive-import';
  const password = 'import-secret-1';
  const maildir = join(dir, 'mail', user);
  for (const sub of ['run', 'state', 'mail']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'passwd'), `${user}:{PLAIN}${password}::::::\n`);
  // Dovecot refuses to run a mail session as root: as root, the mail belongs to its own user.
  const root = process.getuid?.() === 0;
  const uid = root ? Number(execFileSync('id', ['-u', 'dovecot']).toString()) : process.getuid!();
  const gid = root ? Number(execFileSync('id', ['-g', 'dovecot']).toString()) : process.getgid!();
  if (root) chownSync(join(dir, 'mail'), uid, gid);
  writeFileSync(
    join(dir, 'dovecot.conf'),
    `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = /dev/stderr
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:${dir}/mail/%u
first_valid_uid = ${uid}
default_login_user = dovenull
default_internal_user = dovecot
passdb {
  driver = passwd-file
  args = ${dir}/passwd
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${dir}/mail/%u
}
namespace inbox {
  inbox = yes
  separator = /
  mailbox Sent {
    special_use = \\Sent
  }
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
`,
  );
  const child: ChildProcess = spawn(DOVECOT, ['-F', '-c', join(dir, 'dovecot.conf')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await waitFor('Dovecot to accept connections', async () => {
    if (child.exitCode !== null) throw new Error(`dovecot exited (${child.exitCode}): ${stderr}`);
    const { createConnection } = await import('node:net');
    return new Promise<true | undefined>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port }, () => {
        socket.end();
        resolve(true);
      });
      socket.on('error', () => resolve(undefined));
    });
  }, 20_000, 100);
  return {
    port,
    user,
    password,
    maildir,
    log: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
