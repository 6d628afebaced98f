'use strict';
// The image's HEALTHCHECK: healthy when GET /api/healthz answers 200.
const http = require('node:http');

const port = process.env.PORT || 8079;
http
  .get({ host: '127.0.0.1', port, path: '/api/healthz', timeout: 4000 }, (res) => {
    process.exit(res.statusCode === 200 ? 0 : 1);
  })
  .on('timeout', () => process.exit(1))
  .on('error', () => process.exit(1));
