// Validate payloads against the official schemas at generation time (the whole document is
// compiled once here; the CLI never does this, it loads one generated file per pair).
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

export function createValidator(openapi) {
  // optimize: false: ajv's code optimizer costs more than it saves for code that runs a few times.
  const ajv = new Ajv2020.default({ strict: false, allErrors: true, code: { optimize: false } });
  addFormats.default(ajv);
  ajv.addFormat('int64', true);
  ajv.addSchema({ $id: 'gh', components: openapi.components });
  const compiled = new Map();
  /** Errors of `value` against the schema at a JSON pointer such as #/components/schemas/x/oneOf/0. */
  function errorsAt(pointer, value) {
    let validate = compiled.get(pointer);
    if (!validate) {
      validate = ajv.compile({ $ref: `gh${pointer}` });
      compiled.set(pointer, validate);
    }
    return validate(value) ? [] : [...validate.errors];
  }
  /** Errors of `payload` against the schema named `schemaName` ([] when valid). */
  function errorsFor(schemaName, payload) {
    return errorsAt(`#/components/schemas/${schemaName}`, payload);
  }
  return { errorsFor, errorsAt };
}
