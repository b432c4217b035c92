import { Body1, Spinner, Subtitle2, makeStyles, tokens } from '@fluentui/react-components';
import { ErrorCircle20Regular, Search20Regular } from '@fluentui/react-icons';
import type { ReactNode } from 'react';
import { centredColumn } from './CentredPage';

const useStyles = makeStyles({
  root: {
    ...centredColumn,
    gap: tokens.spacingVerticalS,
    padding: `${tokens.spacingVerticalXXL} ${tokens.spacingHorizontalL}`,
    color: tokens.colorNeutralForeground2,
  },
  error: { color: tokens.colorPaletteRedForeground1 },
});

/** The loading, empty and error states: each says what is happening and what to do next. */
export function Notice({ kind, title, message, action }: { kind: 'loading' | 'empty' | 'error'; title: string; message?: ReactNode; action?: ReactNode }) {
  const styles = useStyles();
  if (kind === 'loading') {
    return (
      <div className={styles.root} role="status">
        <Spinner size="small" label={title} />
      </div>
    );
  }
  return (
    <div className={styles.root} role={kind === 'error' ? 'alert' : 'status'}>
      {kind === 'error' ? <ErrorCircle20Regular className={styles.error} aria-hidden /> : <Search20Regular aria-hidden />}
      <Subtitle2>{title}</Subtitle2>
      {message && <Body1>{message}</Body1>}
      {action}
    </div>
  );
}
