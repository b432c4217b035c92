import { Caption1, MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';
import type { ConnectionTest } from '../../api/types';

export function ConnectionResult({ result }: { result: ConnectionTest }) {
  const failed = result.checked.filter((c) => !c.ok);
  return (
    <MessageBar intent={result.ok ? 'success' : 'error'} role="status" aria-label="Connection test">
      <MessageBarBody>
        <MessageBarTitle>{result.ok ? 'Connection test passed' : 'Connection test failed'}</MessageBarTitle>
        {result.error ??
          `${result.mailboxCount} mailboxes selected; ${result.checked.length - failed.length} of ${result.checked.length} checked could be opened.`}
        {failed.map((c) => (
          <Caption1 key={c.upn} block>
            {c.upn}: {c.error}
          </Caption1>
        ))}
      </MessageBarBody>
    </MessageBar>
  );
}
