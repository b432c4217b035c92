import { Title3, makeStyles, tokens } from '@fluentui/react-components';
import type { FluentIcon } from '@fluentui/react-icons';
import type { ReactNode } from 'react';

/** The column both apps centre their whole-page messages in (notices, sign-in, no access). */
export const centredColumn = { display: 'flex', flexDirection: 'column', alignItems: 'center', textAlign: 'center' } as const;

const useStyles = makeStyles({
  root: { ...centredColumn, gap: tokens.spacingVerticalM, padding: `${tokens.spacingVerticalXXXL} ${tokens.spacingHorizontalXL}` },
  brand: { color: tokens.colorBrandForeground1 },
  muted: { color: tokens.colorNeutralForeground3 },
});

export interface CentredPageProps {
  icon: FluentIcon;
  /** Muted for a page that only informs, brand for one that asks the user to act. */
  tone?: 'brand' | 'muted';
  title: string;
  /** Keeps the text readable on a wide page (the Teams tab); the task pane is narrow enough. */
  maxWidth?: string;
  role?: 'alert';
  children: ReactNode;
}

/** A page that is one message: a large icon, a heading and what to do next. */
export function CentredPage({ icon: Icon, tone = 'brand', title, maxWidth, role, children }: CentredPageProps) {
  const styles = useStyles();
  return (
    <main className={styles.root} role={role} style={maxWidth ? { maxWidth, margin: '0 auto' } : undefined}>
      <Icon className={tone === 'brand' ? styles.brand : styles.muted} aria-hidden />
      <Title3 as="h1">{title}</Title3>
      {children}
    </main>
  );
}
