import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { z } from 'zod';

const thumbprint = (hexChars: number) =>
  z
    .string()
    .transform((t) => t.replace(/[:\s]/g, '').toLowerCase())
    .refine((t) => new RegExp(`^[0-9a-f]{${hexChars}}$`).test(t), `must be ${hexChars} hexadecimal digits`);

/**
 * How the backend proves itself to Entra ID: a client secret, or (what Microsoft advises for
 * production) a certificate whose public half is uploaded to the app registration and whose
 * private key signs a client assertion.
 */
export const credentialSchema = z.object({
  CLIENT_SECRET: z.string().min(1, 'is empty').optional(),
  /** Certificate credential (preferred over a secret): the PEM private key of a certificate uploaded to the app registration. */
  CLIENT_CERTIFICATE_KEY_FILE: z.string().min(1, 'is empty').optional(),
  /** The certificate's SHA-256 thumbprint (hex), as Entra shows it; msal-node then signs with PS256. */
  CLIENT_CERTIFICATE_THUMBPRINT_SHA256: thumbprint(64).optional(),
  /** The SHA-1 thumbprint, for certificates registered before Entra showed SHA-256 ones; RS256. */
  CLIENT_CERTIFICATE_THUMBPRINT: thumbprint(40).optional(),
  /** Optional PEM chain sent as `x5c` (subject name and issuer authentication). */
  CLIENT_CERTIFICATE_CHAIN_FILE: z.string().min(1, 'is empty').optional(),
});
type CredentialEnv = z.infer<typeof credentialSchema>;

export type ClientCredential =
  | { kind: 'secret'; secret: string }
  | { kind: 'certificate'; privateKey: string; thumbprintSha256?: string; thumbprint?: string; x5c?: string };

export type Problem = { name: string; message: string };

/** Exactly one credential: msal-node refuses a secret and a certificate together. */
export function readCredential(c: CredentialEnv): ClientCredential | { problems: Problem[] } {
  const certificate = c.CLIENT_CERTIFICATE_KEY_FILE || c.CLIENT_CERTIFICATE_THUMBPRINT_SHA256 || c.CLIENT_CERTIFICATE_THUMBPRINT || c.CLIENT_CERTIFICATE_CHAIN_FILE;
  if (c.CLIENT_SECRET && certificate) {
    return { problems: [{ name: 'CLIENT_SECRET', message: 'and CLIENT_CERTIFICATE_KEY_FILE are both set: configure one credential (the certificate is preferred)' }] };
  }
  if (c.CLIENT_SECRET) return { kind: 'secret', secret: c.CLIENT_SECRET };
  if (!certificate) {
    return { problems: [{ name: 'CLIENT_SECRET', message: 'is required but not set (or a certificate: CLIENT_CERTIFICATE_KEY_FILE with CLIENT_CERTIFICATE_THUMBPRINT_SHA256)' }] };
  }
  return readCertificate(c);
}

function readCertificate(c: CredentialEnv): ClientCredential | { problems: Problem[] } {
  const problems: Problem[] = [];
  const key = c.CLIENT_CERTIFICATE_KEY_FILE ? readPem(c.CLIENT_CERTIFICATE_KEY_FILE, 'CLIENT_CERTIFICATE_KEY_FILE', problems) : undefined;
  if (!c.CLIENT_CERTIFICATE_KEY_FILE) problems.push({ name: 'CLIENT_CERTIFICATE_KEY_FILE', message: 'is required with a certificate credential (the PEM private key)' });
  if (key) checkPrivateKey(key, problems);
  if (!c.CLIENT_CERTIFICATE_THUMBPRINT_SHA256 && !c.CLIENT_CERTIFICATE_THUMBPRINT) {
    problems.push({ name: 'CLIENT_CERTIFICATE_THUMBPRINT_SHA256', message: 'is required with a certificate credential (or CLIENT_CERTIFICATE_THUMBPRINT, the SHA-1 one)' });
  }
  const chain = c.CLIENT_CERTIFICATE_CHAIN_FILE ? readPem(c.CLIENT_CERTIFICATE_CHAIN_FILE, 'CLIENT_CERTIFICATE_CHAIN_FILE', problems) : undefined;
  if (chain) checkChain(chain, c, problems);
  if (problems.length > 0 || !key) return { problems };
  return {
    kind: 'certificate',
    privateKey: key,
    ...(c.CLIENT_CERTIFICATE_THUMBPRINT_SHA256 ? { thumbprintSha256: c.CLIENT_CERTIFICATE_THUMBPRINT_SHA256 } : { thumbprint: c.CLIENT_CERTIFICATE_THUMBPRINT }),
    ...(chain ? { x5c: chain } : {}),
  };
}

function readPem(path: string, name: string, problems: Problem[]): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    problems.push({ name, message: `cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
    return undefined;
  }
}

function checkPrivateKey(pem: string, problems: Problem[]): void {
  try {
    if (createPrivateKey(pem).asymmetricKeyType !== 'rsa') problems.push({ name: 'CLIENT_CERTIFICATE_KEY_FILE', message: 'must hold an RSA private key (Entra signs and verifies RS256/PS256)' });
  } catch {
    problems.push({ name: 'CLIENT_CERTIFICATE_KEY_FILE', message: 'is not a PEM private key (unencrypted PKCS#8 or PKCS#1)' });
  }
}

/** The chain's first certificate must be the one the thumbprint names, or Entra would find another key. */
function checkChain(pem: string, c: CredentialEnv, problems: Problem[]): void {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(pem);
  } catch {
    problems.push({ name: 'CLIENT_CERTIFICATE_CHAIN_FILE', message: 'is not a PEM certificate chain' });
    return;
  }
  const sha256 = cert.fingerprint256.replace(/:/g, '').toLowerCase();
  const sha1 = cert.fingerprint.replace(/:/g, '').toLowerCase();
  if (c.CLIENT_CERTIFICATE_THUMBPRINT_SHA256 && c.CLIENT_CERTIFICATE_THUMBPRINT_SHA256 !== sha256) {
    problems.push({ name: 'CLIENT_CERTIFICATE_THUMBPRINT_SHA256', message: `does not match the first certificate of CLIENT_CERTIFICATE_CHAIN_FILE (${sha256})` });
  } else if (!c.CLIENT_CERTIFICATE_THUMBPRINT_SHA256 && c.CLIENT_CERTIFICATE_THUMBPRINT && c.CLIENT_CERTIFICATE_THUMBPRINT !== sha1) {
    problems.push({ name: 'CLIENT_CERTIFICATE_THUMBPRINT', message: `does not match the first certificate of CLIENT_CERTIFICATE_CHAIN_FILE (${sha1})` });
  }
}


export function credentialProblems(credential: ClientCredential | { problems: Problem[] }): Problem[] {
  return 'problems' in credential ? credential.problems : [];
}
