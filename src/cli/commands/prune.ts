// `torch-explorer prune FILE --weights W ...`: torch.nn.utils.prune on a model's weights, written as a new
// state dict (`weight_orig` + `weight_mask`, or the pruned `weight` itself with --remove). The model is built
// and loaded with the weights in the engine process, pruned there (the engine's prune request), and its
// state_dict() read back and written.
import type { Command } from 'commander';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PyFloat } from '../../engine/dtype';
import { formatSparsity } from '../../engine/nn/utils/prune';
import type { ModuleTensor, PruneParams } from '../../protocol/engine';
import { EngineRequestError } from '../../python/host/engine-client';
import { formatForPath } from '../../statedict/export';
import { saveStateDict } from '../../statedict/export-node';
import * as engineApi from '../engine-api';
import { CliError, EXIT, fileError, usageError } from '../errors';
import { readInputNpy } from '../inputs';
import { ModelSession, precheckModelOptions, type ModelOptions } from '../model-session';
import type { InspectJson } from '../model-types';
import { parseAmount, parseChoice, parseInteger, parseList } from '../options';
import type { PyValue, RawTensor } from '../../formats';
import { formatBytes, note, printJson, printLine } from '../output';
import { openWeights } from '../weights';
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

function split(qualified: string): [string, string] {
  const dot = qualified.lastIndexOf('.');
  return dot < 0 ? ['', qualified] : [qualified.slice(0, dot), qualified.slice(dot + 1)];
}

/** What the checks below need of the model: module -> class name, module -> its own parameters. */
class Structure {
  readonly types = new Map<string, string>();
  readonly ownParameters = new Map<string, string[]>();

  constructor(model: InspectJson) {
    for (const m of model.modules) {
      this.types.set(m.name, m.type);
      this.ownParameters.set(m.name, []);
    }
    // state_dict keys too: named_parameters() lists a tied weight once, but it belongs to every owner
    const buffers = new Set(model.buffers.map((b) => b.name));
    const names = [...model.parameters.map((p) => p.name), ...model.stateDict.map((e) => e.key).filter((k) => !buffers.has(k))];
    for (const qualified of names) {
      const [owner, leaf] = split(qualified);
      const own = this.ownParameters.get(owner);
      if (own && !own.includes(leaf)) own.push(leaf);
    }
  }
}

function describeTensors(names: readonly string[]): string {
  return names.length ? `it has ${names.join(', ')}` : 'it has no parameters of its own';
}

/** --param features.0.weight -> (features.0, weight), checked against the model. */
function paramTargets(structure: Structure, names: readonly string[]): ModuleTensor[] {
  return names.map((qualified) => {
    const [module, name] = split(qualified);
    const root = structure.types.get('') ?? 'the model';
    const own = structure.ownParameters.get(module);
    if (!own) throw usageError(`--param ${qualified}: ${root} has no module ${JSON.stringify(module)}`);
    if (!own.includes(name)) {
      const type = structure.types.get(module);
      throw usageError(`--param ${qualified}: ${type} ${module || '(the root)'} has no parameter ${JSON.stringify(name)}; ${describeTensors(own)}`);
    }
    return { module, name };
  });
}

/** --global Conv2d,Linear: the `--name` parameter (weight) of every module of those classes, in model order. */
function globalTargets(structure: Structure, types: readonly string[], name: string): ModuleTensor[] {
  const targets: ModuleTensor[] = [];
  for (const [module, type] of structure.types) {
    if (types.includes(type) && structure.ownParameters.get(module)?.includes(name)) targets.push({ module, name });
  }
  if (!targets.length) {
    const present = [...new Set(structure.types.values())].join(', ');
    throw usageError(`--global ${types.join(',')}: no module of ${types.length > 1 ? 'these classes' : 'this class'} has a parameter ${JSON.stringify(name)}; the model's classes are ${present}`);
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

/** The request's form of the spec, keeping Python's int/float distinction of `amount`. */
function requestSpec(spec: PruneSpec, targets: ModuleTensor[], global: boolean, seed: number): Omit<PruneParams, 'model'> {
  const { method, amount, n, dim, mask } = spec;
  return {
    method, targets, global, seed,
    ...(amount !== undefined ? { amount: amount instanceof PyFloat ? { fraction: amount.value } : { count: amount } } : {}),
    ...(n !== undefined ? { n: n instanceof PyFloat ? n.value : n } : {}),
    ...(dim !== undefined ? { dim } : {}),
    ...(mask ? { mask: engineApi.toPage(mask, mask.bytes) } : {}),
  };
}

/** A Python error of torch.nn.utils.prune (a bad amount, dim, ...) is a usage error of the command. */
async function asUsageError<T>(method: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof EngineRequestError && error.code === 'PythonError') throw new CliError(`${method}: ${error.message}`, EXIT.usage);
    throw error;
  }
}

/** The weights file's torch metadata (`_metadata`), so the written .pt keeps the module versions. */
function torchMetadataOf(options: PruneOptions): PyValue | undefined {
  const weights = openWeights(options.weights!, { path: options.path });
  try {
    return weights.candidate.metadata;
  } finally {
    weights.close();
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
      if (model.weights) note(model.weights.summary);
      const structure = new Structure(await session.inspect(model));
      const targets = all.global ? globalTargets(structure, parseList('--global', all.global), all.name ?? 'weight') : paramTargets(structure, all.param ?? []);
      const engine = session.engine;
      const pruned = await asUsageError(method, async () => {
        const result = await engineApi.prune(engine, model.handle, requestSpec(spec, targets, all.global !== undefined, seed));
        if (all.remove) await engineApi.removePruning(engine, model.handle, targets);
        return result;
      });
      const stateDict = await engineApi.readStateDict(engine, model.handle);
      await saveStateDict(stateDict, out, { source: all.weights, torchMetadata: torchMetadataOf(all) });
      const names = targets.map((t) => (t.module ? `${t.module}.${t.name}` : t.name));
      // after --remove the values stay pruned, but nothing is reparametrized any more
      const rows = pruned.report.rows.map((r) => ({ ...r, pruned: r.pruned && !(all.remove && names.includes(r.name)) }));
      const report = { ...pruned.report, rows };
      if (all.json) {
        const keys = [...stateDict].map(([key, t]) => ({ key, shape: [...t.shape], dtype: t.dtype }));
        printJson({ out, method, pruned: names, removed: all.remove === true, sparsity: report, stateDict: keys });
        return;
      }
      printLine(formatSparsity(report));
      printLine();
      printLine(`wrote ${out}: ${stateDict.size} tensors, ${formatBytes(fs.statSync(out).size)}${all.remove ? '' : ' (pruned tensors as *_orig and *_mask)'}`);
    });
  });
}
