/**
 * Shapes of the backend's JSON answers, shared by the add-in and the Teams tab: generated from the
 * API's OpenAPI document (api.gen.ts, `npm run gen:api`), under the names the UIs use.
 */
import type { components } from './api.gen';

/** A response schema of the API document by name. */
export type Schema<K extends keyof components['schemas']> = components['schemas'][K];

export type Me = Schema<'Me'>;
export type Archive = Schema<'Archive'>;
export type Address = Schema<'Address'>;
export type Highlight = Schema<'Highlight'>;
export type SearchHit = Schema<'SearchHit'>;
export type SearchPage = Schema<'SearchPage'>;
export type AttachmentInfo = Schema<'AttachmentInfo'>;
export type NestedAttachment = Schema<'NestedAttachment'>;
export type MessageDetail = Schema<'MessageDetail'>;
export type HoldStatus = Schema<'HoldStatus'>;

/** What a search asks for (GET /api/search's query, with the archive always named). */
export interface SearchParams {
  q: string;
  archive: string;
  cursor?: string;
  limit?: number;
  sort?: 'date' | 'relevance';
}

export type Facets = Schema<'Facets'>;
export type Conversation = Schema<'Conversation'>;

export interface QueryHelpEntry {
  operator: string;
  example: string;
  description: string;
}

/** Public settings the backend serves at /addin/config.json. */
export interface ClientSettings {
  authority: string;
  clientId: string;
  apiScope: string;
}

/** Where a restore goes: a well-known folder of the mailbox, or a folder path of the online archive. */
export type RestoreTarget = { folder: string } | { onlineArchive: true; folderPath: string };
