import { defineCommand, type CommandDef, type SubCommandsDef } from 'citty';
import { PACKAGE_VERSION } from '../internal/version.js';

/** Loads a command module lazily (only the command run is imported). */
type Lazy = () => Promise<CommandDef<never>>;

/** Every subcommand, lazily imported. */
export const subCommands: Record<string, Lazy> & SubCommandsDef = {
  forward: () =>
    import('./forward.js').then((module) => module.forwardCommand as CommandDef<never>),
  db: () => import('./db.js').then((module) => module.dbCommand as CommandDef<never>),
  'ssh-proxy': () =>
    import('./ssh-proxy.js').then((module) => module.sshProxyCommand as CommandDef<never>),
  'ssh-config': () =>
    import('./ssh-config.js').then((module) => module.sshConfigCommand as CommandDef<never>),
  up: () => import('./up.js').then((module) => module.upCommand as CommandDef<never>),
  ls: () => import('./ls.js').then((module) => module.lsCommand as CommandDef<never>),
  status: () => import('./status.js').then((module) => module.statusCommand as CommandDef<never>),
  stop: () => import('./stop.js').then((module) => module.stopCommand as CommandDef<never>),
  cleanup: () =>
    import('./cleanup.js').then((module) => module.cleanupCommand as CommandDef<never>),
  doctor: () => import('./doctor.js').then((module) => module.doctorCommand as CommandDef<never>),
  emulator: () =>
    import('./emulator.js').then((module) => module.emulatorCommand as CommandDef<never>),
};

/** `ssm-tunnel`: `forward` is the default command. */
export const rootCommand = defineCommand({
  meta: {
    name: 'ssm-tunnel',
    version: PACKAGE_VERSION,
    description:
      'Session Manager port forwarding, database tunnels, ssh ProxyCommand and ephemeral Fargate bastions',
  },
  subCommands,
  default: 'forward',
});
