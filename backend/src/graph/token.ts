import { ConfidentialClientApplication, LogLevel } from '@azure/msal-node';
import type { Config } from '../config';
import type { Logger } from '../log';
import type { AuthorityMetadata } from './authority';

export interface TokenSource {
  /** An application token for Microsoft Graph (client credentials; msal caches and renews it). */
  graphToken(): Promise<string>;
}

export function createTokenSource(config: Config, metadata: AuthorityMetadata, log: Logger): TokenSource {
  const msal = new ConfidentialClientApplication({
    auth: {
      clientId: config.CLIENT_ID,
      clientSecret: config.CLIENT_SECRET,
      authority: config.authority,
      knownAuthorities: [new URL(config.AUTHORITY_HOST).host],
      authorityMetadata: JSON.stringify(metadata),
    },
    system: {
      loggerOptions: {
        piiLoggingEnabled: false,
        logLevel: LogLevel.Warning,
        loggerCallback: (_level, message) => log.debug({ msal: message }, 'msal'),
      },
    },
  });
  return {
    async graphToken() {
      const result = await msal.acquireTokenByClientCredential({ scopes: [config.GRAPH_SCOPE] });
      if (!result?.accessToken) throw new Error('Entra ID returned no access token for Microsoft Graph');
      return result.accessToken;
    },
  };
}
