import { okEnvelope } from '../../core/envelope';
import { sendInput } from '../../core/ops/input';
import { UsageError } from '../args';
import { JOB_ID_HELP, type CliCommand, type CliContext } from '../command';

/** The caller's stdin as text (`send-input <job> -`: a secret never goes through argv). */
async function readCallerStdin(ctx: CliContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export const sendInputCommand: CliCommand = {
  spec: {
    name: 'send-input',
    about: 'Write a line to the input of a job started with --stdin-pipe (ours)',
    flags: [{ name: 'eof', help: 'Then end the input: the job reads end-of-file' }],
    positionals: [
      { name: 'JOB_ID', required: true, jobStates: ['running'], help: JOB_ID_HELP },
      { name: 'TEXT', required: false, help: "The line to send (a newline is added); '-' reads it from stdin (for secrets)" },
    ],
  },
  run: async (args, ctx) => {
    const given = args.positional('TEXT');
    const eof = args.bool('eof');
    if (given === undefined && !eof) throw new UsageError('error: send-input needs <TEXT> or --eof');
    const text = given === '-' ? await readCallerStdin(ctx) : given;
    return okEnvelope('send_input', await sendInput(ctx.root, args.positional('JOB_ID')!, { text, eof }));
  },
};
