import { compareAgentSideVersion, isVersionGreater } from './version.js';

/**
 * The `ClientVersion` ssmkit reports in the open frame and the HandshakeResponse. It is a protocol
 * switch (spec §6.3, design.md): ≥ 1.1.70 makes the agent use smux, > 1.2.331.0 turns the agent's
 * smux keep-alive off.
 */
export const DEFAULT_CLIENT_VERSION = '1.2.707.0';

/** `Properties.type` value that selects local port forwarding (spec §1.2, §7.1). */
export const LOCAL_PORT_FORWARDING = 'LocalPortForwarding';

/** Agent versions the client compares against with {@link isVersionGreater} (spec §7.1). */
export const ClientGateThresholds = {
  /** Agent > this: smux for `LocalPortForwarding`. */
  mux: '3.0.196.0',
  /** Agent > this: Ctrl-C sends the TerminateSession flag instead of calling the API. */
  terminateSessionFlag: '2.3.722.0',
  /** Agent > this: the client turns its smux keep-alive off. */
  smuxKeepAliveDisabled: '3.1.1511.0',
} as const;

/** Client versions the agent compares against with {@link compareAgentSideVersion} (spec §6.3). */
export const AgentGateThresholds = {
  /** ClientVersion ≥ this: smux for `LocalPortForwarding`. */
  mux: '1.1.70',
  /** ClientVersion > this: the agent turns its smux keep-alive off. */
  smuxKeepAliveDisabled: '1.2.331.0',
  /** ClientVersion ≤ this: the separate StdOut/StdErr nag in CustomerMessage. */
  separateStreamsNag: '1.2.295',
} as const;

/** Features the client enables from the agent's `AgentVersion`. */
export interface ClientFeatureGates {
  /** Agent > 3.0.196.0: multiplexed (smux) port forwarding. */
  mux: boolean;
  /** Agent > 2.3.722.0: the TerminateSession flag is understood. */
  terminateSessionFlag: boolean;
  /** Agent > 3.1.1511.0: run smux without keep-alive. */
  smuxKeepAliveDisabled: boolean;
}

/** Features the agent enables from the client's `ClientVersion`. */
export interface AgentFeatureGates {
  /** ClientVersion ≥ 1.1.70: smux port forwarding. */
  mux: boolean;
  /** ClientVersion > 1.2.331.0: no agent-side smux keep-alive. */
  smuxKeepAliveDisabled: boolean;
  /** ClientVersion ≤ 1.2.295: add the separate-streams nag to CustomerMessage. */
  separateStreamsNag: boolean;
}

/**
 * The client's feature gates, exactly as the official client computes them (strict `>` on
 * same-length numeric versions; anything unparsable turns the feature off).
 *
 * @example
 * ```ts
 * clientFeatureGates('3.3.1142.0'); // { mux: true, terminateSessionFlag: true, smuxKeepAliveDisabled: true }
 * ```
 */
export function clientFeatureGates(agentVersion: string): ClientFeatureGates {
  return {
    mux: isVersionGreater(agentVersion, ClientGateThresholds.mux),
    terminateSessionFlag: isVersionGreater(agentVersion, ClientGateThresholds.terminateSessionFlag),
    smuxKeepAliveDisabled: isVersionGreater(
      agentVersion,
      ClientGateThresholds.smuxKeepAliveDisabled,
    ),
  };
}

/**
 * The agent's feature gates on the client's reported version (for the agent role / emulator).
 *
 * @example
 * ```ts
 * agentFeatureGates('1.2.0.0'); // { mux: true, smuxKeepAliveDisabled: false, separateStreamsNag: false }
 * ```
 */
export function agentFeatureGates(clientVersion: string): AgentFeatureGates {
  return {
    mux: compareAgentSideVersion(clientVersion, AgentGateThresholds.mux) >= 0,
    smuxKeepAliveDisabled:
      compareAgentSideVersion(clientVersion, AgentGateThresholds.smuxKeepAliveDisabled) > 0,
    separateStreamsNag:
      compareAgentSideVersion(clientVersion, AgentGateThresholds.separateStreamsNag) <= 0,
  };
}

/** How the client forwards a Port session (spec §7.1). */
export type ClientPortMode = 'mux' | 'basic' | 'stdio';

/** How the agent serves a Port session (spec §7, Appendix A.6). */
export type AgentPortMode = 'mux' | 'basic';

function isLocalPortForwarding(properties: Readonly<Record<string, unknown>> | null): boolean {
  return properties !== null && properties.type === LOCAL_PORT_FORWARDING;
}

/**
 * The client's port mode (spec §7.1): `type == "LocalPortForwarding"` → `mux` when the agent is
 * newer than 3.0.196.0, else `basic`; any other or absent `type` (e.g. AWS-StartSSHSession) →
 * `stdio`.
 *
 * @example
 * ```ts
 * choosePortMode({ portNumber: '22' }, '3.3.1142.0'); // 'stdio'
 * ```
 */
export function choosePortMode(
  properties: Readonly<Record<string, unknown>> | null,
  agentVersion: string,
): ClientPortMode {
  if (!isLocalPortForwarding(properties)) return 'stdio';
  return clientFeatureGates(agentVersion).mux ? 'mux' : 'basic';
}

/**
 * The agent's port mode: `mux` when `type == "LocalPortForwarding"` and ClientVersion ≥ 1.1.70,
 * otherwise `basic` (one destination connection). Use {@link isStdioPortSession} to know whether
 * the client on the other end is in stdio mode.
 *
 * @example
 * ```ts
 * agentPortMode({ type: 'LocalPortForwarding', portNumber: '80' }, '0.0.1'); // 'basic'
 * ```
 */
export function agentPortMode(
  properties: Readonly<Record<string, unknown>> | null,
  clientVersion: string,
): AgentPortMode {
  return isLocalPortForwarding(properties) && agentFeatureGates(clientVersion).mux
    ? 'mux'
    : 'basic';
}

/**
 * True when a Port session's client runs stdio forwarding: `type` is absent (AWS-StartSSHSession)
 * or anything but `LocalPortForwarding`. The agent serves it in `basic` mode.
 */
export function isStdioPortSession(properties: Readonly<Record<string, unknown>> | null): boolean {
  return !isLocalPortForwarding(properties);
}
