// Validate payloads against the official schemas at generation time (the whole document is
// compiled once here; the CLI never does this, it loads one generated file per pair).
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export function createValidator(openapi) {
  const ajv = new Ajv2020.default({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addFormat('int64', true);
  ajv.addSchema({ $id: 'gh', components: openapi.components });
  const compiled = new Map();
  /** Errors of `payload` against the schema named `schemaName` ([] when valid). */
  return function errorsFor(schemaName, payload) {
    let validate = compiled.get(schemaName);
    if (!validate) {
      validate = ajv.compile({ $ref: `gh#/components/schemas/${schemaName}` });
      compiled.set(schemaName, validate);
    }
    return validate(payload) ? [] : [...validate.errors];
  };
}
