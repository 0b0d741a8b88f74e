import { ConfigError } from '@ssmkit/core';

/**
 * Core validates target specs inside `resolveTarget()`, naming paths relative to the spec
 * (`tag`). Re-throw those naming our option (`target.tag`). @internal
 */
export function rethrowTargetConfigError(error: unknown, entryPoint: string): void {
  if (
    ConfigError.isInstance(error) &&
    error.code === 'ERR_CONFIG_INVALID_OPTION' &&
    error.message.includes('resolveTarget()')
  ) {
    const options = error.options.map((path) =>
      path === 'target' || path.startsWith('target.')
        ? path
        : path === '(options)'
          ? 'target'
          : `target.${path}`,
    );
    throw new ConfigError(
      'ERR_CONFIG_INVALID_OPTION',
      error.message
        .replace('resolveTarget()', `${entryPoint}()`)
        .replace(/`([^`]+)`:/g, (_match, path: string) =>
          path === 'target' || path.startsWith('target.')
            ? `\`${path}\`:`
            : `\`target.${path === '(options)' ? '' : path}\`:`.replace('.`', '`'),
        ),
      { options: options.length === 0 ? ['target'] : options, cause: error },
    );
  }
}
