import { z } from 'zod';
import type { HttpReq, HttpRes } from '../http';
import { json } from '../http';
import type { JournalSender } from './sender';

const ruleSchema = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.number().int().min(1).max(65535),
  journalAddress: z.string().email(),
  tls: z.enum(['starttls', 'required', 'none']).optional(),
  auth: z.object({ user: z.string(), pass: z.string() }).optional(),
  rejectUnauthorized: z.boolean().optional(),
  connections: z.number().int().min(1).max(100).optional(),
});

const mailSchema = z.object({
  from: z.string(),
  to: z.array(z.string()).optional(),
  cc: z.array(z.string()).optional(),
  bcc: z.array(z.string()).optional(),
  subject: z.string(),
  text: z.string().optional(),
  html: z.string().optional(),
  deliverToMailboxes: z.boolean().optional(),
});

const rawSchema = z.object({ reportBase64: z.string().min(1) });

/**
 * `/_emulator/journal/*`: the journal rule (where reports go), sending mail inside the tenant
 * (journaled), and delivering a raw report as is (malformed ones, for tests). SMTP failures
 * answer 502 with the gateway's reply.
 */
export async function handleJournalControl(sender: JournalSender, req: HttpReq, route: string): Promise<HttpRes | undefined> {
  switch (route) {
    case 'POST /_emulator/journal/rule':
      sender.configure(ruleSchema.parse(body(req)));
      return { status: 204 };
    case 'DELETE /_emulator/journal/rule':
      sender.configure(null);
      return { status: 204 };
    case 'POST /_emulator/journal/send':
      return smtp(async () => {
        const sent = await sender.sendInternalMail(mailSchema.parse(body(req)));
        return { messageId: sent.messageId, recipients: sent.recipients, originalSize: sent.original.length, delivery: sent.delivery };
      });
    case 'POST /_emulator/journal/deliver':
      return smtp(async () => sender.deliver(Buffer.from(rawSchema.parse(body(req)).reportBase64, 'base64')));
    default:
      return undefined;
  }
}

async function smtp(work: () => Promise<unknown>): Promise<HttpRes> {
  try {
    return json(200, await work());
  } catch (err) {
    if (err instanceof z.ZodError) throw err;
    const e = err as { responseCode?: number; response?: string; message?: string };
    return json(502, { error: { code: 'smtp_failed', message: e.response ?? e.message ?? String(err), responseCode: e.responseCode } });
  }
}

function body(req: HttpReq): unknown {
  return JSON.parse(req.body.toString('utf8') || '{}');
}
