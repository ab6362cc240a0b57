import { okEnvelope } from '../../core/envelope';
import { setNotification } from '../../core/ops/notifySet';
import type { MatchStream, MatchType } from '../../core/schema';
import { JOB_ID_HELP, type CliCommand } from '../command';

export const notifySetCommand: CliCommand = {
  spec: {
    name: 'notify set',
    about: 'Change the notifications of a job (metadata only)',
    flags: [
      { name: 'root', value: '<ROOT>', help: 'Job store root' },
      { name: 'command', value: '<COMMAND>', help: 'Shell command run when the job finishes' },
      { name: 'output-pattern', value: '<PATTERN>', help: 'Pattern matched against each output line (empty removes output matching)' },
      { name: 'output-match-type', value: '<TYPE>', choices: ['contains', 'regex'], help: 'contains or regex' },
      { name: 'output-stream', value: '<STREAM>', choices: ['stdout', 'stderr', 'either'], help: 'stdout, stderr or either' },
      { name: 'output-command', value: '<COMMAND>', help: 'Shell command run on each matching line' },
      { name: 'output-file', value: '<PATH>', help: 'File that receives each match event as a JSON line' },
    ],
    positionals: [{ name: 'JOB_ID', required: true, jobStates: 'any', help: JOB_ID_HELP }],
  },
  run: async (args, ctx) =>
    okEnvelope(
      'notify.set',
      await setNotification(ctx.root, args.positional('JOB_ID')!, {
        command: args.str('command'),
        outputPattern: args.str('output-pattern'),
        outputMatchType: args.str('output-match-type') as MatchType | undefined,
        outputStream: args.str('output-stream') as MatchStream | undefined,
        outputCommand: args.str('output-command'),
        outputFile: args.str('output-file'),
      }),
    ),
};
