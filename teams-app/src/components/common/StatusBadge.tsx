import { Badge, type BadgeProps } from '@fluentui/react-components';

const COLORS: Record<string, BadgeProps['color']> = {
  queued: 'informative',
  running: 'brand',
  succeeded: 'success',
  done: 'success',
  partial: 'warning',
  'timed-out': 'warning',
  failed: 'danger',
  cancelled: 'subtle',
  // Completeness verdicts.
  complete: 'success',
  'catching-up': 'warning',
  gaps: 'danger',
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <Badge appearance="tint" color={COLORS[status] ?? 'informative'} data-status={status}>
      {status}
    </Badge>
  );
}
