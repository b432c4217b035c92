import { randomUUID } from 'node:crypto';
import type { Store } from './connection';
import { deleteWhereIn } from './bulk';
import { insertManyOnce } from './insert-once';
import type { Actor } from './retention-policies';

/**
 * eDiscovery cases: saved searches, the holds set from them (store/holds.ts, by `caseId`), tagged
 * messages and the exports made, each export with the SHA-256 of its manifest.
 */
export interface SavedSearch {
  id: string;
  name: string;
  query: string;
  createdBy: Actor;
  createdAt: Date;
}

export interface Case {
  _id: string;
  name: string;
  description: string;
  searches: SavedSearch[];
  createdBy: Actor;
  createdAt: Date;
  state: 'open' | 'closed';
}

export interface CaseTag {
  /** `<case>|<tag>|<item>` */
  _id: string;
  caseId: string;
  tag: string;
  itemId: string;
  by: Actor;
  at: Date;
}

export interface CaseExport {
  _id: string;
  caseId: string;
  /** What was exported: a saved search's query, or a tag. */
  selection: { searchId: string; query: string } | { tag: string };
  messages: number;
  /** SHA-256 of the manifest.json in the package. */
  manifestSha256: string;
  by: Actor;
  at: Date;
}

type Db = Pick<Store, 'db'>;
const cases = (store: Db) => store.db.collection<Case>('cases');
const tags = (store: Db) => store.db.collection<CaseTag>('case_tags');
const exports = (store: Db) => store.db.collection<CaseExport>('case_exports');

export async function insertCase(store: Db, c: Pick<Case, 'name' | 'description' | 'createdBy'>): Promise<Case> {
  const doc: Case = { _id: randomUUID(), ...c, searches: [], createdAt: new Date(), state: 'open' };
  await cases(store).insertOne(doc);
  return doc;
}

export async function listCases(store: Db): Promise<Case[]> {
  return cases(store).find({}).sort({ createdAt: -1 }).toArray();
}

export async function getCase(store: Db, id: string): Promise<Case | null> {
  return cases(store).findOne({ _id: id });
}

export async function addSavedSearch(store: Db, caseId: string, search: SavedSearch): Promise<Case | null> {
  return cases(store).findOneAndUpdate({ _id: caseId }, { $push: { searches: search } }, { returnDocument: 'after' });
}

export const tagId = (caseId: string, tag: string, itemId: string) => `${caseId}|${tag}|${itemId}`;

export async function addTags(store: Db, list: CaseTag[]): Promise<void> {
  await insertManyOnce(tags(store), list);
}

export async function removeTags(store: Db, ids: string[]): Promise<void> {
  await deleteWhereIn(tags(store), ids);
}

export async function listTags(store: Db, caseId: string, tag?: string): Promise<CaseTag[]> {
  return tags(store).find(tag ? { caseId, tag } : { caseId }).sort({ at: 1 }).toArray();
}

export async function recordExport(store: Db, e: Omit<CaseExport, '_id'>): Promise<CaseExport> {
  const doc = { _id: randomUUID(), ...e };
  await exports(store).insertOne(doc);
  return doc;
}

export async function listExports(store: Db, caseId: string): Promise<CaseExport[]> {
  return exports(store).find({ caseId }).sort({ at: -1 }).toArray();
}
