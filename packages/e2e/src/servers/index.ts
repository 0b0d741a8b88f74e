/**
 * Private PostgreSQL, MariaDB and sshd instances on loopback for the end-to-end suites, and an
 * emulator world whose RDS endpoints and bastion lead to them.
 */
export * from './process.js';
export * from './postgres.js';
export * from './mariadb.js';
export * from './sshd.js';
export * from './world.js';
