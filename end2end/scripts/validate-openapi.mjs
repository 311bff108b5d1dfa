// Validates an OpenAPI document (a file path) against the official JSON Schema of its version;
// prints the errors and exits 1 when it does not match. Used by tests/api.spec.ts.
import { Validator } from '@seriousme/openapi-schema-validator';

const validator = new Validator();
const result = await validator.validate(process.argv[2]);
if (!result.valid) {
  console.error(JSON.stringify(result.errors, null, 2));
  process.exit(1);
}
console.log(`valid OpenAPI ${validator.version}`);
