// `torch-explorer prune FILE --weights W ...`: torch.nn.utils.prune on a model's weights, written as a new
// state dict (`weight_orig` + `weight_mask`, or the pruned `weight` itself with --remove). The model file is
// evaluated in the engine process for its structure; pruning runs here on a stand-in of that structure
// (skeleton.ts) loaded with the weights, so the masks and keys are those of torch.nn.utils.prune.
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PyFloat } from '../../engine/dtype';
import { torch } from '../../engine';
import type { Module } from '../../engine/nn';
import * as prune from '../../engine/nn/utils/prune';
import { tensorFromRecord } from '../../statedict/convert';
import { formatForPath } from '../../statedict/export';
import { saveStateDict } from '../../statedict/export-node';
import { CliError, EXIT, fileError, usageError } from '../errors';
import { readInputNpy } from '../inputs';
import { ModelSession, precheckModelOptions, type ModelOptions } from '../model-session';
import { parseAmount, parseChoice, parseInteger, parseList } from '../options';
import type { RawTensor } from '../../formats';
import { formatBytes, note, printJson, printLine } from '../output';
import { buildSkeleton, type Skeleton } from '../skeleton';
import { addModelOptions } from './inspect';

const METHODS = ['l1_unstructured', 'random_unstructured', 'ln_structured', 'random_structured', 'identity', 'custom_from_mask'] as const;
type Method = (typeof METHODS)[number];

interface PruneOptions extends ModelOptions {
  method?: string;
  param?: string[];
  global?: string;
  name?: string;
  amount?: string;
  n?: string;
  dim?: string;
  mask?: string;
  seed?: string;
  remove?: boolean;
  out?: string;
  json?: boolean;
}

interface Target {
  module: Module;
  moduleName: string;
  tensor: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim()).filter(Boolean)];

/** `inf`, `-inf`, `fro` or a number, as ln_structured's `n`. */
function parseNorm(text: string): number | 'fro' | PyFloat {
  const t = text.trim().toLowerCase();
  if (t === 'fro') return 'fro';
  if (t === 'inf' || t === '-inf') return new PyFloat(t === 'inf' ? Infinity : -Infinity);
  if (/^-?\d+$/.test(t)) return Number(t);
  const value = Number(t);
  if (t === '' || Number.isNaN(value)) throw usageError(`--n ${JSON.stringify(text)}: expected a norm order such as 1, 2, inf or fro`);
  return new PyFloat(value);
}

function describeTensors(module: Module): string {
  const names = [...module._parameters.keys()];
  return names.length ? `it has ${names.join(', ')}` : 'it has no parameters of its own';
}

/** --param features.0.weight -> (features.0, weight), checked against the model. */
function paramTargets(skeleton: Skeleton, names: readonly string[]): Target[] {
  return names.map((qualified) => {
    const dot = qualified.lastIndexOf('.');
    const moduleName = dot < 0 ? '' : qualified.slice(0, dot);
    const tensor = qualified.slice(dot + 1);
    const module = skeleton.modules.get(moduleName);
    const root = skeleton.types.get('') ?? 'the model';
    if (!module) throw usageError(`--param ${qualified}: ${root} has no module ${JSON.stringify(moduleName)}`);
    if (!module._parameters.has(tensor) || module._parameters.get(tensor) === null) {
      const type = skeleton.types.get(moduleName);
      throw usageError(`--param ${qualified}: ${type} ${moduleName || '(the root)'} has no parameter ${JSON.stringify(tensor)}; ${describeTensors(module)}`);
    }
    return { module, moduleName, tensor };
  });
}

/** --global Conv2d,Linear: the `--name` parameter (weight) of every module of those classes, in model order. */
function globalTargets(skeleton: Skeleton, types: readonly string[], tensor: string): Target[] {
  const targets: Target[] = [];
  for (const [moduleName, module] of skeleton.modules) {
    if (types.includes(skeleton.types.get(moduleName) ?? '') && module._parameters.get(tensor)) targets.push({ module, moduleName, tensor });
  }
  if (!targets.length) {
    const present = [...new Set(skeleton.types.values())].join(', ');
    throw usageError(`--global ${types.join(',')}: no module of ${types.length > 1 ? 'these classes' : 'this class'} has a parameter ${JSON.stringify(tensor)}; the model's classes are ${present}`);
  }
  return targets;
}

function needed(option: string, value: string | undefined, method: string): string {
  if (value === undefined) throw usageError(`--method ${method} needs ${option}`);
  return value;
}

/** The method's arguments, parsed and checked before any engine process starts. */
interface PruneSpec {
  method: Method;
  amount?: number | PyFloat;
  n?: number | 'fro' | PyFloat;
  dim?: number;
  mask?: RawTensor;
}

function pruneSpec(method: Method, options: PruneOptions, global: boolean): PruneSpec {
  if (global && method !== 'l1_unstructured' && method !== 'random_unstructured') {
    throw usageError(`--global prunes all chosen tensors together (global_unstructured) and works with l1_unstructured or random_unstructured, not ${method}; use --param for ${method}`);
  }
  const spec: PruneSpec = { method };
  if (method !== 'identity' && method !== 'custom_from_mask') spec.amount = parseAmount(needed('--amount', options.amount, method));
  if (method === 'ln_structured') spec.n = parseNorm(needed('--n', options.n, method));
  if (method === 'ln_structured' || method === 'random_structured') spec.dim = parseInteger('--dim', needed('--dim', options.dim, method));
  if (method === 'custom_from_mask') spec.mask = readInputNpy(needed('--mask', options.mask, method));
  return spec;
}

function applyMethod(spec: PruneSpec, targets: Target[], global: boolean): void {
  const { method, amount, n, dim, mask } = spec;
  if (global) {
    const cls = method === 'l1_unstructured' ? prune.L1Unstructured : prune.RandomUnstructured;
    prune.global_unstructured(targets.map((t) => [t.module, t.tensor] as const), cls as unknown as prune.PruningMethodClass, { amount });
    return;
  }
  for (const t of targets) {
    switch (method) {
      case 'l1_unstructured': prune.l1_unstructured(t.module, t.tensor, amount); break;
      case 'random_unstructured': prune.random_unstructured(t.module, t.tensor, amount); break;
      case 'ln_structured': prune.ln_structured(t.module, t.tensor, amount, n, dim); break;
      case 'random_structured': prune.random_structured(t.module, t.tensor, amount, dim); break;
      case 'identity': prune.identity(t.module, t.tensor); break;
      case 'custom_from_mask': prune.custom_from_mask(t.module, t.tensor, tensorFromRecord(mask!)); break;
    }
  }
}

function checkOut(out: string | undefined, sources: string[]): string {
  if (out === undefined) throw usageError('prune needs --out FILE (.safetensors or .pt) for the pruned state dict');
  if (!formatForPath(out)) throw usageError(`--out ${out}: cannot tell the format from the name; end it in .safetensors, .pt or .pth`);
  for (const source of sources) {
    if (fs.existsSync(out) && fs.realpathSync(out) === fs.realpathSync(source)) throw fileError(`--out ${out}: refusing to write over the input file ${source}`);
  }
  if (!fs.existsSync(path.dirname(path.resolve(out)))) throw fileError(`--out ${out}: the folder ${path.dirname(out)} does not exist`);
  return out;
}

export function registerPrune(program: Command): void {
  addModelOptions(
    program
      .command('prune')
      .description('prune weights with torch.nn.utils.prune and write the pruned state dict')
      .argument('<file>', 'Python model file')
      .requiredOption('--method <name>', `pruning method: ${METHODS.join(', ')}`)
      .option('--param <name>', 'parameter to prune, e.g. features.0.weight (repeat or comma-separate for several)', collect)
      .option('--global <types>', 'prune the --name tensor of every module of these classes together, e.g. Conv2d,Linear')
      .option('--name <tensor>', 'with --global: the parameter of each module', 'weight')
      .option('--amount <x>', 'a fraction (0.3) or a count (10) of entries or channels to prune')
      .option('--n <order>', 'ln_structured: norm order (1, 2, inf, -inf, fro)')
      .option('--dim <d>', 'ln_structured, random_structured: the dimension of the channels')
      .option('--mask <file.npy>', 'custom_from_mask: the mask (1 keeps, 0 prunes)')
      .option('--seed <n>', 'random_*: torch.manual_seed before pruning', '0')
      .option('--remove', 'make the pruning permanent (prune.remove): the pruned values stay, weight_orig/weight_mask go')
      .option('--out <file>', 'where to write the pruned state dict (.safetensors or .pt)')
      .option('--json', 'print the sparsity report and the written keys as JSON'),
  ).action(async (file: string, options: PruneOptions, command: Command) => {
    const all = { ...command.optsWithGlobals(), ...options } as PruneOptions;
    precheckModelOptions(all);
    const method = parseChoice('--method', all.method ?? '', METHODS);
    if (!all.weights) throw usageError('prune needs --weights FILE: the state dict to prune');
    const byParam = (all.param?.length ?? 0) > 0;
    if (byParam === (all.global !== undefined)) throw usageError('prune needs either --param NAME or --global TYPE[,TYPE] (not both)');
    const out = checkOut(all.out, [all.weights, file]);
    const spec = pruneSpec(method, all, all.global !== undefined);
    const seed = parseInteger('--seed', all.seed ?? '0', { min: 0 });
    await ModelSession.with(file, all, async (session) => {
      const model = await session.build(all);
      const structure = await session.inspect(model);
      const skeleton = buildSkeleton(structure);
      const loaded = session.loadIntoSkeleton(skeleton, all);
      note(loaded.summary);
      const targets = all.global ? globalTargets(skeleton, parseList('--global', all.global), all.name ?? 'weight') : paramTargets(skeleton, all.param ?? []);
      try {
        torch.manual_seed(seed);
        applyMethod(spec, targets, all.global !== undefined);
        if (all.remove) for (const t of targets) prune.remove(t.module, t.tensor);
      } catch (error) {
        if (error instanceof CliError) throw error;
        throw new CliError(`${method}: ${(error as Error).message}`, EXIT.usage);
      }
      const stateDict = skeleton.root.state_dict();
      await saveStateDict(stateDict, out, { source: all.weights, torchMetadata: loaded.torchMetadata });
      const report = prune.sparsityReport(skeleton.root);
      const pruned = targets.map((t) => (t.moduleName ? `${t.moduleName}.${t.tensor}` : t.tensor));
      if (all.json) {
        const keys = [...stateDict].map(([key, t]) => ({ key, shape: [...t.shape], dtype: t.dtype }));
        printJson({ out, method, pruned, removed: all.remove === true, sparsity: report, stateDict: keys });
        return;
      }
      printLine(prune.formatSparsity(report));
      printLine();
      printLine(`wrote ${out}: ${stateDict.size} tensors, ${formatBytes(fs.statSync(out).size)}${all.remove ? '' : ' (pruned tensors as *_orig and *_mask)'}`);
    });
  });
}
