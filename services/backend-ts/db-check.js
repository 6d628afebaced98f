'use strict';
// One attempt to reach the database: exit 0 when `SELECT 1` answers, else
// print why and exit 1. docker-entrypoint.sh calls it in its wait loop.
const { Client } = require('pg');
const { config } = require('./db');

async function main() {
  const client = new Client(config());
  try {
    await client.connect();
    await client.query('SELECT 1');
  } finally {
    await client.end().catch(() => {});
  }
}

main().catch((err) => {
  console.error(err.message || err.code || String(err));
  process.exitCode = 1;
});
