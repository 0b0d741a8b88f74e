import { defineCommand } from 'citty';
import { useRuntime } from '../internal/cli-runtime.js';

/** The `~/.ssh/config` block `ssh-config` prints. */
export function sshConfigBlock(options: {
  profile?: string;
  region?: string;
  user?: string;
}): string {
  const flags = [
    options.profile === undefined ? '' : ` --profile ${options.profile}`,
    options.region === undefined ? '' : ` --region ${options.region}`,
  ].join('');
  return [
    '# SSH over Session Manager (ssm-tunnel). Paste into ~/.ssh/config.',
    'Host i-* mi-*',
    `  ProxyCommand ssm-tunnel ssh-proxy %h %p${flags}`,
    ...(options.user === undefined ? [] : [`  User ${options.user}`]),
    '  StrictHostKeyChecking accept-new',
    '  ServerAliveInterval 60',
  ].join('\n');
}

/** `ssm-tunnel ssh-config`: prints the ssh config block for `ssh i-…`. */
export const sshConfigCommand = defineCommand({
  meta: {
    name: 'ssh-config',
    description: 'Print the ~/.ssh/config block for ssh i-… via ssh-proxy',
  },
  args: {
    profile: { type: 'string', description: 'Bake --profile into the ProxyCommand' },
    region: { type: 'string', description: 'Bake --region into the ProxyCommand' },
    user: { type: 'string', description: 'Add a User line (e.g. ec2-user)' },
  },
  run({ args }) {
    const { output } = useRuntime({});
    output.result(
      sshConfigBlock({
        ...(args.profile === undefined ? {} : { profile: args.profile }),
        ...(args.region === undefined ? {} : { region: args.region }),
        ...(args.user === undefined ? {} : { user: args.user }),
      }),
    );
  },
});
