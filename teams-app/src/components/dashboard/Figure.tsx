import { Caption1, Card, Text, makeStyles, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({
  cards: { display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(220px, 1fr))', gap: tokens.spacingHorizontalM },
  figure: { fontSize: tokens.fontSizeHero700, fontWeight: tokens.fontWeightSemibold, lineHeight: tokens.lineHeightHero700 },
});

/** A row of figure cards. */
export function Figures({ children }: { children: React.ReactNode }) {
  return <div className={useStyles().cards}>{children}</div>;
}

/** One figure of the dashboard: a label, the value large, a line of detail. */
export function Figure({ label, value, detail }: { label: string; value: string; detail: string }) {
  const styles = useStyles();
  return (
    <Card aria-label={label}>
      <Caption1>{label}</Caption1>
      <Text className={styles.figure} data-figure={label}>
        {value}
      </Text>
      <Caption1>{detail}</Caption1>
    </Card>
  );
}
