/**
 * Shapes of the compliance API's answers (backend/src/http/routes/{retention,holds,erasure,cases}.ts),
 * taken from the backend's own types (dates travel as ISO strings), or, for those the OpenAPI
 * document describes, generated from it.
 */
import type { DisposalResult } from '../../../backend/src/retention/disposal';
import type { Hold } from '../../../backend/src/store/holds';
import type { PolicyRules } from '../../../backend/src/store/retention-policies';
import type { Schema } from '@shared/types';

/** A value as JSON carries it. */
export type Json<T> = T extends Date ? string : T extends (infer U)[] ? Json<U>[] : T extends object ? { [K in keyof T]: Json<T[K]> } : T;

export type { PolicyRules };
export type RetentionSettings = Schema<'RetentionSettings'>;
export type Policy = Schema<'RetentionPolicy'>;
export type Preview = Schema<'PolicyPreview'>;
export type PolicyChange = Schema<'PolicyChange'>;
export type DisposalRun = { id: string; status: string; progress: Record<string, unknown>; result: Json<DisposalResult> | null; error: { message: string } | null; createdAt: string; startedAt: string | null; finishedAt: string | null };
export type DisposalLogEntry = Schema<'DisposalLogPage'>['value'][number];
export type LegalHold = Schema<'LegalHold'>;
export type HoldDraft = Pick<Hold, 'name' | 'reason' | 'kind' | 'archives' | 'query' | 'visibleToUsers'> & { endsAt: string | null };
export type Erasure = Schema<'ErasureRequest'>;
export type ErasureDetail = Schema<'ErasureRequestDetail'>;
export type Certificate = Schema<'ErasureCertificate'>;
export type CaseSummary = Schema<'Case'>;
export type CaseDetail = Schema<'CaseDetail'>;
export type SearchPage = Schema<'SearchPage'>;
