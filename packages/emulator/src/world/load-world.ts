import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type * as z from 'zod/v4';
import { EmulatorError, EmulatorErrorCode } from '../errors.js';
import { worldSchema } from './schema.js';
import type { World } from './schema.js';

/** Renders a zod path as `instances[2].tags` / `hostAliases["a.b"]`. */
export function formatIssuePath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key))
      out += out ? `.${key}` : key;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out || '(root)';
}

function describeIssue(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      // JSON authors think in objects; zod calls string maps "record".
      return `expected ${issue.expected === 'record' ? 'object' : issue.expected}`;
    case 'unrecognized_keys':
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((key) => `"${key}"`).join(', ')}`;
    default:
      return issue.message;
  }
}

/**
 * Validates a world object. Throws `EmulatorError` (`ERR_EMULATOR_WORLD`) listing every bad
 * field as `<source>: <path>: <problem>`, e.g. `world.json: instances[2].tags: expected object`.
 */
export function parseWorld(input: unknown, source = 'world'): World {
  const result = worldSchema.safeParse(input);
  if (result.success) {
    checkReferences(result.data, source);
    return result.data;
  }
  const lines = result.error.issues.map(
    (issue) => `${source}: ${formatIssuePath(issue.path)}: ${describeIssue(issue)}`,
  );
  throw new EmulatorError(EmulatorErrorCode.World, lines.join('\n'), { cause: result.error });
}

function checkReferences(world: World, source: string): void {
  const problems: string[] = [];
  const taskDefinitions = new Set(
    world.ecs.taskDefinitions.map((definition) => `${definition.family}:${definition.revision}`),
  );
  world.ecs.clusters.forEach((cluster, clusterIndex) => {
    cluster.services.forEach((service, serviceIndex) => {
      if (!taskDefinitions.has(service.taskDefinition)) {
        problems.push(
          `${source}: ecs.clusters[${clusterIndex}].services[${serviceIndex}].taskDefinition: no task definition "${service.taskDefinition}" in ecs.taskDefinitions`,
        );
      }
    });
  });
  const ids = new Set<string>();
  world.instances.forEach((instance, index) => {
    if (ids.has(instance.instanceId)) {
      problems.push(
        `${source}: instances[${index}].instanceId: duplicate "${instance.instanceId}"`,
      );
    }
    ids.add(instance.instanceId);
  });
  if (problems.length > 0) throw new EmulatorError(EmulatorErrorCode.World, problems.join('\n'));
}

/** Reads and validates a world JSON file. Errors name the file by its base name. */
export async function loadWorldFile(path: string): Promise<World> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new EmulatorError(
      EmulatorErrorCode.World,
      `Cannot read world file ${path}: ${(error as Error).message}. Pass an existing JSON file to --world.`,
      { cause: error },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new EmulatorError(
      EmulatorErrorCode.World,
      `${basename(path)}: not valid JSON: ${(error as Error).message}`,
      { cause: error },
    );
  }
  return parseWorld(json, basename(path));
}
