import { readFileSync } from 'node:fs';
import { loadOpenApi, webhookPairs } from './lib/sources.mjs';
import { createValidator } from './lib/validator.mjs';
const o = loadOpenApi(); const pairs = webhookPairs(o); const ef = createValidator(o);
const idx = JSON.parse(readFileSync('payloads/index.json'));
const kinds = {};
for (const e of idx.entries) {
  const p = pairs.find(p => p.event === e.event && p.action === e.action);
  const errs = ef(p.schemaName, JSON.parse(readFileSync('payloads/' + e.file)));
  // only the errors of the "deepest"
  for (const x of errs) { const k = x.keyword + ' ' + x.instancePath.replace(/\/\d+/g,'/N') + ' ' + JSON.stringify(x.params); kinds[k] = (kinds[k]||0)+1; }
}
for (const [k,v] of Object.entries(kinds).sort((a,b)=>b[1]-a[1]).slice(0,80)) console.log(v,k);
console.log(Object.keys(kinds).length);
