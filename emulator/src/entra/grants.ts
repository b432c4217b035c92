import { randomBytes } from 'node:crypto';
import { newOpaqueToken } from './issue';

export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  userId: string;
  scope: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  nonce?: string;
  expiresAt: number;
  redeemed: boolean;
}

export interface RefreshGrant {
  clientId: string;
  userId: string;
  expiresAt: number;
}

const CODE_LIFETIME_MS = 10 * 60_000;
const REFRESH_LIFETIME_MS = 90 * 24 * 3600_000;

/** Server-side state behind authorization codes and refresh tokens (both opaque to clients). */
export class GrantStore {
  private readonly codes = new Map<string, CodeGrant>();
  private readonly refresh = new Map<string, RefreshGrant>();

  newCode(grant: Omit<CodeGrant, 'expiresAt' | 'redeemed'>): string {
    const code = `1.${randomBytes(96).toString('base64url')}`;
    this.codes.set(code, { ...grant, expiresAt: Date.now() + CODE_LIFETIME_MS, redeemed: false });
    return code;
  }

  code(code: string): CodeGrant | undefined {
    return this.codes.get(code);
  }

  newRefreshToken(clientId: string, userId: string): string {
    const token = newOpaqueToken();
    this.refresh.set(token, { clientId, userId, expiresAt: Date.now() + REFRESH_LIFETIME_MS });
    return token;
  }

  refreshToken(token: string): RefreshGrant | undefined {
    return this.refresh.get(token);
  }

  revokeRefreshToken(token: string): void {
    this.refresh.delete(token);
  }
}
