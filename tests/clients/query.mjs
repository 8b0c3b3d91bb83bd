// Reads {url, username, password, queries: [{sql, params}]} as JSON on stdin, runs each query
// with @clickhouse/client (JSONEachRow) and prints {results: [rows...]} or {error} as JSON.
import { createClient } from '@clickhouse/client';

const input = JSON.parse(await new Promise((done) => {
  let text = '';
  process.stdin.on('data', (chunk) => (text += chunk)).on('end', () => done(text));
}));
const client = createClient({ url: input.url, username: input.username, password: input.password ?? '' });
try {
  const results = [];
  for (const { sql, params } of input.queries) {
    const rs = await client.query({ query: sql, query_params: params ?? {}, format: 'JSONEachRow' });
    results.push(await rs.json());
  }
  console.log(JSON.stringify({ results, ping: (await client.ping()).success }));
} catch (err) {
  console.log(JSON.stringify({ error: String(err.message ?? err), code: err.code ?? null }));
} finally {
  await client.close();
}
