/** Replaced at build time by tsup with the package version (for User-Agent strings). */
declare const __PACKAGE_VERSION__: string;
