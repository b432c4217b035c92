import { Caption1, makeStyles, tokens } from '@fluentui/react-components';

const useStyles = makeStyles({
  chart: { width: '100%', height: '180px', display: 'block' },
  bar: { fill: tokens.colorBrandBackground },
  axis: { stroke: tokens.colorNeutralStroke1 },
  label: { fill: tokens.colorNeutralForeground3, fontSize: '10px' },
});

/** Messages archived per day as plain SVG bars (no chart library): the dashboard needs no more. */
export function PerDayChart({ days }: { days: { date: string; count: number }[] }) {
  const styles = useStyles();
  const max = Math.max(1, ...days.map((d) => d.count));
  const w = 100 / Math.max(1, days.length);
  const total = days.reduce((n, d) => n + d.count, 0);
  return (
    <figure style={{ margin: 0 }}>
      <svg className={styles.chart} viewBox="0 0 100 60" preserveAspectRatio="none" role="img" aria-label={`Messages archived per day: ${total} in ${days.length} days`}>
        {days.map((d, i) => {
          const h = (d.count / max) * 50;
          return (
            <rect key={d.date} className={styles.bar} x={i * w + w * 0.15} y={52 - h} width={w * 0.7} height={h} data-date={d.date} data-count={d.count}>
              <title>{`${d.date}: ${d.count}`}</title>
            </rect>
          );
        })}
        <line className={styles.axis} x1="0" y1="52.2" x2="100" y2="52.2" strokeWidth="0.3" vectorEffect="non-scaling-stroke" />
      </svg>
      <figcaption style={{ display: 'flex', justifyContent: 'space-between' }}>
        <Caption1>{days[0]?.date}</Caption1>
        <Caption1>{total === 0 ? "nothing archived in these days" : `busiest day: ${max}`}</Caption1>
        <Caption1>{days.at(-1)?.date}</Caption1>
      </figcaption>
    </figure>
  );
}
