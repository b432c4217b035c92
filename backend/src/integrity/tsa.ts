import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import type * as Asn1js from 'asn1js';
import type * as Pkijs from 'pkijs';

/**
 * RFC 3161 time-stamping of Merkle roots. What is stamped is the 32-byte root itself: the
 * request's messageImprint is SHA-256(root bytes), so an auditor checks a token with
 * `openssl ts -verify -token_in -in root.tst -data root.bin -CAfile tsa-ca.pem` (docs/integrity.md).
 * Transport: RFC 3161 §3.4, a POST of application/timestamp-query.
 */
export interface Timestamp {
  /** The TimeStampToken (a CMS ContentInfo), DER. */
  token: Buffer;
  genTime: Date;
}

export class TsaError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TsaError';
  }
}

interface Pki {
  pkijs: typeof Pkijs;
  asn1js: typeof Asn1js;
}
let pkiLoading: Promise<Pki> | undefined;

/** pkijs and asn1js are loaded by the first stamp or check, not by every process (build.ts: LOADED_ON_FIRST_USE). */
function loadPki(): Promise<Pki> {
  return (pkiLoading ??= Promise.all([import('pkijs'), import('asn1js')]).then(([pkijs, asn1js]) => ({ pkijs, asn1js })));
}

const SHA256_OID = '2.16.840.1.101.3.4.2.1';
const TIME_STAMPING_EKU = '1.3.6.1.5.5.7.3.8';

export async function requestTimestamp(url: string, root: Buffer, timeoutMs = 30_000): Promise<Timestamp> {
  const pki = await loadPki();
  const { pkijs, asn1js } = pki;
  const nonce = randomBytes(8);
  nonce[0]! &= 0x7f; // a positive INTEGER
  const request = new pkijs.TimeStampReq({
    version: 1,
    messageImprint: imprintOf(pki, root),
    nonce: new asn1js.Integer({ valueHex: nonce }),
    certReq: true,
  });
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/timestamp-query' },
      body: Buffer.from(request.toSchema().toBER()),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    throw new TsaError(`The time-stamping authority at ${url} did not answer: ${(err as Error).message}`, { cause: err });
  }
  if (!res.ok) throw new TsaError(`The time-stamping authority at ${url} answered HTTP ${res.status}`);
  const response = pkijs.TimeStampResp.fromBER(await res.arrayBuffer());
  const status = response.status.status;
  if ((status !== 0 && status !== 1) || !response.timeStampToken) {
    throw new TsaError(`The time-stamping authority refused the request (PKIStatus ${status}): ${response.status.statusStrings?.map((s) => s.valueBlock.value).join('; ') ?? ''}`);
  }
  const token = Buffer.from(response.timeStampToken.toSchema().toBER());
  const info = tstInfoOf(pkijs, token);
  if (!Buffer.from(info.nonce?.valueBlock.valueHexView ?? []).equals(stripZeros(nonce))) throw new TsaError('The time-stamp token does not carry our nonce');
  return { token, genTime: info.genTime };
}

export type TokenCheck = { ok: true; genTime: Date } | { ok: false; reason: string };

/**
 * The token is a TSA's signature over this root: the imprint matches, the CMS signature holds,
 * and the signer chains to one of `trusted` (PEM CA certificates) with the timeStamping purpose.
 */
export async function verifyTimestamp(token: Buffer, root: Buffer, trusted: string[]): Promise<TokenCheck> {
  const { pkijs } = await loadPki();
  let signed: Pkijs.SignedData;
  try {
    signed = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(bufferOf(token)).content });
  } catch (err) {
    return { ok: false, reason: `token is not a CMS SignedData: ${(err as Error).message}` };
  }
  const info = tstInfoOf(pkijs, token);
  if (!Buffer.from(info.messageImprint.hashedMessage.valueBlock.valueHexView).equals(createHash('sha256').update(root).digest())) {
    return { ok: false, reason: 'token stamps another root' };
  }
  const signer = signed.certificates?.find((c): c is Pkijs.Certificate => c instanceof pkijs.Certificate);
  if (!signer) return { ok: false, reason: 'token carries no signer certificate' };
  const eku = new X509Certificate(Buffer.from(signer.toSchema().toBER())).keyUsage ?? [];
  if (!eku.includes(TIME_STAMPING_EKU)) return { ok: false, reason: 'signer certificate is not for time-stamping' };
  try {
    const trustedCerts = trusted.flatMap(pemCertificates).map((der) => pkijs.Certificate.fromBER(bufferOf(der)));
    const result = await signed.verify({ signer: 0, data: bufferOf(root), trustedCerts, checkChain: true, extendedMode: true });
    if (!result.signatureVerified) return { ok: false, reason: 'token signature does not verify' };
  } catch (err) {
    return { ok: false, reason: `token does not verify: ${(err as { message?: string }).message ?? String(err)}` };
  }
  return { ok: true, genTime: info.genTime };
}

function tstInfoOf(pkijs: typeof Pkijs, token: Buffer): Pkijs.TSTInfo {
  const signed = new pkijs.SignedData({ schema: pkijs.ContentInfo.fromBER(bufferOf(token)).content });
  const content = signed.encapContentInfo.eContent;
  if (!content) throw new TsaError('The time-stamp token has no TSTInfo');
  return pkijs.TSTInfo.fromBER(content.getValue());
}

function imprintOf({ pkijs, asn1js }: Pki, root: Buffer): Pkijs.MessageImprint {
  return new pkijs.MessageImprint({
    hashAlgorithm: new pkijs.AlgorithmIdentifier({ algorithmId: SHA256_OID }),
    hashedMessage: new asn1js.OctetString({ valueHex: createHash('sha256').update(root).digest() }),
  });
}

function pemCertificates(pem: string): Buffer[] {
  return [...pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g)].map((m) => Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

function bufferOf(b: Buffer): ArrayBuffer {
  return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
}

function stripZeros(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && (b[i + 1]! & 0x80) === 0) i += 1;
  return b.subarray(i);
}
