import { MessageBar, MessageBarBody, MessageBarTitle } from '@fluentui/react-components';

/** An error that is not about one field: what went wrong, in the server's words. */
export function ErrorBar({ error, title = 'Something went wrong' }: { error: Error | null | undefined; title?: string }) {
  if (!error) return null;
  return (
    <MessageBar intent="error" role="alert">
      <MessageBarBody>
        <MessageBarTitle>{title}</MessageBarTitle>
        {error.message}
      </MessageBarBody>
    </MessageBar>
  );
}
