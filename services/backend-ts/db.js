'use strict';
// Connection settings for PostgreSQL, from the variables docker-compose.yml
// passes in (the same ones the Python backend reads).

function config() {
  return {
    host: process.env.POSTGRES_HOST || 'db',
    port: 5432,
    user: process.env.POSTGRES_USER,
    password: process.env.POSTGRES_PASSWORD,
    database: process.env.POSTGRES_DB,
    // Bounded, so a database that never answers fails a check instead of hanging it.
    connectionTimeoutMillis: 3000,
    query_timeout: 5000,
  };
}

module.exports = { config };
