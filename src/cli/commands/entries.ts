// `torch-explorer entries FILE`: the nn.Module classes, module instances and factory functions a model file
// defines, in the file's order.
import type { Command } from 'commander';
import { addEngineOptions, type EngineCliOptions } from '../engine-session';
import { ModelSession } from '../model-session';
import { formatTable, printJson, printLine } from '../output';

interface EntriesOptions extends EngineCliOptions {
  json?: boolean;
}

export function registerEntries(program: Command): void {
  addEngineOptions(
    program
      .command('entries')
      .description('list the nn.Module classes, module instances and factory functions of a model file')
      .argument('<file>', 'Python model file')
      .option('--json', 'print [{name, kind, line}] as JSON'),
  ).action(async (file: string, options: EntriesOptions, command: Command) => {
    const entries = await ModelSession.with(file, { ...command.optsWithGlobals(), ...options }, (model) => model.listEntries());
    if (options.json) {
      printJson(entries);
      return;
    }
    if (!entries.length) {
      printLine(`${file}: no nn.Module class, module instance or factory function`);
      return;
    }
    printLine(formatTable(['name', 'kind', 'line'], entries.map((e) => [e.name, e.kind, String(e.line)]), ['left', 'left', 'right']));
  });
}
