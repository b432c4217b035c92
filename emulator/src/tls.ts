import { generateKeyPairSync, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import forge from 'node-forge';
import { repoRoot } from './config';

export interface CertificatePaths {
  dir: string;
  caCertPath: string;
  caKeyPath: string;
  certPath: string;
  keyPath: string;
}

const DAY_MS = 24 * 3600 * 1000;
const MIN_REMAINING_MS = 30 * DAY_MS;

export function defaultCertDir(): string {
  return join(repoRoot, '.tools', 'certs');
}

function pathsFor(dir: string): CertificatePaths {
  return {
    dir,
    caCertPath: join(dir, 'ca.pem'),
    caKeyPath: join(dir, 'ca-key.pem'),
    certPath: join(dir, 'server.pem'),
    keyPath: join(dir, 'server-key.pem'),
  };
}

/**
 * Creates (once) a local CA and a localhost server certificate signed by it. Test runners point
 * NODE_EXTRA_CA_CERTS at ca.pem before Node starts, so an existing valid CA is never replaced.
 */
export async function ensureCertificates(dir = defaultCertDir()): Promise<CertificatePaths> {
  const paths = pathsFor(dir);
  mkdirSync(dir, { recursive: true });
  if (isUsable(paths)) return paths;
  await withLock(join(dir, '.lock'), () => {
    if (isUsable(paths)) return;
    const ca = caIsUsable(paths) ? loadCa(paths) : createCa(paths);
    createServerCert(paths, ca);
  });
  return paths;
}

function isUsable(p: CertificatePaths): boolean {
  if (!caIsUsable(p) || !existsSync(p.certPath) || !existsSync(p.keyPath)) return false;
  try {
    const ca = new X509Certificate(readFileSync(p.caCertPath));
    const cert = new X509Certificate(readFileSync(p.certPath));
    return cert.verify(ca.publicKey) && validLongEnough(cert) && cert.checkHost('localhost') !== undefined
      && cert.checkIP('127.0.0.1') !== undefined;
  } catch {
    return false;
  }
}

function caIsUsable(p: CertificatePaths): boolean {
  if (!existsSync(p.caCertPath) || !existsSync(p.caKeyPath)) return false;
  try {
    return validLongEnough(new X509Certificate(readFileSync(p.caCertPath)));
  } catch {
    return false;
  }
}

function validLongEnough(cert: X509Certificate): boolean {
  return new Date(cert.validTo).getTime() - Date.now() > MIN_REMAINING_MS;
}

interface Ca { cert: forge.pki.Certificate; key: forge.pki.rsa.PrivateKey }

function loadCa(p: CertificatePaths): Ca {
  return {
    cert: forge.pki.certificateFromPem(readFileSync(p.caCertPath, 'utf8')),
    key: forge.pki.privateKeyFromPem(readFileSync(p.caKeyPath, 'utf8')) as forge.pki.rsa.PrivateKey,
  };
}

function newKeyPair(): { publicKey: forge.pki.rsa.PublicKey; privateKey: forge.pki.rsa.PrivateKey } {
  // Node's native generator is far faster than forge's pure-JS one.
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return {
    publicKey: forge.pki.publicKeyFromPem(publicKey) as forge.pki.rsa.PublicKey,
    privateKey: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey,
  };
}

function baseCert(publicKey: forge.pki.rsa.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  // Positive serial: the high bit must be clear.
  cert.serialNumber = '01' + randomBytes(15).toString('hex');
  cert.validity.notBefore = new Date(Date.now() - DAY_MS);
  cert.validity.notAfter = new Date(Date.now() + days * DAY_MS);
  return cert;
}

function createCa(p: CertificatePaths): Ca {
  const keys = newKeyPair();
  const cert = baseCert(keys.publicKey, 3650);
  const subject = [
    { name: 'commonName', value: 'M365 Archive Emulator Local CA' },
    { name: 'organizationName', value: 'm365-archive development' },
  ];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  atomicWrite(p.caKeyPath, forge.pki.privateKeyToPem(keys.privateKey));
  atomicWrite(p.caCertPath, forge.pki.certificateToPem(cert));
  return { cert, key: keys.privateKey };
}

function createServerCert(p: CertificatePaths, ca: Ca): void {
  const keys = newKeyPair();
  const cert = baseCert(keys.publicKey, 365);
  cert.setSubject([{ name: 'commonName', value: 'localhost' }]);
  cert.setIssuer(ca.cert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [
        { type: 2, value: 'localhost' },
        { type: 7, ip: '127.0.0.1' },
        { type: 7, ip: '::1' },
      ],
    },
    { name: 'subjectKeyIdentifier' },
    { name: 'authorityKeyIdentifier', keyIdentifier: ca.cert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(ca.key, forge.md.sha256.create());
  atomicWrite(p.keyPath, forge.pki.privateKeyToPem(keys.privateKey));
  atomicWrite(p.certPath, forge.pki.certificateToPem(cert));
}

/**
 * A self-signed certificate and its key (PEM), as an administrator creates one to upload to an
 * app registration as its credential; `days` below zero gives one that has already expired.
 */
export function selfSignedCertificate(commonName: string, days = 365): { certPem: string; keyPem: string } {
  const keys = newKeyPair();
  const cert = baseCert(keys.publicKey, days);
  cert.setSubject([{ name: 'commonName', value: commonName }]);
  cert.setIssuer([{ name: 'commonName', value: commonName }]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

function atomicWrite(path: string, content: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, content, { mode: path.endsWith('key.pem') ? 0o600 : 0o644 });
  renameSync(tmp, path);
}

/** Test files start emulators in parallel processes; only one of them may mint certificates. */
async function withLock(lockDir: string, fn: () => void): Promise<void> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      mkdirSync(lockDir);
      break;
    } catch {
      if (isStale(lockDir) || Date.now() > deadline) rmSync(lockDir, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  try {
    fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

function isStale(lockDir: string): boolean {
  try {
    return Date.now() - statSync(lockDir).mtimeMs > 60_000;
  } catch {
    return false;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const paths = await ensureCertificates();
  process.stdout.write(`${paths.caCertPath}\n`);
}
