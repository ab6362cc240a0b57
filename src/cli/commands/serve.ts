import type { CliCommand } from '../command';
import { DEFAULT_BIND, resolveServeOptions, StartupRefusal, TOKEN_ENV } from '../../serve/options';
import { errorEnvelope } from '../../core/envelope';
import { defaultToken, TOKEN_FILE, tokenFilePath } from '../../serve/token';
import { cliLaunchContext } from './run';

const validPort = (v: string) => (/^\d{1,5}$/.test(v) && Number(v) <= 65535 ? undefined : 'invalid digit found in string');

/** Prints a start-up refusal (envelope as JSON even with `--yaml`, text on stderr) and exits 1. */
function refuseStart(err: StartupRefusal): never {
  process.stderr.write(`${err.stderr}\n`);
  process.stdout.write(`${JSON.stringify(errorEnvelope(err))}\n`);
  process.exit(1);
}

/**
 * `serve` (agent-exec-compat.md §6): prints nothing on stdout while serving (one line on stderr says where
 * it listens, and where the token is: never the token itself) and ends cleanly on
 * SIGTERM/SIGINT. Start-up refusals print their envelope as JSON even with `--yaml`.
 */
export const serveCommand: CliCommand = {
  spec: {
    name: 'serve',
    about: 'Serve the job API over HTTP (loopback by default)',
    flags: [
      { name: 'bind', value: '<BIND>', help: `Address to listen on [default: ${DEFAULT_BIND}]` },
      { name: 'port', value: '<PORT>', conflicts: ['bind'], validate: validPort, help: 'Listen on 127.0.0.1:<PORT>' },
      { name: 'insecure', help: 'Allow a non-loopback bind (requires AGENT_EXEC_SERVE_TOKEN)' },
      { name: 'allow-origin', value: '<ORIGIN>', help: 'Browser origin allowed to call the API (CORS)' },
      { name: 'no-auth', help: `Serve without a token (loopback only; default: ${TOKEN_ENV}, else the token in <root>/../${TOKEN_FILE})` },
    ],
    positionals: [],
  },
  run: async (args, ctx) => {
    const bind = args.has('port') ? `127.0.0.1:${args.str('port')}` : (args.str('bind') ?? DEFAULT_BIND);
    let opts;
    let tokenNote = `token from ${TOKEN_ENV}`;
    try {
      const noAuth = args.bool('no-auth');
      opts = resolveServeOptions({ bind, insecure: args.bool('insecure'), noAuth, allowOrigin: args.str('allow-origin') }, ctx.env);
      if (noAuth) tokenNote = 'no token (--no-auth): every local user can run commands as you';
      else if (opts.token === undefined) {
        const file = tokenFilePath(ctx.root);
        opts = { ...opts, token: await defaultToken(file) };
        tokenNote = `token in ${file} (send "Authorization: Bearer $(cat ${file})")`;
      }
    } catch (err) {
      if (!(err instanceof StartupRefusal)) throw err;
      refuseStart(err);
    }
    // Jobs inherit the server's environment, but not the key to the server.
    const { [TOKEN_ENV]: _token, ...env } = ctx.env;
    // Loaded on use: the HTTP stack is not needed by any other command.
    const { startServer } = await import('../../serve/server');
    const server = await startServer(opts, { root: ctx.root, launch: cliLaunchContext({ ...ctx, env }) });
    process.stderr.write(`agent-exec serve: listening on ${server.url} (root ${ctx.root}); ${tokenNote}\n`);
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    process.stderr.write(`agent-exec serve: ${signal}, shutting down\n`);
    await server.close();
    // No envelope after serving (agent-exec-compat.md §4.0); jobs started here keep running, detached.
    process.exit(0);
  },
};
