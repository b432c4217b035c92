import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import type { CryptoKey, JWK, JWTPayload } from 'jose';

export interface SigningKeys {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

/** One RS256 key per emulator run; its kid is the JWK thumbprint, as Entra's x5t/kid pair would be. */
export async function createSigningKeys(): Promise<SigningKeys> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  return { kid, privateKey, publicKey, jwk: { ...jwk, kid, use: 'sig', alg: 'RS256' } };
}

export function jwks(keys: SigningKeys, issuer: string): { keys: JWK[] } {
  return { keys: [{ kty: keys.jwk.kty, use: 'sig', kid: keys.kid, x5t: keys.kid, n: keys.jwk.n, e: keys.jwk.e, issuer } as JWK] };
}

export async function signJwt(keys: SigningKeys, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ typ: 'JWT', alg: 'RS256', kid: keys.kid, x5t: keys.kid } as never).sign(keys.privateKey);
}
