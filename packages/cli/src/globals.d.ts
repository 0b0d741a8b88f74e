/** Replaced at build time by tsup with the package version (`ssm-tunnel --version`, User-Agent). */
declare const __PACKAGE_VERSION__: string;
