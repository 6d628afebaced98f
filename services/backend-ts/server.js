'use strict';
// Stand-in for the Next.js backend: GET /api/healthz answers 200 when the
// database answers, 503 when it does not.
const http = require('node:http');
const { Pool } = require('pg');
const { config } = require('./db');

const port = Number(process.env.PORT || 8079);
const pool = new Pool({ ...config(), max: 5 });
// An idle client losing its connection (database restart) must not kill the process.
pool.on('error', (err) => console.error(`pool: ${err.message}`));

function send(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function healthz(res) {
  try {
    await pool.query('SELECT 1');
    send(res, 200, { status: 'ok', db: 'ok' });
  } catch (err) {
    send(res, 503, { status: 'unavailable', db: `error: ${err.message}` });
  }
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/api/healthz') {
    healthz(res);
  } else {
    send(res, 404, { error: 'not found' });
  }
});

server.listen(port, () => console.log(`backend-ts listening on :${port}`));

// docker stop: stop accepting, close the pool, exit 0.
process.on('SIGTERM', () => {
  server.close();
  pool.end().finally(() => process.exit(0));
});
