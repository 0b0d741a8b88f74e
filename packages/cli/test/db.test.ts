import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  echoThrough,
  emulatorState,
  runCli,
  sha256,
  startCli,
  startTestWorld,
  type TestWorld,
} from './helpers.js';

let world: TestWorld;

beforeAll(async () => {
  world = await startTestWorld();
});

afterAll(async () => {
  await world?.close();
});

describe('db', () => {
  it('finds the database and its bastion, prints connection settings, and carries traffic', async () => {
    const cli = startCli(
      ['db', 'demo-db', '--local-port', '0', '--secret', '--endpoint-url', world.endpoint],
      {
        env: world.env,
      },
    );
    const [, port] = await cli.waitFor(/URL {7}postgresql:\/\/postgres@127\.0\.0\.1:(\d+)\/demo\n/);
    const { sent, received } = await echoThrough(Number(port), 200_000);
    expect(received.length).toBe(200_000);
    expect(sha256(received)).toBe(sha256(sent));
    cli.child.kill('SIGINT');
    expect((await cli.exited).code).toBe(0);
    const text = cli
      .stdout()
      .replaceAll(port!, 'PORT')
      .replace(/session test-\w+/, 'session SESSION');
    expect(text).toMatchInlineSnapshot(`
      "Forwarding 127.0.0.1:PORT → demo-db.abcdefghijkl.us-east-1.rds.amazonaws.com:5432 via i-0123456789abcdef0 (session SESSION). Ctrl-C to stop.

        Host      127.0.0.1
        Port      PORT
        User      postgres
        Database  demo
        Password  (from Secrets Manager; --show-password to print)

        psql      psql "host=127.0.0.1 port=PORT user=postgres dbname=demo"
        JDBC      jdbc:postgresql://127.0.0.1:PORT/demo?user=postgres
        URL       postgresql://postgres@127.0.0.1:PORT/demo

      "
    `);
    expect(cli.stdout() + cli.stderr()).not.toContain('demo-password');
  });

  it('-- <command> runs with PG* variables, passes its exit code and closes the tunnel', async () => {
    const script =
      "const net=require('net');const s=net.connect(+process.env.PGPORT,process.env.PGHOST,()=>s.end('ping'));let d='';s.on('data',c=>d+=c);s.on('close',()=>{console.log(JSON.stringify({d,h:process.env.PGHOST,u:process.env.PGUSER,db:process.env.PGDATABASE,pw:process.env.PGPASSWORD}));process.exit(7)})";
    const result = await runCli(
      [
        'db',
        'demo-db',
        '--secret',
        '--local-port',
        '0',
        '--endpoint-url',
        world.endpoint,
        '--',
        process.execPath,
        '-e',
        script,
      ],
      { env: world.env },
    );
    expect(result.code).toBe(7);
    // stdout is the command's alone (`ssm-tunnel db … -- pg_dump > dump`).
    expect(JSON.parse(result.stdout)).toEqual({
      d: 'ping',
      h: '127.0.0.1',
      u: 'postgres',
      db: 'demo',
      pw: 'demo-password',
    });
    expect(result.stderr).toMatch(/Forwarding 127\.0\.0\.1:\d+ → demo-db/);
    expect(result.stderr).toMatch(/Tunnel closed: session test-\w+ terminated/);
    const state = await emulatorState(world.endpoint);
    expect(state.sessions.filter((session) => session.status === 'Connected')).toEqual([]);
  });

  it('Aurora --reader with --json and -- passes exit code 0', async () => {
    const result = await runCli(
      [
        'db',
        'demo-aurora',
        '--reader',
        '--json',
        '--local-port',
        '0',
        '--endpoint-url',
        world.endpoint,
        '--',
        process.execPath,
        '-e',
        'process.exit(0)',
      ],
      { env: world.env },
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    const events = result.stderr
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; host?: string });
    expect(events.find((event) => event.type === 'database')?.host).toBe(
      'demo-aurora.cluster-ro-abcdefghijkl.us-east-1.rds.amazonaws.com',
    );
    expect(events.at(-1)?.type).toBe('stopped');
  });

  it('--show-password prints the secret; MYSQL-style env is used for mysql engines only', async () => {
    const result = await runCli(
      [
        'db',
        'demo-db',
        '--secret',
        '--show-password',
        '--json',
        '--local-port',
        '0',
        '--endpoint-url',
        world.endpoint,
        '--',
        process.execPath,
        '-e',
        'process.exit(process.env.MYSQL_PWD===undefined?0:1)',
      ],
      { env: world.env },
    );
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('"password":"demo-password"');
  });

  it('--iam-auth gives the command an IAM token as PGPASSWORD; --secret-id a named secret', async () => {
    const print =
      "const net=require('net');const s=net.connect(+process.env.PGPORT,process.env.PGHOST,()=>s.end('through the tunnel'));let d='';s.on('data',c=>d+=c);s.on('close',()=>console.log(JSON.stringify({d,u:process.env.PGUSER,pw:process.env.PGPASSWORD})))";
    const iam = await runCli(
      [
        'db',
        'demo-db',
        '--iam-auth',
        '--user',
        'app',
        '--local-port',
        '0',
        '--endpoint-url',
        world.endpoint,
        '--',
        process.execPath,
        '-e',
        print,
      ],
      { env: world.env },
    );
    expect(iam.code).toBe(0);
    const token = JSON.parse(iam.stdout) as { d: string; u: string; pw: string };
    expect(token.d).toBe('through the tunnel');
    expect(token.u).toBe('app');
    expect(token.pw).toMatch(
      /^demo-db\.abcdefghijkl\.us-east-1\.rds\.amazonaws\.com:5432\/\?Action=connect&DBUser=app&.*X-Amz-Signature=/,
    );
    // The token is a password: never in ssm-tunnel's own output.
    expect(iam.stderr).not.toContain(token.pw);
    const named = await runCli(
      [
        'db',
        'demo-db',
        '--secret-id',
        'arn:aws:secretsmanager:us-east-1:000000000000:secret:rds!db-3b1d8f0e-5c2a-4e7b-9f10-2a3b4c5d6e7f-Ab12Cd',
        '--local-port',
        '0',
        '--endpoint-url',
        world.endpoint,
        '--',
        process.execPath,
        '-e',
        print,
      ],
      { env: world.env },
    );
    expect(named.code).toBe(0);
    expect(JSON.parse(named.stdout)).toEqual({
      d: 'through the tunnel',
      u: 'postgres',
      pw: 'demo-password',
    });
    const both = await runCli(['db', 'demo-db', '--iam-auth', '--secret'], { env: world.env });
    expect(both.code).toBe(2);
    expect(both.stderr).toBe(
      'error ERR_CLI_USAGE: Pass either --iam-auth or --secret/--secret-id, not both.\n',
    );
  });

  it('fails without a TTY when several databases match, naming them', async () => {
    const result = await runCli(['db', '--endpoint-url', world.endpoint], { env: world.env });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(
      'error ERR_CLI_NOT_INTERACTIVE: Missing the database identifier (2 found: demo-db, demo-aurora), and stdin is not a terminal to ask on. Hint: Pass it: ssm-tunnel db demo-db.\n',
    );
  });

  it('exits 4 for an unknown database', async () => {
    const result = await runCli(['db', 'nope', '--endpoint-url', world.endpoint], {
      env: world.env,
    });
    expect(result.code).toBe(4);
    expect(result.stderr).toMatch(/^error ERR_DB_NOT_FOUND: .* Hint: /);
  });

  it('passes the exit code of a command that cannot start as 1', async () => {
    const result = await runCli(
      [
        'db',
        'demo-db',
        '--local-port',
        '0',
        '--endpoint-url',
        world.endpoint,
        '--',
        '/nonexistent/pg_dump',
      ],
      { env: world.env },
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'error ERR_CLI_COMMAND_FAILED: Could not run /nonexistent/pg_dump',
    );
  });
});
