import { z } from 'zod';

export const faultRuleSchema = z.object({
  match: z.object({
    pathIncludes: z.string().optional(),
    method: z.string().optional(),
    mailbox: z.string().optional(),
    /** Only requests for these messages (any of their ids: the default one or the immutable one). */
    messageIds: z.array(z.string()).optional(),
  }),
  /**
   * 429/503/504: that answer; drop: the connection closes before any answer; reset: the answer
   * starts and the connection breaks half-way through its body; slow: the answer waits `delayMs`;
   * redirect: 308 Permanent Redirect to `location` (a hostile or broken redirect, as a client
   * following archive mailbox redirects must refuse when it leaves the Graph host).
   */
  kind: z.enum(['429', '503', '504', 'drop', 'reset', 'slow', 'redirect']),
  location: z.string().url().optional(),
  delayMs: z.number().int().nonnegative().optional(),
  /** Firings before the rule is spent; default 1, or unlimited for a rule with `forMs`. */
  times: z.number().int().positive().optional(),
  /** The rule holds this long after it is injected ("for a while"). */
  forMs: z.number().int().positive().optional(),
  retryAfterSeconds: z.number().int().positive().optional(),
});

export type FaultRule = z.infer<typeof faultRuleSchema>;

interface ActiveRule { rule: FaultRule; remaining: number; until: number; mailboxId?: string; messages?: Set<string> }

/** A request as faults see it; `message` is the immutable id of the message it addresses, if any. */
export interface FaultTarget {
  path: string;
  method: string;
  mailboxId?: string;
  message?: string;
}

/** Injected failures, each firing `times` times (default 1) or for `forMs`, on matching requests. */
export class Faults {
  private rules: ActiveRule[] = [];

  constructor(
    private readonly resolveMailbox: (ref: string) => string | undefined,
    private readonly resolveMessage: (id: string) => string | undefined = () => undefined,
  ) {}

  inject(rule: FaultRule): void {
    const parsed = faultRuleSchema.parse(rule);
    const mailboxId = parsed.match.mailbox ? this.resolveMailbox(parsed.match.mailbox) ?? parsed.match.mailbox : undefined;
    const messages = parsed.match.messageIds ? new Set(parsed.match.messageIds.map((id) => this.resolveMessage(id) ?? id)) : undefined;
    const remaining = parsed.times ?? (parsed.forMs ? Number.POSITIVE_INFINITY : 1);
    const until = parsed.forMs ? Date.now() + parsed.forMs : Number.POSITIVE_INFINITY;
    this.rules.push({ rule: parsed, remaining, until, mailboxId, messages });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first matching rule, consuming one of its firings. */
  take(t: FaultTarget): FaultRule | undefined {
    const now = Date.now();
    this.rules = this.rules.filter((r) => r.remaining > 0 && r.until > now);
    const hit = this.rules.find((r) => (!r.rule.match.pathIncludes || t.path.includes(r.rule.match.pathIncludes))
      && (!r.rule.match.method || r.rule.match.method.toUpperCase() === t.method.toUpperCase())
      && (!r.mailboxId || r.mailboxId === t.mailboxId)
      && (!r.messages || (t.message !== undefined && r.messages.has(t.message))));
    if (!hit) return undefined;
    hit.remaining--;
    return hit.rule;
  }
}
