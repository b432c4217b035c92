import { Label, Text, makeStyles, tokens } from '@fluentui/react-components';
import { useId, type ReactNode } from 'react';

const useStyles = makeStyles({
  root: { display: 'flex', flexDirection: 'column', gap: tokens.spacingVerticalXXS },
  error: { color: tokens.colorPaletteRedForeground1 },
});

/**
 * A labelled group of several controls (checkboxes). Fluent's Field gives its one control the
 * field's id and label, so checkboxes must not share one: they go in a group instead.
 */
export function Group({ label, error, children }: { label: string; error?: string; children: ReactNode }) {
  const styles = useStyles();
  const id = useId();
  return (
    <div className={styles.root} role="group" aria-labelledby={id} aria-invalid={error ? true : undefined}>
      <Label id={id}>{label}</Label>
      {children}
      {error && (
        <Text className={styles.error} size={200} role="alert">
          {error}
        </Text>
      )}
    </div>
  );
}
