/**
 * Schema validation for tests: CycloneDX with the library's bundled 1.6 strict schema, SPDX with the
 * official 2.3 JSON schema from the shared fixtures. Each returns the list of problems (empty = valid).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import { fixturesDir } from '../../../test-support/test-env';

const cyclonedx = new Validation.JsonStrictValidator(Spec.Version.v1dot6);

export async function cycloneDxProblems(json: string): Promise<string[]> {
  const error = await cyclonedx.validate(json);
  return error === null ? [] : [JSON.stringify(error, null, 2)];
}

let spdxValidator: ReturnType<Ajv['compile']> | undefined;

export function spdxProblems(json: string): string[] {
  if (!spdxValidator) {
    const schema = JSON.parse(readFileSync(path.join(fixturesDir(), 'schemas', 'spdx-schema-2.3.json'), 'utf8')) as Record<string, unknown>;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    spdxValidator = ajv.compile(schema);
  }
  if (spdxValidator(JSON.parse(json))) return [];
  return (spdxValidator.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? ''}`);
}
