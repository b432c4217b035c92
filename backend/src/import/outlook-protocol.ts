/** Messages between the import and its Outlook worker (outlook-worker.ts). */
export type OutlookRequest =
  | { op: 'open-pst'; path: string; label: string; password?: string; cursor: string | null }
  | { op: 'next' }
  | { op: 'msg'; bytes: Uint8Array; label: string };

export interface ConvertedItem {
  cursor: string;
  folder: string;
  where: string;
  mime?: Uint8Array;
  receivedAt?: number;
  lost?: string[];
  error?: string;
}

export type OutlookReply =
  | { op: 'opened'; messages: number; folderErrors: string[] }
  | { op: 'item'; item: ConvertedItem }
  | { op: 'end' }
  | { op: 'failed'; code: string; message: string };
