/** Read by the workspace packages' sources (tsup replaces it in their builds); typecheck only. */
declare const __PACKAGE_VERSION__: string;
