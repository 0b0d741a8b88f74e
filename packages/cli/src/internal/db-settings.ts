import type { DatabaseEndpoint } from '@ssmkit/core';

/** What a client needs to connect through the tunnel. */
export interface ConnectionSettings {
  /** `postgres` or `mysql` (or the raw engine for others). */
  family: string;
  host: string;
  port: number;
  user: string | undefined;
  database: string | undefined;
  password: string | undefined;
  /** Where the password comes from, for display: `secret`, `iam`, or undefined. */
  passwordSource: 'secret' | 'iam' | undefined;
}

/** `aurora-postgresql` → `postgres`, `aurora-mysql`/`mariadb` → `mysql`. */
export function engineFamily(engine: string): string {
  if (engine.includes('postgres')) return 'postgres';
  if (engine === 'aurora' || engine.includes('mysql') || engine.includes('maria')) return 'mysql';
  return engine;
}

/** Default database name when RDS does not say. */
export function defaultDatabase(database: DatabaseEndpoint): string | undefined {
  if (database.databaseName !== undefined) return database.databaseName;
  return engineFamily(database.engine) === 'postgres' ? 'postgres' : undefined;
}

/** Environment variables for a child process (`db … -- cmd`). */
export function connectionEnv(settings: ConnectionSettings): Record<string, string> {
  const env: Record<string, string> = {
    SSM_TUNNEL_HOST: settings.host,
    SSM_TUNNEL_PORT: String(settings.port),
  };
  if (settings.family === 'mysql') {
    env.MYSQL_HOST = settings.host;
    env.MYSQL_TCP_PORT = String(settings.port);
    if (settings.user !== undefined) env.MYSQL_USER = settings.user;
    if (settings.database !== undefined) env.MYSQL_DATABASE = settings.database;
    if (settings.password !== undefined) env.MYSQL_PWD = settings.password;
  } else {
    env.PGHOST = settings.host;
    env.PGPORT = String(settings.port);
    if (settings.user !== undefined) env.PGUSER = settings.user;
    if (settings.database !== undefined) env.PGDATABASE = settings.database;
    if (settings.password !== undefined) env.PGPASSWORD = settings.password;
    if (settings.passwordSource === 'iam') env.PGSSLMODE = 'require';
  }
  return env;
}

/**
 * Ready-to-paste settings: GUI fields, then psql/mysql, JDBC and URL forms. The password is
 * shown only with `showPassword`.
 */
export function renderConnectionSettings(
  settings: ConnectionSettings,
  showPassword: boolean,
): string[] {
  const { host, port, user, database } = settings;
  const passwordText =
    settings.password === undefined
      ? '(not fetched: --secret or --iam-auth)'
      : showPassword
        ? settings.password
        : `(from ${settings.passwordSource === 'iam' ? 'an IAM auth token' : 'Secrets Manager'}; --show-password to print)`;
  const lines = [
    `  Host      ${host}`,
    `  Port      ${port}`,
    `  User      ${user ?? '(your user)'}`,
    `  Database  ${database ?? '(any)'}`,
    `  Password  ${passwordText}`,
    '',
  ];
  const userPart = user === undefined ? '' : user;
  if (settings.family === 'mysql') {
    lines.push(
      `  mysql     mysql -h ${host} -P ${port}${user === undefined ? '' : ` -u ${user}`} -p${database === undefined ? '' : ` ${database}`}`,
      `  JDBC      jdbc:mysql://${host}:${port}/${database ?? ''}${user === undefined ? '' : `?user=${encodeURIComponent(user)}`}`,
      `  URL       mysql://${userPart === '' ? '' : `${encodeURIComponent(userPart)}@`}${host}:${port}/${database ?? ''}`,
    );
  } else {
    const ssl = settings.passwordSource === 'iam' ? ' sslmode=require' : '';
    lines.push(
      `  psql      psql "host=${host} port=${port}${user === undefined ? '' : ` user=${user}`}${database === undefined ? '' : ` dbname=${database}`}${ssl}"`,
      `  JDBC      jdbc:postgresql://${host}:${port}/${database ?? ''}${user === undefined ? '' : `?user=${encodeURIComponent(user)}`}`,
      `  URL       postgresql://${userPart === '' ? '' : `${encodeURIComponent(userPart)}@`}${host}:${port}/${database ?? ''}`,
    );
  }
  return lines;
}
