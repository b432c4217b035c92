import { z } from 'zod';
import type { FaultRule } from './faults';
import { faultRuleSchema } from './faults';
import { handleJournalControl } from './journal/control';
import type { JournalSender } from './journal/sender';
import type { HttpReq, HttpRes } from './http';
import { json } from './http';
import type { StatsFilter } from './stats';
import type { Tenant } from './tenant/model';

export interface ControlTarget {
  tenant: Tenant;
  info: () => unknown;
  faults: { inject(rule: FaultRule): void; clear(): void };
  stats: { requests(filter?: StatsFilter): number; reset(): void };
  issueUserToken(user: string, opts?: { audience?: string; scopes?: string[]; roles?: string[]; expiresInSeconds?: number }): Promise<string>;
  journal?: JournalSender;
}

const addMessageSchema = z.object({
  user: z.string(),
  folder: z.string().default('inbox'),
  mime: z.string().optional(),
  mimeBase64: z.string().optional(),
  receivedDateTime: z.string().optional(),
  isRead: z.boolean().optional(),
});

const quotaSchema = z.object({ user: z.string(), overQuota: z.boolean() });

const tokenSchema = z.object({
  user: z.string(),
  audience: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  roles: z.array(z.string()).optional(),
  expiresInSeconds: z.number().int().optional(),
});

/**
 * Emulator-only control routes under /_emulator (no Graph token): let a test or the dev harness
 * change the tenant while a crawl runs, inject faults and read request counts.
 */
export async function handleControl(t: ControlTarget, req: HttpReq): Promise<HttpRes | undefined> {
  const route = `${req.method} ${req.url.pathname.replace(/\/$/, '')}`;
  try {
    switch (route) {
      case 'GET /_emulator/info':
        return json(200, t.info());
      case 'POST /_emulator/messages': {
        const b = addMessageSchema.parse(parseBody(req));
        const mime = b.mimeBase64 !== undefined ? Buffer.from(b.mimeBase64, 'base64') : Buffer.from(b.mime ?? '', 'utf8');
        if (mime.length === 0) return json(400, { error: { code: 'invalid_request', message: 'mime or mimeBase64 is required' } });
        return json(201, await t.tenant.addMessage(b.user, b.folder, mime, { receivedDateTime: b.receivedDateTime, isRead: b.isRead }));
      }
      case 'POST /_emulator/faults':
        t.faults.inject(faultRuleSchema.parse(parseBody(req)));
        return { status: 204 };
      case 'DELETE /_emulator/faults':
        t.faults.clear();
        return { status: 204 };
      case 'POST /_emulator/quota': {
        const b = quotaSchema.parse(parseBody(req));
        t.tenant.setOverQuota(b.user, b.overQuota);
        return { status: 204 };
      }
      case 'GET /_emulator/stats': {
        const q = req.url.searchParams;
        return json(200, {
          requests: t.stats.requests({
            mailbox: q.get('mailbox') ?? undefined,
            pathIncludes: q.get('pathIncludes') ?? undefined,
            status: q.get('status') ? Number(q.get('status')) : undefined,
            code: q.get('code') ?? undefined,
          }),
        });
      }
      case 'DELETE /_emulator/stats':
        t.stats.reset();
        return { status: 204 };
      case 'POST /_emulator/token': {
        const b = tokenSchema.parse(parseBody(req));
        return json(200, { access_token: await t.issueUserToken(b.user, b) });
      }
      default:
        return t.journal ? await handleJournalControl(t.journal, req, route) : undefined;
    }
  } catch (e) {
    return json(400, { error: { code: 'invalid_request', message: e instanceof Error ? e.message : String(e) } });
  }
}

function parseBody(req: HttpReq): unknown {
  return JSON.parse(req.body.toString('utf8') || '{}');
}
