import type { Archive, Conversation, Facets, HoldStatus, Me, MessageDetail, RestoreTarget, SearchPage, SearchParams } from './types';

/** An error answer of the API: `{ error: { code, message, field?, position? } }`, or a network failure. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly position?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Download {
  blob: Blob;
  filename: string;
}

export type TokenSource = () => Promise<string>;

export interface SendOptions {
  body?: unknown;
  /** Bytes sent as they are (application/octet-stream), instead of a JSON `body`. */
  raw?: Blob;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * One authorised request to the backend API, shared by the add-in's and the Teams tab's clients:
 * answers the response when it is 2xx, else throws ApiError (a network failure is status 0).
 */
export function createSender(getToken: TokenSource, base = '/api') {
  return async function send(method: string, path: string, init: SendOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers, authorization: `Bearer ${await getToken()}` };
    if (init.body !== undefined) headers['content-type'] = 'application/json';
    if (init.raw !== undefined) headers['content-type'] = 'application/octet-stream';
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers,
        body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
        signal: init.signal,
      });
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new ApiError(0, 'network', 'The archive server cannot be reached. Check your connection and try again.');
    }
    if (!res.ok) throw await toApiError(res);
    return res;
  };
}

/** The one typed client of the backend API; every call carries a fresh access token. */
export function createApiClient(getToken: TokenSource, base = '/api') {
  const send = createSender(getToken, base);
  const json = async <T>(method: string, path: string, init?: SendOptions) =>
    (await (await send(method, path, init)).json()) as T;
  const download = async (path: string, fallbackName: string): Promise<Download> => {
    const res = await send('GET', path);
    return { blob: await res.blob(), filename: filenameOf(res.headers.get('content-disposition')) ?? fallbackName };
  };
  const msg = (id: string) => `/messages/${encodeURIComponent(id)}`;

  return {
    me: () => json<Me>('GET', '/me'),
    archives: async () => (await json<{ value: Archive[] }>('GET', '/archives')).value,
    search: ({ q, archive, cursor, limit, sort }: SearchParams, signal?: AbortSignal) => {
      const params = new URLSearchParams({ q, archive });
      if (cursor) params.set('cursor', cursor);
      if (limit) params.set('limit', String(limit));
      if (sort && sort !== 'date') params.set('sort', sort);
      return json<SearchPage>('GET', `/search?${params}`, { signal });
    },
    facets: (q: string, archive: string, signal?: AbortSignal) => json<Facets>('GET', `/search/facets?${new URLSearchParams({ q, archive })}`, { signal }),
    conversation: (id: string) => json<Conversation>('GET', `${msg(id)}/conversation`),
    message: (id: string) => json<MessageDetail>('GET', msg(id)),
    holdStatus: (id: string) => json<HoldStatus>('GET', `${msg(id)}/hold`),
    /** A short-lived URL that a sandboxed frame can load without the bearer token. */
    viewUrl: async (id: string, opts: { remote?: boolean; dark?: boolean } = {}) => {
      const url = new URL((await json<{ url: string }>('POST', `${msg(id)}/view-ticket`)).url, location.origin);
      if (opts.remote) url.searchParams.set('remote', '1');
      if (opts.dark) url.searchParams.set('dark', '1');
      return url.href;
    },
    raw: (id: string) => download(`${msg(id)}/raw`, 'message.eml'),
    attachment: (id: string, index: number, name: string) => download(`${msg(id)}/attachments/${index}`, name),
    /** Into the mailbox's well-known folder (inbox, archive, …), or into the online archive's folder at `folderPath`. */
    restore: (id: string, target: RestoreTarget) => json<{ restoredMessageId?: string }>('POST', `${msg(id)}/restore`, { body: target }),
  };
}

export type ApiClient = ReturnType<typeof createApiClient>;

async function toApiError(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; field?: string; position?: number } } | null;
  const e = body?.error;
  return new ApiError(res.status, e?.code ?? `http_${res.status}`, e?.message ?? `The server answered ${res.status} ${res.statusText}`, e?.field, e?.position);
}

export function filenameOf(disposition: string | null): string | undefined {
  if (!disposition) return undefined;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) return decodeURIComponent(star[1]!);
  return /filename="?([^";]+)"?/i.exec(disposition)?.[1];
}

/** Saves a download through a temporary link, the one way that works in task panes and browsers alike. */
export function saveDownload({ blob, filename }: Download): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
