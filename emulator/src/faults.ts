import { z } from 'zod';

export const faultRuleSchema = z.object({
  match: z.object({
    pathIncludes: z.string().optional(),
    method: z.string().optional(),
    mailbox: z.string().optional(),
  }),
  kind: z.enum(['429', '503', '504', 'drop', 'slow']),
  delayMs: z.number().int().nonnegative().optional(),
  times: z.number().int().positive().optional(),
  retryAfterSeconds: z.number().int().positive().optional(),
});

export type FaultRule = z.infer<typeof faultRuleSchema>;

interface ActiveRule { rule: FaultRule; remaining: number; mailboxId?: string }

/** Injected failures, each firing `times` times (default 1) on matching requests. */
export class Faults {
  private rules: ActiveRule[] = [];

  constructor(private readonly resolveMailbox: (ref: string) => string | undefined) {}

  inject(rule: FaultRule): void {
    const parsed = faultRuleSchema.parse(rule);
    const mailboxId = parsed.match.mailbox ? this.resolveMailbox(parsed.match.mailbox) ?? parsed.match.mailbox : undefined;
    this.rules.push({ rule: parsed, remaining: parsed.times ?? 1, mailboxId });
  }

  clear(): void {
    this.rules = [];
  }

  /** The first matching rule, consuming one of its firings. */
  take(path: string, method: string, mailboxId: string | undefined): FaultRule | undefined {
    const hit = this.rules.find((r) => r.remaining > 0
      && (!r.rule.match.pathIncludes || path.includes(r.rule.match.pathIncludes))
      && (!r.rule.match.method || r.rule.match.method.toUpperCase() === method.toUpperCase())
      && (!r.mailboxId || r.mailboxId === mailboxId));
    if (!hit) return undefined;
    hit.remaining--;
    this.rules = this.rules.filter((r) => r.remaining > 0);
    return hit.rule;
  }
}
