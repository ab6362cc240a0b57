import schema from '../agent-exec.schema.json';

export interface SchemaResult {
  schema_format: 'json-schema-draft-07';
  schema: object;
  generated_at: string;
}

/**
 * `schema` (agent-exec-compat.md §4.13): agent-exec 0.2.3's JSON schema, embedded in the bundle so the
 * command works wherever the CLI is installed (§10.20).
 */
export function getSchema(): SchemaResult {
  return { schema_format: 'json-schema-draft-07', schema, generated_at: schema.$comment };
}
