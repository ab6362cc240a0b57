import { okEnvelope } from '../../core/envelope';
import { setTags } from '../../core/ops/tagSet';
import { tagProblem } from '../../core/tags';
import { JOB_ID_HELP, type CliCommand } from '../command';

export const tagSetCommand: CliCommand = {
  spec: {
    name: 'tag set',
    about: 'Replace the tags of a job',
    flags: [
      { name: 'root', value: '<ROOT>', help: 'Job store root' },
      { name: 'tag', value: '<TAG>', multiple: true, validate: tagProblem, help: 'Tag to set (repeatable; none clears the tags)' },
    ],
    positionals: [{ name: 'JOB_ID', required: true, jobStates: 'any', help: JOB_ID_HELP }],
  },
  run: async (args, ctx) => okEnvelope('tag_set', await setTags(ctx.root, args.positional('JOB_ID')!, args.all('tag'))),
};
