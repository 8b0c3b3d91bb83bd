// Generates src/payload.ts (the beacon's payload type) from schema/beacon.v1.schema.json,
// which is itself generated from the collector's pydantic models: one source of truth.
// Usage: node scripts/gen-payload.mjs [out-file]   (default: src/payload.ts)
import { readFileSync, writeFileSync } from 'node:fs';
import { compile } from 'json-schema-to-typescript';

const schema = JSON.parse(readFileSync(new URL('../../schema/beacon.v1.schema.json', import.meta.url)));

// pydantic titles every property; json-schema-to-typescript would turn each into a named
// alias. Keep titles only on the models ($defs and the root) so the output reads as interfaces.
const untitle = (node, keep) => {
  if (Array.isArray(node)) return node.forEach((n) => untitle(n, false));
  if (!node || typeof node !== 'object') return;
  if (!keep) delete node.title;
  // The collector accepts (and counts) unknown fields; the beacon must not send any.
  if (node.additionalProperties === true) delete node.additionalProperties;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$defs') Object.values(value).forEach((d) => untitle(d, true));
    else if (key !== 'title') untitle(value, false);
  }
};
untitle(schema, true);

const ts = await compile(schema, 'Beacon', {
  additionalProperties: false,
  bannerComment: '/* Generated from schema/beacon.v1.schema.json by `make schema`: do not edit. */',
  style: { singleQuote: true },
});
writeFileSync(process.argv[2] ?? new URL('../src/payload.ts', import.meta.url), ts);
