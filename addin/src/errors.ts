import { ApiError } from './shared/api';
import { SignInRequired } from './shared/auth';

const sentence = (s: string) => (/[.!?]$/.test(s.trim()) ? s.trim() : `${s.trim()}.`);

/** Errors that trying the same request again can fix. */
export const isTransient = (err: unknown) => !(err instanceof ApiError) || err.status === 0 || err.status >= 500;

/** What went wrong in words a user can act on. */
export function describeError(err: unknown): { title: string; message: string } {
  if (err instanceof SignInRequired) return { title: 'Sign in again', message: err.message };
  if (!(err instanceof ApiError)) return { title: 'Something went wrong', message: `${sentence(String((err as Error)?.message ?? err))} Try again.` };
  if (err.code === 'message_too_complex') return { title: 'Too complex to display', message: `${sentence(err.message)} Use Download .eml above.` };
  if (err.status === 400 && err.field === 'q') return { title: 'This search is not understood', message: `${sentence(err.message)} Open the help (?) for the operators.` };
  if (err.status === 400) return { title: 'This request is not valid', message: err.message };
  if (err.status === 401) return { title: 'Sign in again', message: 'Your session has ended.' };
  if (err.status === 403) return { title: 'Not allowed', message: `${sentence(err.message)} Ask your administrator for access.` };
  if (err.status === 404) return { title: 'Not found', message: 'This message is not in an archive you can read.' };
  if (err.status === 0) return { title: 'Cannot reach the archive', message: err.message };
  return { title: 'The archive server had a problem', message: `${sentence(err.message)} Try again; if it persists, tell your administrator.` };
}
