// `torch-explorer inspect FILE`: builds an entry of a model file in the engine process and lists what
// named_modules(), named_children(), named_parameters(), named_buffers() and state_dict() return.
import type { Command } from 'commander';
import { addEngineOptions } from '../engine-session';
import { ModelSession, precheckModelOptions, type ModelOptions } from '../model-session';
import { formatInspect } from '../module-tree';
import { note, printJson, printLine } from '../output';

interface InspectOptions extends ModelOptions {
  json?: boolean;
  repr?: boolean;
}

/** Options shared by the commands that build a model: which entry, its arguments and its weights. */
export function addModelOptions(command: Command): Command {
  return addEngineOptions(
    command
      .option('--entry <name>', 'class, instance or factory function to build (default: the instance the file builds, else its last class)')
      .option('--kwargs <json>', 'keyword arguments for the class or factory, as a JSON object')
      .option('--weights <file>', 'load this state dict (.pt, .pth, .safetensors) into the model first')
      .option('--path <expr>', "with --weights: the state dict inside a wrapped checkpoint, e.g. \"checkpoint['model']\"")
      .option('--no-strict', 'with --weights: allow missing and unexpected keys (load_state_dict(strict=False))'),
  );
}

export function registerInspect(program: Command): void {
  addModelOptions(
    program
      .command('inspect')
      .description('show the module tree, parameters, buffers and state_dict of a model')
      .argument('<file>', 'Python model file')
      .option('--json', 'print the lists as JSON')
      .option('--repr', 'print the model as print(model) does'),
  ).action(async (file: string, options: InspectOptions, command: Command) => {
    const all = { ...command.optsWithGlobals(), ...options } as InspectOptions;
    precheckModelOptions(all);
    await ModelSession.with(file, all, async (session) => {
      const model = await session.build(all);
      const result = await session.inspect(model);
      if (model.weights) note(model.weights.summary);
      if (options.json) printJson({ ...result, ...(model.weights ? { weights: model.weights.json } : {}) });
      else if (options.repr) printLine(result.repr);
      else printLine(formatInspect(result));
    });
  });
}
