// Runs graphql-http's GraphQL over HTTP audit against a live groupdesk and prints one JSON line per
// audit. Every request carries the bearer token: the audits need a caller allowed to run `{ __typename }`.
// Usage: GROUPDESK_AUDIT_URL=http://127.0.0.1:PORT/graphql GROUPDESK_AUDIT_TOKEN=... node audit.mjs
import { auditServer } from 'graphql-http';

const url = process.env.GROUPDESK_AUDIT_URL;
const token = process.env.GROUPDESK_AUDIT_TOKEN;
if (!url || !token) {
  console.error('set GROUPDESK_AUDIT_URL and GROUPDESK_AUDIT_TOKEN');
  process.exit(2);
}

function authenticatedFetch(input, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
}

const results = await auditServer({ url, fetchFn: authenticatedFetch });
for (const result of results) {
  const line = { id: result.id, name: result.name, status: result.status };
  if (result.status !== 'ok') {
    line.reason = result.reason;
    line.httpStatus = result.response.status;
    line.contentType = result.response.headers.get('content-type');
    line.body = await result.response.text();
  }
  console.log(JSON.stringify(line));
}
