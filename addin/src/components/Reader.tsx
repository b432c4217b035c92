import {
  Button, Caption1, MessageBar, MessageBarBody, MessageBarTitle, Text, Toolbar, ToolbarButton, Tooltip, makeStyles, tokens, typographyStyles,
} from '@fluentui/react-components';
import { ArrowDownload20Regular, ArrowLeft20Regular, ArrowUndo20Regular, ChatMultiple20Regular, DocumentArrowDown20Regular, Open20Regular, WeatherMoon20Regular } from '@fluentui/react-icons';
import { useEffect, useRef, useState } from 'react';
import { describeError } from '../errors';
import { fileSize, longDate, person } from '../format';
import { saveDownload, type ApiClient } from '../shared/api';
import type { HoldStatus, MessageDetail, NestedAttachment, SearchHit } from '../shared/types';
import { Notice } from '../shared/Notice';
import { newWindowDocument } from '../new-window';
import { useDarkTheme } from '../shared/theme';
import { ConversationList } from './ConversationList';
import { RestoreDialog } from './RestoreDialog';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', height: '100%', minHeight: 0 },
  toolbar: { borderBottom: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, flexWrap: 'wrap' },
  head: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS, padding: `${tokens.spacingVerticalS} ${tokens.spacingHorizontalM}` },
  // Focused only to start screen readers at the subject; it is not a control, so no focus ring.
  subject: { ...typographyStyles.subtitle1, margin: 0, overflowWrap: 'anywhere', ':focus': { outlineStyle: 'none' } },
  muted: { color: tokens.colorNeutralForeground3, overflowWrap: 'anywhere' },
  attachments: { display: 'flex', flexWrap: 'wrap', gap: tokens.spacingHorizontalXS, listStyleType: 'none', margin: 0, padding: `0 ${tokens.spacingHorizontalM} ${tokens.spacingVerticalS}` },
  status: { margin: `0 ${tokens.spacingHorizontalM} ${tokens.spacingVerticalS}` },
  // Mail is written for a white page; its dark rendering (?dark=1) inverts it inside the frame.
  frame: { flexGrow: 1, minHeight: '320px', width: '100%', border: 'none', borderTop: `${tokens.strokeWidthThin} solid ${tokens.colorNeutralStroke2}`, backgroundColor: '#ffffff' },
});

type Status = { intent: 'success' | 'error'; text: string } | null;

/** The reading pane of one message; mounted per message (keyed by id), so its state starts fresh. */
interface ReaderProps {
  api: ApiClient;
  hit: SearchHit;
  canRestore: boolean;
  /** The signed-in person has an online archive: the restore dialog offers it. */
  onlineArchive: boolean;
  onClose: () => void;
  /** Opens another message (one of the conversation). */
  onOpen: (hit: SearchHit) => void;
  /** The conversation list is shown; it stays shown as the reader moves through the thread. */
  threadShown: boolean;
  onThreadShown: (shown: boolean) => void;
}

export function Reader({ api, hit, canRestore, onlineArchive, onClose, onOpen, threadShown, onThreadShown }: ReaderProps) {
  const styles = useStyles();
  const themeDark = useDarkTheme();
  // Mail follows the theme unless the reader says otherwise.
  const [darkChoice, setDarkChoice] = useState<boolean | null>(null);
  const dark = darkChoice ?? themeDark;
  const [detail, setDetail] = useState<MessageDetail | null>(null);
  const [viewUrl, setViewUrl] = useState<string | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [status, setStatus] = useState<Status>(null);
  const [busy, setBusy] = useState<'download' | 'restore' | null>(null);
  const [restoring, setRestoring] = useState(false);
  const [remote, setRemote] = useState(false);
  const [hold, setHold] = useState<HoldStatus | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const restoreButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    heading.current?.focus();
    let live = true;
    api.message(hit.id).then((d) => live && setDetail(d), (err: unknown) => live && setLoadError(err));
    // Only a hint: the message reads the same without it.
    api.holdStatus(hit.id).then((h) => live && setHold(h), () => undefined);
    return () => {
      live = false;
    };
  }, [api, hit.id]);
  useEffect(() => {
    let live = true;
    setViewUrl(null);
    api.viewUrl(hit.id, { remote, dark }).then((url) => live && setViewUrl(url), (err: unknown) => live && setLoadError(err));
    return () => {
      live = false;
    };
  }, [api, hit.id, remote, dark]);

  const act = async (what: 'download' | 'restore', run: () => Promise<string | void>) => {
    setBusy(what);
    setStatus(null);
    try {
      const done = await run();
      if (done) setStatus({ intent: 'success', text: done });
    } catch (err) {
      const { title, message } = describeError(err);
      setStatus({ intent: 'error', text: `${what === 'restore' ? 'Restore failed' : 'Download failed'}: ${title}. ${message}` });
    } finally {
      setBusy(null);
    }
  };
  const openOriginal = () => {
    // Opened now, inside the click, so pop-up blockers allow it; the address follows.
    const win = window.open('', '_blank');
    if (!win) return setStatus({ intent: 'error', text: 'The new window was blocked. Allow pop-ups for this site and try again.' });
    win.opener = null;
    const header = { subject: hit.subject, from: detail?.headers.from[0] ?? hit.from, to: detail?.headers.to ?? [], cc: detail?.headers.cc ?? [], date: detail?.headers.date ?? hit.date };
    api.viewUrl(hit.id, { remote }).then(
      (url) => {
        win.document.open();
        win.document.write(newWindowDocument(header, url));
        win.document.close();
      },
      (err: unknown) => {
        win.close();
        setStatus({ intent: 'error', text: describeError(err).message });
      },
    );
  };

  const from = detail?.headers.from[0] ?? hit.from;
  const to = detail?.headers.to.map(person).join(', ');
  const cc = detail?.headers.cc.map(person).join(', ');
  // Known where the archive has it: the sender's own copy, or the recipients of a journal report.
  const bcc = detail?.headers.bcc.map(person).join(', ');
  const files = detail?.attachments.filter((a) => !a.inline) ?? [];
  const inside = (list: NestedAttachment[] | undefined): string[] => (list ?? []).flatMap((n) => [n.filename, ...inside(n.attachments)]).filter(Boolean);
  return (
    <article className={styles.root} aria-labelledby="reader-subject" onKeyDown={(e) => e.key === 'Escape' && !restoring && onClose()}>
      <Toolbar className={styles.toolbar} aria-label="Message actions" size="small">
        <Tooltip content="Back to results" relationship="label">
          <ToolbarButton icon={<ArrowLeft20Regular />} onClick={onClose} />
        </Tooltip>
        <ToolbarButton icon={<ArrowDownload20Regular />} disabledFocusable={busy !== null} onClick={() => act('download', async () => saveDownload(await api.raw(hit.id)))}>
          Download .eml
        </ToolbarButton>
        {canRestore && (
          <ToolbarButton ref={restoreButton} icon={<ArrowUndo20Regular />} disabledFocusable={busy !== null} onClick={() => setRestoring(true)}>
            {busy === 'restore' ? 'Restoring…' : 'Restore'}
          </ToolbarButton>
        )}
        <Tooltip content="Open in new window" relationship="label">
          <ToolbarButton icon={<Open20Regular />} onClick={openOriginal} />
        </Tooltip>
        <ToolbarButton icon={<ChatMultiple20Regular />} aria-pressed={threadShown} onClick={() => onThreadShown(!threadShown)}>
          Conversation
        </ToolbarButton>
        <Tooltip content="Dark message background" relationship="label">
          <ToolbarButton icon={<WeatherMoon20Regular />} aria-pressed={dark} onClick={() => setDarkChoice(!dark)} />
        </Tooltip>
      </Toolbar>
      <div className={styles.head}>
        <h2 id="reader-subject" className={styles.subject} tabIndex={-1} ref={heading}>
          {hit.subject || '(no subject)'}
        </h2>
        <Text weight="semibold">
          {person(from)} {from.address && <Caption1 className={styles.muted}>&lt;{from.address}&gt;</Caption1>}
        </Text>
        {to && <Caption1 className={styles.muted}>To: {to}</Caption1>}
        {cc && <Caption1 className={styles.muted}>Cc: {cc}</Caption1>}
        {bcc && <Caption1 className={styles.muted}>Bcc: {bcc}</Caption1>}
        <Caption1 className={styles.muted}>
          {longDate(detail?.headers.date ?? hit.date)}
          {detail?.headers.dateInferred && ' (received; the message carries no readable date)'} · {hit.folder}
        </Caption1>
      </div>
      {threadShown && <ConversationList api={api} hit={hit} onOpen={onOpen} />}
      {hold?.held && (
        <MessageBar className={styles.status} intent="warning" aria-label="Legal hold">
          <MessageBarBody>
            Under legal hold ({hold.holds.map((h) => h.name).join(', ')}): the archive keeps this message whatever its retention, until the hold is lifted.
          </MessageBarBody>
        </MessageBar>
      )}
      {status && (
        <MessageBar className={styles.status} intent={status.intent} role={status.intent === 'error' ? 'alert' : 'status'}>
          <MessageBarBody>{status.text}</MessageBarBody>
        </MessageBar>
      )}
      {detail && detail.blockedRemote > 0 && !remote && (
        <MessageBar className={styles.status} intent="info">
          <MessageBarBody>
            {detail.blockedRemote === 1 ? 'A remote picture was' : `${detail.blockedRemote} remote pictures were`} blocked to protect your privacy.{' '}
            <Button size="small" appearance="transparent" onClick={() => setRemote(true)}>Show pictures</Button>
          </MessageBarBody>
        </MessageBar>
      )}
      {detail?.textTruncated && (
        <MessageBar className={styles.status} intent="warning" role="note" aria-label="Only partly indexed">
          <MessageBarBody>
            <MessageBarTitle>Only partly indexed</MessageBarTitle> Search may not find words from the parts left out.{' '}
            {(detail.textCuts ?? []).join(' ')}
          </MessageBarBody>
        </MessageBar>
      )}
      {files.length > 0 && (
        <ul className={styles.attachments} aria-label="Attachments">
          {files.map((a) => {
            const name = a.filename || `attachment-${a.index + 1}`;
            return (
              <li key={a.index}>
                <Button size="small" icon={<DocumentArrowDown20Regular />} disabledFocusable={busy !== null} aria-label={`Download attachment ${name}`}
                  onClick={() => act('download', async () => saveDownload(await api.attachment(hit.id, a.index, name)))}>
                  {name}&nbsp;<Caption1 className={styles.muted}>{fileSize(a.size)}</Caption1>
                </Button>
                {inside(a.attachments).length > 0 && <Caption1 className={styles.muted}> containing {inside(a.attachments).join(', ')}</Caption1>}
              </li>
            );
          })}
        </ul>
      )}
      {loadError !== null && <Notice kind="error" {...describeError(loadError)} action={<Button onClick={onClose}>Back to results</Button>} />}
      {!loadError && !viewUrl && <Notice kind="loading" title="Opening the message…" />}
      {viewUrl && (
        <iframe
          className={styles.frame}
          title={`Message: ${hit.subject || '(no subject)'}`}
          src={viewUrl}
          sandbox="allow-popups allow-popups-to-escape-sandbox"
          referrerPolicy="no-referrer"
        />
      )}
      <RestoreDialog
        open={restoring}
        archivedFolder={hit.folder}
        onlineArchive={onlineArchive}
        size={detail?.size ?? hit.size}
        onCancel={() => setRestoring(false)}
        onRestore={({ target, label }) => {
          setRestoring(false);
          // Keep keyboard focus in the reading pane while the dialog goes away.
          requestAnimationFrame(() => restoreButton.current?.focus());
          void act('restore', async () => {
            await api.restore(hit.id, target);
            return `Restored to ${label}: a restored copy, original dates kept.`;
          });
        }}
      />
    </article>
  );
}
