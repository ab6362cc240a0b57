import { okEnvelope } from '../../core/envelope';
import { getSchema } from '../../core/ops/schema';
import type { CliCommand } from '../command';

export const schemaCommand: CliCommand = {
  spec: { name: 'schema', about: 'Print the JSON schema of the responses', flags: [], positionals: [] },
  run: async () => okEnvelope('schema', getSchema()),
};
