// The README is part of the interface: every command, exit code and error code is documented, and
// every flag it shows for a command is one that command really takes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CliErrorCode } from '../src/errors/cli-error.js';
import { ExitCode } from '../src/internal/exit-codes.js';
import { subCommands } from '../src/commands/root.js';
import { renderHelp } from '../src/main.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const commands = Object.keys(subCommands);
const plain = { NO_COLOR: '1' };

/** The README section of each command: from its `### \`ssm-tunnel <name>\`` heading to the next `##`. */
function sections(): Map<string, string> {
  const result = new Map<string, string>();
  const pattern = /^### `ssm-tunnel ([\w-]+)`\n([\s\S]*?)(?=^##)/gm;
  for (const match of readme.matchAll(pattern)) result.set(match[1]!, match[2]!);
  return result;
}

/** `--flag` names in a text (not `--` alone, not inside words). */
function flagsIn(text: string): string[] {
  return [...new Set([...text.matchAll(/(?<![\w-])--[a-z][a-z-]*/g)].map((match) => match[0]))];
}

/** The long flags a command's --help lists. */
async function helpFlags(command: string): Promise<Set<string>> {
  const help = await renderHelp([command], plain);
  return new Set(flagsIn(help));
}

describe('README', () => {
  it('has a section, with an example run, for every command', () => {
    const found = sections();
    expect([...found.keys()].sort()).toEqual([...commands].sort());
    for (const [command, text] of found) {
      expect(text, command).toMatch(
        /```console\n\$ (ssm-tunnel|\(.*\) \| ssm-tunnel|AWS_\w+=\S+ ssm-tunnel) /,
      );
    }
  });

  it('documents every exit code', () => {
    for (const code of Object.values(ExitCode)) expect(readme).toContain(`| \`${code}\``);
  });

  it('documents every CliError code with its exit code', () => {
    for (const code of Object.values(CliErrorCode)) {
      expect(readme).toMatch(new RegExp(`\\| \`${code}\` +\\| \\d+ `));
    }
  });

  it('names only flags each command takes, in its section', async () => {
    for (const [command, text] of sections()) {
      const known = await helpFlags(command);
      // Prose, tables and the commands run (`$ …`), not what the commands printed.
      const claims = text.replace(/```\w*\n([\s\S]*?)```/g, (_, block: string) =>
        block
          .split('\n')
          .filter((line) => line.startsWith('$ '))
          .join('\n'),
      );
      const unknown = flagsIn(claims).filter((flag) => !known.has(flag));
      expect(unknown, `ssm-tunnel ${command}`).toEqual([]);
    }
  });

  it('lists global flags that every AWS command takes', async () => {
    const table = /## Global flags and environment\n([\s\S]*?)\n\| Environment variable/.exec(
      readme,
    )![1]!;
    const globals = flagsIn(table).filter((flag) => flag !== '--help' && flag !== '--version');
    expect(globals.length).toBeGreaterThan(8);
    for (const command of ['forward', 'db', 'status', 'stop', 'cleanup', 'doctor', 'up']) {
      const known = await helpFlags(command);
      for (const flag of globals) {
        // --reason is for the commands that start sessions only.
        if (flag === '--reason' && !['forward', 'db'].includes(command)) continue;
        expect(known.has(flag), `${command} ${flag}`).toBe(true);
      }
    }
  });

  it('agrees with the exit codes of the root --help', async () => {
    const help = await renderHelp([], plain);
    const line = /EXIT CODES\n\n(.*)/.exec(help)![1]!;
    const codes = [...line.matchAll(/(\d+) /g)].map((match) => Number(match[1]));
    expect(codes.sort((a, b) => a - b)).toEqual(Object.values(ExitCode).sort((a, b) => a - b));
  });
});
