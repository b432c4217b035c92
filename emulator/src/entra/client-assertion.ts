import { createHash, X509Certificate } from 'node:crypto';
import { decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { AppRegistration } from '../tenant/directory';
import { EntraError, invalidClient } from './errors';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Clocks differ; msal-node rounds `nbf` to the nearest second, which can be a moment ahead of ours. */
const CLOCK_SKEW_SECONDS = 300;

/**
 * A certificate credential: a JWT the client signed with the private key of a certificate
 * registered on its app, naming the certificate by SHA-256 (`x5t#S256`, PS256, what Microsoft
 * asks for) or SHA-1 thumbprint (`x5t`, RS256, msal-node's older form); `iss` and `sub` are the
 * client id, `aud` the token endpoint
 * (https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials).
 */
export async function verifyClientAssertion(client: AppRegistration, type: string | null, assertion: string, audiences: string[]): Promise<void> {
  if (type !== ASSERTION_TYPE) {
    throw new EntraError(400, 'invalid_request', 50027, `Invalid client_assertion_type '${type ?? ''}'; expected '${ASSERTION_TYPE}'.`);
  }
  let header;
  try {
    header = decodeProtectedHeader(assertion);
  } catch {
    throw new EntraError(400, 'invalid_request', 50027, 'JWT token is invalid or malformed.');
  }
  const sha256 = typeof header['x5t#S256'] === 'string' ? header['x5t#S256'] : undefined;
  const sha1 = typeof header.x5t === 'string' ? header.x5t : undefined;
  const cert = client.certificates.map((pem) => new X509Certificate(pem)).find((c) => (sha256 ? thumbprint(c, 'sha256') === sha256 : thumbprint(c, 'sha1') === sha1));
  if (!cert || (!sha256 && !sha1)) {
    throw invalidClient(700027, `Client assertion failed signature validation. [Reason - The key was not found., Thumbprint of key used by client: '${sha256 ?? sha1 ?? ''}']`);
  }
  if (new Date(cert.validTo) < new Date()) {
    throw invalidClient(700027, `Client assertion contains an invalid signature. [Reason - The key used is expired., Thumbprint of key used by client: '${sha256 ?? sha1}']`);
  }
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, cert.publicKey, { algorithms: sha256 ? ['PS256'] : ['RS256', 'PS256'], clockTolerance: CLOCK_SKEW_SECONDS, requiredClaims: ['exp', 'nbf', 'jti', 'iss', 'sub', 'aud'] }));
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired || (e instanceof joseErrors.JWTClaimValidationFailed && e.claim === 'nbf')) {
      throw invalidClient(700024, 'Client assertion is not within its valid time range.');
    }
    if (e instanceof joseErrors.JWTClaimValidationFailed) throw new EntraError(400, 'invalid_request', 50027, `JWT token is invalid or malformed: claim ${e.claim} is missing.`);
    throw invalidClient(700027, 'Client assertion failed signature validation.');
  }
  checkClaims(client, payload, audiences);
}

function checkClaims(client: AppRegistration, claims: JWTPayload, audiences: string[]): void {
  if (claims.iss !== client.clientId || claims.sub !== client.clientId) {
    throw invalidClient(700021, `Client assertion application identifier doesn't match 'client_id' parameter. Review the documentation at https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials.`);
  }
  if (typeof claims.aud !== 'string' || !audiences.includes(claims.aud)) {
    throw invalidClient(700023, `Client assertion audience claim does not match Realm issuer. Review the documentation at https://learn.microsoft.com/en-us/entra/identity-platform/certificate-credentials.`);
  }
}

const thumbprint = (cert: X509Certificate, alg: 'sha1' | 'sha256') => createHash(alg).update(cert.raw).digest('base64url');
