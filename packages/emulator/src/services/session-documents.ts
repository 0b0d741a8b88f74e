/**
 * The AWS-managed Session Manager documents the emulator knows (spec §1.2): session type,
 * parameters with defaults and allowed patterns, and the `properties` the agent echoes to the
 * client in the handshake.
 */

/** `allowedPattern` of `portNumber` (spec §1.2). */
export const PORT_NUMBER_PATTERN =
  /^([1-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$/;
/** `allowedPattern` of `localPortNumber`: like portNumber but also `0`. */
export const LOCAL_PORT_NUMBER_PATTERN =
  /^([0-9]|[1-9][0-9]{1,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])$/;

export type SessionType =
  'Port' | 'Standard_Stream' | 'InteractiveCommands' | 'NonInteractiveCommands';

export interface DocumentParameter {
  default?: string;
  allowedPattern?: RegExp;
}

export interface SessionDocument {
  name: string;
  sessionType: SessionType;
  parameters: Record<string, DocumentParameter>;
  /** Builds the handshake `properties` from the (defaulted) parameters; `null` for shells. */
  properties(parameters: Record<string, string>): unknown;
}

const port = { default: '80', allowedPattern: PORT_NUMBER_PATTERN };
const localPort = { default: '0', allowedPattern: LOCAL_PORT_NUMBER_PATTERN };

export const SESSION_DOCUMENTS: Record<string, SessionDocument> = {
  'AWS-StartPortForwardingSession': {
    name: 'AWS-StartPortForwardingSession',
    sessionType: 'Port',
    parameters: { portNumber: port, localPortNumber: localPort },
    properties: (p) => ({
      portNumber: p.portNumber,
      type: 'LocalPortForwarding',
      localPortNumber: p.localPortNumber,
    }),
  },
  'AWS-StartPortForwardingSessionToRemoteHost': {
    name: 'AWS-StartPortForwardingSessionToRemoteHost',
    sessionType: 'Port',
    parameters: {
      host: { allowedPattern: /^[^\s]{1,255}$/ },
      portNumber: port,
      localPortNumber: localPort,
    },
    properties: (p) => ({
      portNumber: p.portNumber,
      type: 'LocalPortForwarding',
      localPortNumber: p.localPortNumber,
      host: p.host,
    }),
  },
  'AWS-StartSSHSession': {
    name: 'AWS-StartSSHSession',
    sessionType: 'Port',
    parameters: { portNumber: { default: '22', allowedPattern: PORT_NUMBER_PATTERN } },
    properties: (p) => ({ portNumber: p.portNumber }),
  },
  'AWS-StartInteractiveCommand': {
    name: 'AWS-StartInteractiveCommand',
    sessionType: 'InteractiveCommands',
    parameters: { command: {} },
    properties: (p) => {
      const commands = { commands: p.command, runAsElevated: false };
      return { linux: commands, windows: commands, macos: commands };
    },
  },
  'AWS-StartNonInteractiveCommand': {
    name: 'AWS-StartNonInteractiveCommand',
    sessionType: 'NonInteractiveCommands',
    parameters: { command: {} },
    properties: (p) => {
      const commands = { commands: p.command, runAsElevated: false };
      return { linux: commands, windows: commands, macos: commands };
    },
  },
  'SSM-SessionManagerRunShell': {
    name: 'SSM-SessionManagerRunShell',
    sessionType: 'Standard_Stream',
    parameters: {},
    properties: () => null,
  },
};

/** The document of a session (`SSM-SessionManagerRunShell` when none was given). */
export function sessionDocument(documentName: string | undefined): SessionDocument | undefined {
  return SESSION_DOCUMENTS[documentName ?? 'SSM-SessionManagerRunShell'];
}

/** Handshake properties of a session, from its recorded parameters (first value of each). */
export function sessionProperties(
  documentName: string | undefined,
  parameters: Record<string, string[]>,
): unknown {
  const document = sessionDocument(documentName);
  if (document === undefined) return null;
  const flat: Record<string, string> = {};
  for (const [key, values] of Object.entries(parameters))
    if (values[0] !== undefined) flat[key] = values[0];
  return document.properties(flat);
}
