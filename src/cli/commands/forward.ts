// `torch-explorer forward FILE`: one forward pass in eval mode (under no_grad) with the output shape of every
// layer and the time spent in it. `--repeat N` times N passes after a warm-up and reports medians.
import type { Command } from 'commander';
import { checkOutputPath, forwardInput, writeOutputNpy, type InputOptions } from '../inputs';
import type { ForwardJson, LayerTiming } from '../model-types';
import { ModelSession, precheckModelOptions, type ModelOptions } from '../model-session';
import { parseInteger } from '../options';
import { formatMs, formatShape, formatTable, note, printJson, printLine } from '../output';
import { addModelOptions } from './inspect';

interface ForwardOptions extends ModelOptions, InputOptions {
  output?: string;
  repeat?: string;
  json?: boolean;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Per-layer medians over runs whose layers are the same list (one forward visits the same modules). */
export function medianLayers(runs: readonly LayerTiming[][]): LayerTiming[] {
  const last = runs[runs.length - 1] ?? [];
  const comparable = runs.every((r) => r.length === last.length && r.every((l, i) => l.name === last[i].name));
  if (!comparable) return last;
  return last.map((layer, i) => ({ ...layer, ms: median(runs.map((r) => r[i].ms)) }));
}

function printText(result: ForwardJson, repeat: number | undefined): void {
  const rows = result.layers.map((l) => [l.name || '(root)', l.type, l.outputShape ? formatShape(l.outputShape) : '-', formatMs(l.ms)]);
  printLine(`output: ${formatShape(result.output.shape)} ${result.output.dtype}`);
  printLine(`forward: ${formatMs(result.ms)} ms${repeat ? ` (median of ${repeat} runs after a warm-up)` : ''}`);
  if (rows.length) {
    printLine();
    printLine(formatTable(['layer', 'type', 'output shape', 'ms'], rows, ['left', 'left', 'left', 'right']));
  }
}

export function registerForward(program: Command): void {
  addModelOptions(
    program
      .command('forward')
      .description('run a forward pass in eval mode and show each layer\'s output shape and time')
      .argument('<file>', 'Python model file')
      .option('--input <file.npy>', 'input tensor from a .npy file (float32, float64 or int64)')
      .option('--shape <dims>', 'random input of this shape, e.g. 1,3,224,224')
      .option('--dtype <dtype>', 'with --shape: float32 (torch.randn) or int64 (torch.randint(0, --high))')
      .option('--seed <n>', 'with --shape: torch.manual_seed before drawing the input', '0')
      .option('--high <n>', 'with --shape --dtype int64: exclusive upper bound of the values', '10')
      .option('--output <file.npy>', 'write the output tensor as .npy')
      .option('--repeat <n>', 'after one warm-up pass, run N passes and report the median times')
      .option('--json', 'print {output, layers, ms} as JSON'),
  ).action(async (file: string, options: ForwardOptions, command: Command) => {
    const all = { ...command.optsWithGlobals(), ...options } as ForwardOptions;
    precheckModelOptions(all);
    const input = forwardInput(all);
    const repeat = all.repeat === undefined ? undefined : parseInteger('--repeat', all.repeat, { min: 1, max: 100_000 });
    checkOutputPath(all.output, all.input);
    await ModelSession.with(file, all, async (session) => {
      const model = await session.build(all);
      if (model.weights) note(model.weights.summary);
      const runs = repeat === undefined ? 1 : repeat + 1;
      const results = [];
      for (let i = 0; i < runs; i++) results.push(await session.forward(model, input, { wantOutput: i === runs - 1 && all.output !== undefined }));
      const timed = repeat === undefined ? results : results.slice(1);
      const last = results[results.length - 1];
      const result: ForwardJson = {
        output: last.output,
        layers: medianLayers(timed.map((r) => r.layers)),
        ms: median(timed.map((r) => r.ms)),
      };
      if (all.output !== undefined) {
        if (!last.outputTensor) throw new Error('the engine did not return the output tensor');
        await writeOutputNpy(all.output, last.outputTensor);
      }
      if (all.json) printJson(result);
      else printText(result, repeat);
    });
  });
}
