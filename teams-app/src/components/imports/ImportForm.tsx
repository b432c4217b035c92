import { Button, Field, Input, MessageBar, MessageBarBody, ProgressBar, Radio, RadioGroup, Select, makeStyles, tokens } from '@fluentui/react-components';
import { useRef, useState } from 'react';
import { useApi } from '../../api/context';
import type { ArchiveUser, ImportSourceInput } from '../../api/types';
import { ErrorBar } from '../common/ErrorBar';
import { fieldMessage, unplacedError } from '../common/fieldError';
import { UserCombo } from '../common/UserCombo';
import { uploadFile } from './upload';

const useStyles = makeStyles({
  form: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalM, maxWidth: '760px' },
  row: { display: 'flex', gap: tokens.spacingHorizontalM, flexWrap: 'wrap' },
});

type Kind = 'upload' | 'path' | 'imap';

/** Upload a file, name a server path or an IMAP account; pick the archive; start. */
export function ImportForm({ users, allowedFolders, onStarted }: { users: ArchiveUser[]; allowedFolders: string[]; onStarted: () => void }) {
  const api = useApi();
  const styles = useStyles();
  const [kind, setKind] = useState<Kind>('upload');
  const [archive, setArchive] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [path, setPath] = useState('');
  const [imap, setImap] = useState({ host: '', port: '993', tls: 'implicit' as 'implicit' | 'starttls' | 'none', user: '', password: '', folders: '' });
  const [prefix, setPrefix] = useState('');
  const [sent, setSent] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const abort = useRef<AbortController | null>(null);

  const source = async (): Promise<ImportSourceInput> => {
    if (kind === 'path') return { kind, path };
    if (kind === 'imap') return { kind, host: imap.host, port: Number(imap.port), tls: imap.tls, user: imap.user, auth: 'password', folders: imap.folders.split(',').map((f) => f.trim()).filter(Boolean) };
    if (!file) throw new Error('Choose a file to upload.');
    abort.current = new AbortController();
    setSent(0);
    return { kind, uploadId: await uploadFile(api, file, setSent, abort.current.signal) };
  };
  const start = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.createImport({ archive, source: await source(), options: { folderPrefix: prefix }, ...(kind === 'imap' ? { secret: imap.password } : {}) });
      setSent(null);
      setFile(null);
      onStarted();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const placed = ['archive', 'source', 'secret', 'options'];
  return (
    <div className={styles.form}>
      <Field label="Target archive" required validationMessage={fieldMessage(error, 'archive')}>
        <UserCombo users={users} value={archive} onChange={setArchive} placeholder="Whose archive receives the mail" />
      </Field>
      <RadioGroup layout="horizontal" value={kind} onChange={(_e, d) => setKind(d.value as Kind)} aria-label="Import from">
        <Radio value="upload" label="Upload files" />
        <Radio value="path" label="Server path" />
        <Radio value="imap" label="IMAP account" />
      </RadioGroup>
      {kind === 'upload' && (
        <Field label="PST, OST, MSG, EML, mbox or a zip of these" hint="Sent in resumable chunks, up to the server's limit." validationMessage={fieldMessage(error, 'source')}>
          <input type="file" aria-label="File to import" accept=".pst,.ost,.msg,.eml,.mbox,.mbx,.zip,.txt" onChange={(e) => setFile(e.target.files?.[0] ?? null)} />
        </Field>
      )}
      {kind === 'upload' && sent !== null && file && <ProgressBar value={file.size ? sent / file.size : 1} aria-label="Upload progress" />}
      {kind === 'path' && (
        <Field label="Path on the server" hint={allowedFolders.length ? `Under ${allowedFolders.join(', ')}` : 'No import folder is configured (IMPORT_ALLOWED_FOLDERS).'} validationMessage={fieldMessage(error, 'source')}>
          <Input value={path} onChange={(_e, d) => setPath(d.value)} placeholder="/srv/import/departed/mail.pst" />
        </Field>
      )}
      {kind === 'imap' && (
        <>
          <div className={styles.row}>
            <Field label="Host" validationMessage={fieldMessage(error, 'source.host')}>
              <Input value={imap.host} onChange={(_e, d) => setImap({ ...imap, host: d.value })} />
            </Field>
            <Field label="Port">
              <Input type="number" value={imap.port} onChange={(_e, d) => setImap({ ...imap, port: d.value })} />
            </Field>
            <Field label="Security">
              <Select value={imap.tls} onChange={(_e, d) => setImap({ ...imap, tls: d.value as typeof imap.tls })}>
                <option value="implicit">TLS</option>
                <option value="starttls">STARTTLS</option>
                <option value="none">None (loopback only)</option>
              </Select>
            </Field>
          </div>
          <div className={styles.row}>
            <Field label="User">
              <Input value={imap.user} onChange={(_e, d) => setImap({ ...imap, user: d.value })} />
            </Field>
            <Field label="Password" validationMessage={fieldMessage(error, 'secret')}>
              <Input type="password" value={imap.password} onChange={(_e, d) => setImap({ ...imap, password: d.value })} />
            </Field>
            <Field label="Folders" hint="Comma-separated; empty for all">
              <Input value={imap.folders} onChange={(_e, d) => setImap({ ...imap, folders: d.value })} />
            </Field>
          </div>
        </>
      )}
      <Field label="Put the imported folders under" hint="Optional archive folder, e.g. Imported/Old server" validationMessage={fieldMessage(error, 'options')}>
        <Input value={prefix} onChange={(_e, d) => setPrefix(d.value)} />
      </Field>
      <ErrorBar error={unplacedError(error, placed)} title="The import did not start" />
      {busy && sent !== null && <MessageBar><MessageBarBody>Uploading…</MessageBarBody></MessageBar>}
      <div className={styles.row}>
        <Button appearance="primary" disabled={busy || !archive} onClick={() => void start()}>
          Start import
        </Button>
        {busy && abort.current && (
          <Button onClick={() => abort.current?.abort()}>Stop upload</Button>
        )}
      </div>
    </div>
  );
}
