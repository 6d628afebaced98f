'use strict';
// The connection settings (db.js), run in the container by `inv test
// backend-ts` (the image leaves tests/ out; dockhand copies them in).
const test = require('node:test');
const assert = require('node:assert');
const path = require('node:path');

const { config } = require(path.join(process.cwd(), 'db.js'));

test('the settings come from the variables compose passes in', () => {
  const saved = { ...process.env };
  Object.assign(process.env, {
    POSTGRES_HOST: 'dbhost',
    POSTGRES_USER: 'u',
    POSTGRES_PASSWORD: 'p',
    POSTGRES_DB: 'd',
  });
  try {
    const c = config();
    assert.deepStrictEqual([c.host, c.user, c.password, c.database], ['dbhost', 'u', 'p', 'd']);
  } finally {
    process.env = saved;
  }
});

test('a database that never answers fails within bounds', () => {
  const c = config();
  assert.ok(c.connectionTimeoutMillis > 0 && c.connectionTimeoutMillis <= 10000);
  assert.ok(c.query_timeout > 0);
});
