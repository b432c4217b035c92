import pkg from '../../../package.json' with { type: 'json' };

/** The release this code belongs to (the repository's version), as processes register it. */
export const RELEASE: string = pkg.version;
