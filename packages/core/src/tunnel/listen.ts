import net from 'node:net';
import { TunnelError } from './tunnel-error.js';

/** Where to listen: a TCP address and port, or a unix socket path. @internal */
export type ListenTarget = { host: string; port: number } | { path: string };

/**
 * Creates and binds a `net.Server` (half-open sockets allowed, so a client's FIN does not cut
 * off the reply still in flight). Maps bind failures to {@link TunnelError}s that say what to do.
 * @internal
 */
export async function listen(
  target: ListenTarget,
  onConnection: (socket: net.Socket) => void,
): Promise<net.Server> {
  const server = net.createServer({ allowHalfOpen: true, pauseOnConnect: true }, onConnection);
  await new Promise<void>((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      server.off('listening', onListening);
      reject(bindError(target, error));
    };
    const onListening = (): void => {
      server.off('error', onError);
      resolve();
    };
    server.once('error', onError);
    server.once('listening', onListening);
    if ('path' in target) server.listen(target.path);
    else server.listen(target.port, target.host);
  });
  return server;
}

function bindError(target: ListenTarget, error: NodeJS.ErrnoException): TunnelError {
  if ('path' in target) {
    if (error.code === 'EADDRINUSE') {
      return new TunnelError(
        'ERR_TUNNEL_PORT_IN_USE',
        `Unix socket ${target.path} is already in use. Choose another \`unixSocket\` path, or remove the file if no process listens on it any more.`,
        { cause: error },
      );
    }
    return new TunnelError(
      'ERR_TUNNEL_BIND',
      `Cannot listen on unix socket ${target.path} (${error.code ?? error.message}). Check that the directory exists and is writable, or choose another \`unixSocket\` path.`,
      { cause: error },
    );
  }
  if (error.code === 'EADDRINUSE') {
    return new TunnelError(
      'ERR_TUNNEL_PORT_IN_USE',
      `Local port ${target.port} on ${target.host} is already in use. Pass another \`localPort\`, or \`localPort: 0\` for any free port.`,
      { cause: error, localPort: target.port },
    );
  }
  const hint =
    error.code === 'EACCES'
      ? 'Ports below 1024 need privileges: use a higher `localPort`, or 0 for any free port.'
      : error.code === 'EADDRNOTAVAIL' || error.code === 'ENOTFOUND'
        ? 'The `bindAddress` is not an address of this machine: use 127.0.0.1.'
        : 'Check `bindAddress` and `localPort`.';
  return new TunnelError(
    'ERR_TUNNEL_BIND',
    `Cannot listen on ${target.host}:${target.port} (${error.code ?? error.message}). ${hint}`,
    { cause: error, localPort: target.port },
  );
}
