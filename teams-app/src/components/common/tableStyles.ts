import { makeStyles } from '@fluentui/react-components';

/** Fluent tables share the width equally by default; addresses and names need the room they take. */
export const useTableStyles = makeStyles({ auto: { tableLayout: 'auto' } });
