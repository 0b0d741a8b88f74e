// A stand-in "database" for running the examples without PostgreSQL: a TCP server speaking a
// line protocol, and its client. Real deployments use `pg` (see support/database-client.ts).
//
//   → AUTH <user> <password>    ← OK | ERR auth
//   → EXEC <statement>          ← OK <n>           (n = statements executed so far)
//   → DUMP <bytes>              ← DATA <bytes> <sha256-hex>\n then exactly <bytes> raw bytes
//   → NAME                      ← OK <server name>   (no AUTH needed)
//   → QUIT                      ← BYE, then the server closes the connection
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import net from 'node:net';

export interface LineDatabase {
  readonly name: string;
  readonly port: number;
  /** Statements executed (EXEC), in order. */
  readonly statements: string[];
  close(): Promise<void>;
}

/** Deterministic pseudo-random bytes, so dumps are reproducible. */
function dumpBytes(size: number, seed: string): Buffer {
  const bytes = Buffer.alloc(size);
  let block = createHash('sha256').update(seed).digest();
  for (let offset = 0; offset < size; offset += block.byteLength) {
    block.copy(bytes, offset, 0, Math.min(block.byteLength, size - offset));
    block = createHash('sha256').update(block).digest();
  }
  return bytes;
}

/** Start the stand-in on 127.0.0.1 (a free port). */
export async function startLineDatabase(options: {
  name: string;
  user: string;
  password: string;
}): Promise<LineDatabase> {
  const statements: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    let authenticated = false;
    let buffered = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffered += chunk;
      let newline: number;
      while ((newline = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, newline).replace(/\r$/, '');
        buffered = buffered.slice(newline + 1);
        const [command = '', ...rest] = line.split(' ');
        if (command === 'AUTH') {
          authenticated = rest[0] === options.user && rest.slice(1).join(' ') === options.password;
          socket.write(authenticated ? 'OK\n' : 'ERR auth\n');
        } else if (command === 'NAME') {
          socket.write(`OK ${options.name}\n`);
        } else if (!authenticated) {
          socket.write('ERR not authenticated\n');
        } else if (command === 'EXEC') {
          statements.push(rest.join(' '));
          socket.write(`OK ${statements.length}\n`);
        } else if (command === 'DUMP') {
          const bytes = dumpBytes(Number(rest[0] ?? 0), options.name);
          socket.write(
            `DATA ${bytes.byteLength} ${createHash('sha256').update(bytes).digest('hex')}\n`,
          );
          socket.write(bytes);
        } else if (command === 'QUIT') {
          socket.end('BYE\n');
        } else {
          socket.write(`ERR unknown command ${command}\n`);
        }
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    name: options.name,
    port: (server.address() as net.AddressInfo).port,
    statements,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A client of the stand-in: one request at a time. */
export class LineDatabaseClient {
  readonly #socket: net.Socket;
  #buffer = Buffer.alloc(0);
  #waiter: (() => void) | undefined;
  #ended = false;

  private constructor(socket: net.Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#waiter?.();
    });
    const end = (): void => {
      this.#ended = true;
      this.#waiter?.();
    };
    socket.on('end', end);
    socket.on('close', end);
    socket.on('error', end);
  }

  /** Connect, and authenticate when `user` is given. */
  static async connect(options: {
    host: string;
    port: number;
    user?: string;
    password?: string;
  }): Promise<LineDatabaseClient> {
    const socket = net.connect({ host: options.host, port: options.port });
    await once(socket, 'connect');
    const client = new LineDatabaseClient(socket);
    if (options.user === undefined) return client;
    const answer = await client.request(`AUTH ${options.user} ${options.password ?? ''}`);
    if (answer !== 'OK') {
      socket.destroy();
      throw new Error(`authentication failed: ${answer}`);
    }
    return client;
  }

  async #read(bytes: number): Promise<Buffer> {
    while (this.#buffer.byteLength < bytes) {
      if (this.#ended) throw new Error('connection closed');
      await new Promise<void>((resolve) => (this.#waiter = resolve));
      this.#waiter = undefined;
    }
    const result = this.#buffer.subarray(0, bytes);
    this.#buffer = this.#buffer.subarray(bytes);
    return result;
  }

  async #readLine(): Promise<string> {
    for (;;) {
      const newline = this.#buffer.indexOf(0x0a);
      if (newline >= 0) return (await this.#read(newline + 1)).toString('utf8').trimEnd();
      if (this.#ended) throw new Error('connection closed');
      await new Promise<void>((resolve) => (this.#waiter = resolve));
      this.#waiter = undefined;
    }
  }

  /** Send one line, return the answer line. */
  async request(line: string): Promise<string> {
    this.#socket.write(`${line}\n`);
    return this.#readLine();
  }

  /** Execute a statement. */
  async exec(statement: string): Promise<void> {
    const answer = await this.request(`EXEC ${statement.replace(/\s+/g, ' ').trim()}`);
    if (!answer.startsWith('OK')) throw new Error(`statement failed: ${answer}`);
  }

  /** Ask for a dump of `size` bytes; returns the bytes and the SHA-256 the server announced. */
  async dump(size: number): Promise<{ bytes: Buffer; announcedSha256: string }> {
    const header = await this.request(`DUMP ${size}`);
    const [, length = '0', announcedSha256 = ''] = header.split(' ');
    const bytes = await this.#read(Number(length));
    return { bytes: Buffer.from(bytes), announcedSha256 };
  }

  async close(): Promise<void> {
    if (!this.#ended) {
      await this.request('QUIT').catch(() => undefined);
    }
    this.#socket.destroy();
  }
}
