import type { TargetSpec } from '@ssmkit/core';
import { CliError } from '../errors/cli-error.js';

/**
 * `--target` text → a core {@link TargetSpec}:
 * `i-…`/`mi-…`/`ecs:<cluster>_<task>_<runtime>` as is, `tag:Key=Value[,Key=Value]`,
 * `param:/name`, `ecs:<cluster>/<service>`, `name:<Name tag>`.
 */
export function parseTargetFlag(text: string): TargetSpec {
  const value = text.trim();
  if (value.startsWith('tag:')) {
    const tag: Record<string, string> = {};
    for (const pair of value.slice(4).split(',')) {
      const index = pair.indexOf('=');
      if (index <= 0) {
        throw new CliError('ERR_CLI_USAGE', `--target ${text}: expected tag:Key=Value.`, {
          hint: 'For example --target tag:Name=bastion.',
        });
      }
      tag[pair.slice(0, index)] = pair.slice(index + 1);
    }
    return { tag };
  }
  if (value.startsWith('name:')) return { name: value.slice(5) };
  if (value.startsWith('param:')) return { parameter: value.slice(6) };
  if (value.startsWith('ecs:') && value.includes('/')) {
    const [cluster = '', service = ''] = value.slice(4).split('/', 2);
    if (cluster === '' || service === '') {
      throw new CliError('ERR_CLI_USAGE', `--target ${text}: expected ecs:<cluster>/<service>.`);
    }
    return { ecs: { cluster, service } };
  }
  if (/^(i|mi)-[0-9a-f]+$/.test(value) || value.startsWith('ecs:')) return value;
  throw new CliError(
    'ERR_CLI_USAGE',
    `--target ${text}: expected i-…, mi-…, tag:Key=Value, param:/name or ecs:<cluster>/<service>.`,
  );
}

/** Flags that pick a bastion, shared by forward, db and doctor. */
export interface TargetValues {
  target?: string;
  ephemeral?: boolean;
  'ecs-cluster'?: string;
  'ecs-service'?: string;
}

/** The target spec the flags describe, or undefined when none was given. */
export function targetFromFlags(values: TargetValues): TargetSpec | undefined {
  if (values.ephemeral === true) {
    const cluster = values['ecs-cluster'];
    if (cluster === undefined) {
      throw new CliError('ERR_CLI_USAGE', '--ephemeral needs --ecs-cluster.', {
        hint: 'Pass --ecs-cluster <cluster> --ecs-service <service> (the service to copy).',
      });
    }
    const service = values['ecs-service'];
    return { ephemeral: { cluster, ...(service === undefined ? {} : { service }) } };
  }
  if (values['ecs-cluster'] !== undefined && values['ecs-service'] !== undefined) {
    return { ecs: { cluster: values['ecs-cluster'], service: values['ecs-service'] } };
  }
  return values.target === undefined ? undefined : parseTargetFlag(values.target);
}

/** One-line description of a spec for messages. */
export function describeTargetSpec(spec: TargetSpec): string {
  if (typeof spec === 'string') return spec;
  if ('tag' in spec)
    return `tag:${Object.entries(spec.tag)
      .map(([k, v]) => `${k}=${v}`)
      .join(',')}`;
  if ('name' in spec) return `name:${spec.name}`;
  if ('parameter' in spec) return `param:${spec.parameter}`;
  if ('ecs' in spec) return `ecs:${spec.ecs.cluster}/${spec.ecs.service ?? spec.ecs.task ?? ''}`;
  if ('ephemeral' in spec)
    return `ephemeral task from ${spec.ephemeral.cluster}/${spec.ephemeral.service ?? ''}`;
  return `auto (${spec.auto.host})`;
}
