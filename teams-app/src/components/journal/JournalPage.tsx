import { Body1, Card, MessageBar, MessageBarBody, MessageBarTitle, Spinner, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useApi } from '../../api/context';
import { formatBytes } from '../../format';
import { ErrorBar } from '../common/ErrorBar';
import { Section } from '../common/Section';
import { useLoad } from '../common/useLoad';
import { JournalMailboxes } from './JournalMailboxes';
import { JournalProfiles } from './JournalProfiles';
import { Quarantine } from './Quarantine';

const useStyles = makeStyles({
  cards: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(200px, 1fr))', gap: tokens.spacingHorizontalM },
});

/** Which checks a sender must pass, in words. */
function senders(g: { allowedHosts: string[]; clientNames: string[]; auth: string; acceptsAnySender: boolean }): string {
  const checks = [
    g.allowedHosts.length > 0 && `from ${g.allowedHosts.join(', ')}`,
    g.clientNames.length > 0 && `with a certificate for ${g.clientNames.join(', ')}`,
    g.auth === 'required' && 'signed in',
  ].filter(Boolean);
  return checks.length > 0 ? checks.join(', ') : 'anyone';
}

/** Journal archiving (MISSION M3): the SMTP gateway, its mailboxes, journal profiles and the quarantine. */
export function JournalPage() {
  const api = useApi();
  const styles = useStyles();
  const status = useLoad(() => api.journalStatus(), [], 10_000);
  const users = useLoad(() => api.users('active'), []);
  const s = status.data;
  return (
    <>
      <Section title="Journal gateway">
        <Body1>
          Exchange Online journal rules send a report of every message to an external address. Point that address at this gateway: it files each
          message into the archive of every internal participant, Bcc and expanded distribution lists included, and acknowledges a report only once it
          is stored.
        </Body1>
        <ErrorBar error={status.error} />
        {s?.gateway.acceptsAnySender && (
          <MessageBar intent="error" role="alert">
            <MessageBarBody>
              <MessageBarTitle>Anyone can file journal reports</MessageBarTitle>
              SMTP_INSECURE_ACCEPT_ANY is on and the gateway checks no sender: whoever reaches its port can put forged mail into any archive. Set
              SMTP_ALLOWED_HOSTS, SMTP_TLS_CLIENT_NAMES or SMTP_AUTH=required, and turn the switch off.
            </MessageBarBody>
          </MessageBar>
        )}
        {!s ? (
          !status.error && <Spinner />
        ) : (
          <div className={styles.cards}>
            <Card>
              <Text weight="semibold">{s.gateway.enabled ? `Listening on ${s.gateway.host}:${s.gateway.port}` : 'Gateway off'}</Text>
              <Body1>
                {s.gateway.enabled
                  ? `TLS ${s.gateway.tls ? (s.gateway.requireTls ? 'required' : 'offered') : 'not configured'}, authentication ${s.gateway.auth}, up to ${formatBytes(s.gateway.maxBytes)}; senders: ${senders(s.gateway)}`
                  : 'Set SMTP_PORT on the backend to receive journal reports.'}
              </Body1>
            </Card>
            <Card>
              <Text weight="semibold">{s.backlog} reports waiting</Text>
              <Body1>{`${s.held} held until a journal profile takes their mailbox, ${s.pending} pending archiving`}</Body1>
            </Card>
            <Card>
              <Text weight="semibold">{s.quarantine['not-journal'] + s.quarantine.malformed} in quarantine</Text>
              <Body1>{`${s.quarantine['not-journal']} not journal reports, ${s.quarantine.malformed} malformed`}</Body1>
            </Card>
          </div>
        )}
      </Section>
      <JournalMailboxes onChange={() => void status.reload()} />
      <JournalProfiles users={users.data ?? []} onChange={() => void status.reload()} />
      <Quarantine onChange={() => void status.reload()} />
    </>
  );
}
