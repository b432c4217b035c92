/**
 * A real RFC 3161 time-stamping authority for the demo and the tests: OpenSSL's own TSA
 * (`openssl ts -reply`) behind a small HTTP server speaking the RFC 3161 HTTP transport
 * (POST application/timestamp-query → application/timestamp-reply). Its certificates are made
 * once per folder: a CA, and a TSA certificate under it whose extendedKeyUsage is timeStamping,
 * marked critical as RFC 3161 §2.3 requires. Nothing here is faked: a token it returns is
 * signed by the TSA key and verifies with `openssl ts -verify` against the CA.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LocalTsa {
  /** POST time-stamp queries here. */
  url: string;
  /** The CA that issued the TSA certificate: what a verifier trusts. */
  caCertPath: string;
  /** Tokens issued so far. */
  issued(): number;
  close(): Promise<void>;
}

const MAX_QUERY_BYTES = 10_000;

/** Starts the TSA on a free loopback port; its keys live in `dir` (made when missing). */
export async function startLocalTsa(opts: { dir: string; port?: number }): Promise<LocalTsa> {
  await ensureTsaCertificates(opts.dir);
  const config = join(opts.dir, 'tsa.cnf');
  let issued = 0;
  // openssl increments one serial file: requests take their turn.
  let queue: Promise<unknown> = Promise.resolve();
  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.headers['content-type'] !== 'application/timestamp-query') {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('POST an application/timestamp-query');
      return;
    }
    const work = queue.then(async () => {
      const reply = await answer(config, await body(req));
      issued += 1;
      res.writeHead(200, { 'content-type': 'application/timestamp-reply', 'content-length': reply.length }).end(reply);
    });
    queue = work.catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/tsa`,
    caCertPath: join(opts.dir, 'ca.pem'),
    issued: () => issued,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function answer(config: string, query: Buffer): Promise<Buffer> {
  const work = await mkdtemp(join(tmpdir(), 'tsa-'));
  try {
    await writeFile(join(work, 'q.tsq'), query);
    await run('openssl', ['ts', '-reply', '-config', config, '-queryfile', join(work, 'q.tsq'), '-out', join(work, 'r.tsr')]);
    return await readFile(join(work, 'r.tsr'));
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function body(req: IncomingMessage): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const part of req as AsyncIterable<Buffer>) {
    size += part.length;
    if (size > MAX_QUERY_BYTES) throw new Error('time-stamp query too large');
    parts.push(part);
  }
  return Buffer.concat(parts);
}

/** CA, TSA key and certificate, and the `openssl ts` configuration, made once per folder. */
export async function ensureTsaCertificates(dir: string): Promise<void> {
  if (existsSync(join(dir, 'tsa.cnf'))) return;
  await mkdir(dir, { recursive: true });
  const f = (name: string) => join(dir, name);
  await writeFile(f('ext.cnf'), '[tsa]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=critical,timeStamping\n');
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '3650', '-subj', '/CN=M365 Archive local TSA CA']);
  await run('openssl', ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('tsa.key'), '-out', f('tsa.csr'), '-subj', '/CN=M365 Archive local TSA']);
  await run('openssl', ['x509', '-req', '-in', f('tsa.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('tsa.pem'), '-days', '3650', '-extfile', f('ext.cnf'), '-extensions', 'tsa']);
  await writeFile(f('serial'), '01\n');
  await writeFile(
    f('tsa.cnf'),
    [
      '[ tsa ]',
      'default_tsa = local',
      '[ local ]',
      `serial = ${f('serial')}`,
      'crypto_device = builtin',
      `signer_cert = ${f('tsa.pem')}`,
      `certs = ${f('ca.pem')}`,
      `signer_key = ${f('tsa.key')}`,
      'signer_digest = sha256',
      'default_policy = 1.3.6.1.4.1.4146.2.3',
      'digests = sha256, sha384, sha512',
      'accuracy = secs:1',
      'ordering = yes',
      'tsa_name = yes',
      'ess_cert_id_chain = no',
      'ess_cert_id_alg = sha256',
      '',
    ].join('\n'),
  );
}
