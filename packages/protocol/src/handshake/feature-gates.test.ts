import { describe, expect, test } from 'vitest';
import {
  DEFAULT_CLIENT_VERSION,
  agentFeatureGates,
  agentPortMode,
  choosePortMode,
  clientFeatureGates,
  isStdioPortSession,
} from './feature-gates.js';

const LPF = { portNumber: '5432', type: 'LocalPortForwarding', localPortNumber: '0' };
const SSH = { portNumber: '22' };

describe('clientFeatureGates', () => {
  test.each([
    ['3.3.1142.0', { mux: true, terminateSessionFlag: true, smuxKeepAliveDisabled: true }],
    ['3.1.1511.0', { mux: true, terminateSessionFlag: true, smuxKeepAliveDisabled: false }],
    ['3.1.1512.0', { mux: true, terminateSessionFlag: true, smuxKeepAliveDisabled: true }],
    ['3.0.196.0', { mux: false, terminateSessionFlag: true, smuxKeepAliveDisabled: false }],
    ['3.0.222.0', { mux: true, terminateSessionFlag: true, smuxKeepAliveDisabled: false }],
    ['2.3.722.0', { mux: false, terminateSessionFlag: false, smuxKeepAliveDisabled: false }],
    ['3.3.1142', { mux: false, terminateSessionFlag: false, smuxKeepAliveDisabled: false }],
    ['', { mux: false, terminateSessionFlag: false, smuxKeepAliveDisabled: false }],
  ])('agent %j', (agentVersion, gates) => {
    expect(clientFeatureGates(agentVersion)).toEqual(gates);
  });
});

describe('agentFeatureGates', () => {
  test.each([
    [DEFAULT_CLIENT_VERSION, { mux: true, smuxKeepAliveDisabled: true, separateStreamsNag: false }],
    ['1.2.677.0', { mux: true, smuxKeepAliveDisabled: true, separateStreamsNag: false }],
    ['1.2.331.0', { mux: true, smuxKeepAliveDisabled: false, separateStreamsNag: false }],
    ['1.2.339.0', { mux: true, smuxKeepAliveDisabled: true, separateStreamsNag: false }],
    // the source-built plugin: smux, but keep-alive stays on (notes §2)
    ['1.2.0.0', { mux: true, smuxKeepAliveDisabled: false, separateStreamsNag: true }],
    ['1.2.295', { mux: true, smuxKeepAliveDisabled: false, separateStreamsNag: true }],
    ['1.2.295.0', { mux: true, smuxKeepAliveDisabled: false, separateStreamsNag: false }],
    ['1.1.70', { mux: true, smuxKeepAliveDisabled: false, separateStreamsNag: true }],
    ['1.1.69', { mux: false, smuxKeepAliveDisabled: false, separateStreamsNag: true }],
    ['0.0.1', { mux: false, smuxKeepAliveDisabled: false, separateStreamsNag: true }],
    ['', { mux: false, smuxKeepAliveDisabled: false, separateStreamsNag: true }],
  ])('client %j', (clientVersion, gates) => {
    expect(agentFeatureGates(clientVersion)).toEqual(gates);
  });

  test('DEFAULT_CLIENT_VERSION is at least 1.2.707.0 (design.md)', () => {
    expect(DEFAULT_CLIENT_VERSION).toBe('1.2.707.0');
  });
});

describe('port mode', () => {
  test.each([
    [LPF, '3.3.1142.0', 'mux'],
    [LPF, '3.0.196.0', 'basic'],
    [LPF, '3.0.222', 'basic'],
    [LPF, 'garbage', 'basic'],
    [SSH, '3.3.1142.0', 'stdio'],
    [{ ...LPF, type: 'RemotePortForwarding' }, '3.3.1142.0', 'stdio'],
    [{ type: 5 }, '3.3.1142.0', 'stdio'],
    [null, '3.3.1142.0', 'stdio'],
  ] as const)('client choosePortMode(%j, %j) = %s', (properties, agentVersion, mode) => {
    expect(choosePortMode(properties, agentVersion)).toBe(mode);
  });

  test.each([
    [LPF, DEFAULT_CLIENT_VERSION, 'mux', false],
    [LPF, '1.1.70', 'mux', false],
    [LPF, '0.0.1', 'basic', false],
    [SSH, DEFAULT_CLIENT_VERSION, 'basic', true],
    [null, DEFAULT_CLIENT_VERSION, 'basic', true],
  ] as const)('agentPortMode(%j, %j) = %s, stdio %s', (properties, clientVersion, mode, stdio) => {
    expect(agentPortMode(properties, clientVersion)).toBe(mode);
    expect(isStdioPortSession(properties)).toBe(stdio);
  });
});
