'use strict';
// SQL migrations, the role `prisma migrate deploy` plays for the real backend.
//   node migrate.js           apply pending migrations/*.sql in name order
//   node migrate.js --status  list applied and pending ones
//   node migrate.js --pending only the pending ones, one a line (inv migrate's check)
// Each file runs in its own transaction and is recorded in _migrations, so a
// second run applies nothing; a failing file is rolled back and stops the run.
const fs = require('node:fs');
const path = require('node:path');
const { Client } = require('pg');
const { config } = require('./db');

const DIR = path.join(__dirname, 'migrations');
// Any fixed number: two concurrent runs take turns instead of racing.
const LOCK_KEY = 7_001_001;

function migrationFiles() {
  return fs.readdirSync(DIR).filter((name) => name.endsWith('.sql')).sort();
}

async function appliedMigrations(client) {
  const { rows: exists } = await client.query("SELECT to_regclass('_migrations') AS t");
  if (!exists[0].t) return new Map();
  const { rows } = await client.query('SELECT name, applied_at FROM _migrations ORDER BY name');
  return new Map(rows.map((row) => [row.name, row.applied_at]));
}

async function status(client) {
  const applied = await appliedMigrations(client);
  for (const [name, at] of applied) console.log(`applied  ${name}  ${at.toISOString()}`);
  const pending = migrationFiles().filter((name) => !applied.has(name));
  for (const name of pending) console.log(`pending  ${name}`);
  console.log(`${applied.size} applied, ${pending.length} pending`);
}

async function pending(client) {
  const applied = await appliedMigrations(client);
  for (const name of migrationFiles().filter((n) => !applied.has(n))) console.log(name);
}

async function migrate(client) {
  await client.query('SELECT pg_advisory_lock($1)', [LOCK_KEY]);
  await client.query(`CREATE TABLE IF NOT EXISTS _migrations (
    name text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
  )`);
  const applied = await appliedMigrations(client);
  const pending = migrationFiles().filter((name) => !applied.has(name));
  for (const name of pending) {
    const sql = fs.readFileSync(path.join(DIR, name), 'utf8');
    await client.query('BEGIN');
    try {
      await client.query(sql);
      await client.query('INSERT INTO _migrations (name) VALUES ($1)', [name]);
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK');
      throw new Error(`${name}: ${err.message}`);
    }
    console.log(`applied  ${name}`);
  }
  console.log(pending.length ? `${pending.length} migration(s) applied` : 'no pending migrations');
}

async function main(args) {
  const unknown = args.filter((arg) => arg !== '--status' && arg !== '--pending');
  if (unknown.length) {
    console.error(`usage: node migrate.js [--status|--pending] (unknown: ${unknown.join(' ')})`);
    return 2;
  }
  // A migration may run long, and the lock may wait: no per-query timeout here.
  const client = new Client({ ...config(), query_timeout: undefined });
  await client.connect();
  try {
    if (args.includes('--pending')) await pending(client);
    else await (args.includes('--status') ? status(client) : migrate(client));
  } finally {
    await client.end();
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(`migrate: ${err.message}`);
    process.exitCode = 1;
  },
);
