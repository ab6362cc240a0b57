import { okEnvelope } from '../../core/envelope';
import { isPortNumber, listPorts, PORT_RANGE_TEXT } from '../../core/ops/ports';
import type { CliCommand } from '../command';
import type { FlagSpec } from '../args';

/** `--port <PORT>`: a TCP/UDP port number, shared by `ports` and `kill`. */
export const portFlag = (help: string): FlagSpec => ({
  name: 'port',
  value: '<PORT>',
  validate: (v) => (/^\d{1,5}$/.test(v) && isPortNumber(Number(v)) ? undefined : `expected ${PORT_RANGE_TEXT}`),
  help,
});

export const portsCommand: CliCommand = {
  spec: {
    name: 'ports',
    about: 'List the TCP/UDP ports listened on and who holds each: a job of the store or another process',
    flags: [portFlag('Only this port [default: every listening port]')],
    positionals: [],
  },
  run: async (args, ctx) => {
    const port = args.str('port');
    return okEnvelope('ports', await listPorts(ctx.root, port !== undefined ? { port: Number(port) } : {}));
  },
};
