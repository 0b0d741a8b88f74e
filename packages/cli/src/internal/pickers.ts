import { resolveTarget, TargetError, type AwsContext, type TargetSpec } from '@ssmkit/core';
import { CliError } from '../errors/cli-error.js';
import type { Output } from './output.js';
import type { Prompter } from './prompter.js';
import { parseTargetFlag } from './target-spec.js';

const MISSING_TARGET_HINT =
  'Pass --target <i-…|tag:Name=bastion|param:/name|ecs:cluster/service>, or --ephemeral --ecs-cluster <cluster> --ecs-service <service>.';

/**
 * Asks for the bastion on a terminal: SSM-online instances named like `*bastion*` are offered,
 * else an id is asked for. Without a terminal, fails naming the flags.
 */
export async function pickTarget(
  context: AwsContext,
  prompter: Prompter,
  output: Output,
): Promise<TargetSpec> {
  if (!prompter.interactive) {
    throw new CliError('ERR_CLI_NOT_INTERACTIVE', 'Missing --target (the bastion to go through).', {
      hint: MISSING_TARGET_HINT,
    });
  }
  output.step('Looking for bastions…');
  let candidates: string[] = [];
  try {
    const found = await resolveTarget(context, { tag: { Name: '*bastion*' } });
    candidates = [found.target];
  } catch (error) {
    if (TargetError.isInstance(error) && error.code === 'ERR_TARGET_AMBIGUOUS') {
      candidates = error.candidates;
    }
  }
  output.stopSpinner();
  const OTHER = '__other__';
  const choice = await prompter.select(
    'Bastion',
    [
      ...candidates.map((candidate) => ({ value: candidate, label: candidate })),
      {
        value: OTHER,
        label: 'Enter a target…',
        hint: 'i-…, tag:Key=Value, param:/name, ecs:cluster/service',
      },
    ],
    '--target',
  );
  if (choice !== OTHER) return parseTargetFlag(choice);
  return parseTargetFlag(await prompter.text('Target', '--target'));
}
