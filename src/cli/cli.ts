// `torch-explorer`: the command line. This file only wires the commands (one file each in commands/) and
// turns every failure into a message on stderr and an exit status (see errors.ts and docs/cli.md).
import { Command, CommanderError } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { registerConvert } from './commands/convert';
import { registerEntries } from './commands/entries';
import { registerForward } from './commands/forward';
import { registerInspect } from './commands/inspect';
import { registerPrune } from './commands/prune';
import { registerStateDict } from './commands/statedict';
import { EXIT, toCliError } from './errors';
import { activeFileResolver } from './engine-session';

/** The package's version, from the package.json two folders above the bundle (out/cli/cli.js). */
function packageVersion(): string {
  for (const candidate of [path.join(__dirname, '..', '..', 'package.json'), path.join(__dirname, '..', '..', '..', 'package.json')]) {
    try {
      const pkg = JSON.parse(fs.readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'torch-explorer' && pkg.version) return pkg.version;
    } catch {
      // not there: try the next
    }
  }
  return 'unknown';
}

function buildProgram(): Command {
  const program = new Command('torch-explorer')
    .description('See inside PyTorch models without Python: module trees, forward passes, state dicts, pruning.')
    .option('--debug', 'show stack traces and the engine process output')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program.version(packageVersion(), '-V, --version');
  registerEntries(program);
  registerInspect(program);
  registerForward(program);
  registerStateDict(program);
  registerConvert(program);
  registerPrune(program);
  for (const command of program.commands) command.exitOverride();
  return program;
}

function report(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // commander already printed its message (or the help/version text)
    return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
  }
  const failure = toCliError(error, activeFileResolver());
  process.stderr.write(`error: ${failure.message}\n`);
  if (failure.details) process.stderr.write(`${failure.details}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`\n${error.stack}\n`);
  return failure.exitCode;
}

async function main(argv: string[]): Promise<void> {
  const debug = argv.includes('--debug');
  // `torch-explorer statedict big.pt | head`: the reader left; that is not an error
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
    throw error;
  });
  let status: number = EXIT.ok;
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    status = report(error, debug);
  }
  process.exitCode = status;
  // Everything is closed by now, so Node exits once stdout drains. Should a handle still be open, do not
  // hang a script: leave anyway shortly after (unref: this timer alone keeps nothing alive).
  setTimeout(() => {
    if (debug) process.stderr.write('debug: open handles remained after the command; exiting\n');
    process.exit(status);
  }, 3_000).unref();
}

void main(process.argv);
