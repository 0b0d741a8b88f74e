/** Replaced at build time by tsup with the package version (for the Server header and logs). */
declare const __PACKAGE_VERSION__: string;
