// One opened checkpoint file: headers (and torch.save's data.pkl) read at open, tensor bytes on demand. A file
// that cannot be read becomes a document holding the formats layer's typed error, which the editor shows.
import * as vscode from 'vscode';
import {
  FormatError, OpenedCheckpoint, PyDict, PyObject, PyValue, SafetensorsFile, ShardedSafetensors, StateDictCandidate,
  TensorEntry, TorchTensor, isTuple, openCheckpoint, openShardedSafetensors, stripPrefix,
} from '../../formats';
import type { Metadata } from '../../engine/nn/state-dict';
import type { CheckpointView } from '../../protocol/inspector';
import { metadataFromPy } from '../../statedict/load';
import type { TensorSource } from '../inspector/tensor-source';
import { TorchStorageLocator, safetensorsTensorSource, torchTensorSource } from './checkpoint-tensors';
import { ClosableByteSource, openByteSource } from './file-source';
import { strippedMetadata } from './model-match';
import { groupByPrefix } from './state-dict-tree';

export const isIndexFile = (uri: vscode.Uri) => uri.path.endsWith('.index.json');

interface Opened {
  format: CheckpointView['format'];
  fileBytes: number;
  stateDicts: StateDictCandidate[];
  metadata: [string, string][];
  /** a TensorSource for an entry of the file (keys as stored) */
  sourceOf(key: string, entry: TensorEntry): TensorSource | undefined;
}

export interface CheckpointFailure { code: string; message: string }

function describeValue(value: PyValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 79)}…` : value);
  if (value instanceof Uint8Array) return `bytes (${value.length})`;
  if (value instanceof TorchTensor) return `tensor ${value.dtype} [${value.shape.join(', ')}]`;
  if (value instanceof PyDict) return `dict with ${value.size} entries`;
  if (isTuple(value)) return `tuple of ${value.length}`;
  if (Array.isArray(value)) return `list of ${value.length}`;
  if (value instanceof Set) return `set of ${value.size}`;
  return (value as PyObject).pyClass;
}

async function openIndex(uri: vscode.Uri, name: string, sources: ClosableByteSource[]): Promise<Opened> {
  let indexBytes: Uint8Array;
  try {
    indexBytes = await vscode.workspace.fs.readFile(uri);
  } catch (error) {
    throw new FormatError('IoError', `cannot read: ${(error as Error).message}`, { file: name });
  }
  const folder = vscode.Uri.joinPath(uri, '..');
  const shardSources = new Map<string, ClosableByteSource>();
  const sharded: ShardedSafetensors = await openShardedSafetensors(indexBytes, async (shard) => {
    const source = await openByteSource(vscode.Uri.joinPath(folder, shard), vscode.workspace.asRelativePath(vscode.Uri.joinPath(folder, shard), false));
    sources.push(source);
    shardSources.set(shard, source);
    return source;
  }, name);
  const total = [...shardSources.values()].reduce((n, s) => n + s.size, indexBytes.length);
  return {
    format: 'safetensors-index', fileBytes: total, metadata: [],
    stateDicts: [{ path: [], label: 'checkpoint', tensors: sharded.tensors, nested: false, skippedKeys: [] }],
    sourceOf(key, entry) {
      const shard = sharded.index.weightMap.get(key);
      const file = shard === undefined ? undefined : sharded.shards.get(shard);
      const source = shard === undefined ? undefined : shardSources.get(shard);
      return file && source ? safetensorsTensorSource(key, entry, file, source, `${name} › ${shard}`) : undefined;
    },
  };
}

async function openSingle(uri: vscode.Uri, name: string, sources: ClosableByteSource[]): Promise<Opened> {
  const source = await openByteSource(uri, name);
  sources.push(source);
  const opened: OpenedCheckpoint = await openCheckpoint(source, { fileName: name });
  const metadata: [string, string][] = opened.metadata ? Object.entries(opened.metadata) : [];
  const root = opened.torch?.object;
  if (root instanceof PyDict) {
    for (const [key, value] of root) if (!(value instanceof TorchTensor)) metadata.push([String(key), describeValue(value)]);
  }
  const locator = opened.torch ? new TorchStorageLocator(source, opened.torch) : undefined;
  return {
    format: opened.format, fileBytes: source.size, stateDicts: opened.stateDicts, metadata,
    sourceOf(key, entry) {
      if (opened.safetensors) return safetensorsTensorSource(key, entry, opened.safetensors as SafetensorsFile, source, name);
      return locator ? torchTensorSource(key, entry, locator, source, name) : undefined;
    },
  };
}

export class CheckpointDocument implements vscode.CustomDocument {
  private selected = 0;
  private strip = false;
  private cachedView: CheckpointView | undefined;

  private constructor(readonly uri: vscode.Uri, readonly name: string, private readonly opened: Opened | undefined,
                      readonly failure: CheckpointFailure | undefined, private readonly sources: ClosableByteSource[]) {}

  /** Never rejects: a file that cannot be read gives a document with `failure` set. */
  static async open(uri: vscode.Uri): Promise<CheckpointDocument> {
    const name = vscode.workspace.asRelativePath(uri, false);
    const sources: ClosableByteSource[] = [];
    try {
      const opened = isIndexFile(uri) ? await openIndex(uri, name, sources) : await openSingle(uri, name, sources);
      return new CheckpointDocument(uri, name, opened, undefined, sources);
    } catch (error) {
      await Promise.all(sources.map((s) => s.close()));
      const failure = error instanceof FormatError
        ? { code: error.code, message: error.inFile(name).message }
        : { code: 'Internal', message: `${name}: ${(error as Error).message ?? String(error)}` };
      return new CheckpointDocument(uri, name, undefined, failure, []);
    }
  }

  private candidate(): StateDictCandidate | undefined {
    return this.opened?.stateDicts[this.selected];
  }

  /** The chosen state dict's tensors, keys as shown (without `module.` when stripping is on). */
  tensors(): Map<string, TensorEntry> {
    const candidate = this.candidate();
    if (!candidate) return new Map();
    return this.strip && candidate.modulePrefix ? stripPrefix(candidate.tensors, candidate.modulePrefix) : candidate.tensors;
  }

  chooseStateDict(index: number): void {
    if (!this.opened || index < 0 || index >= this.opened.stateDicts.length || index === this.selected) return;
    this.selected = index;
    this.cachedView = undefined;
  }

  stripModulePrefix(strip: boolean): void {
    if (strip === this.strip) return;
    this.strip = strip;
    this.cachedView = undefined;
  }

  view(): CheckpointView | undefined {
    if (!this.opened) return undefined;
    if (this.cachedView) return this.cachedView;
    const candidate = this.candidate();
    const tensors = this.tensors();
    const tree = groupByPrefix(tensors);
    const totals = { tensors: tensors.size, numel: tree.reduce((n, t) => n + t.numel, 0), bytes: tree.reduce((n, t) => n + t.bytes, 0) };
    this.cachedView = {
      file: this.name, format: this.opened.format, fileBytes: this.opened.fileBytes,
      candidates: this.opened.stateDicts.map((c) => ({ label: c.label, tensors: c.tensors.size })),
      selected: this.selected, modulePrefix: candidate?.modulePrefix, stripPrefix: this.strip,
      tree, totals, metadata: this.opened.metadata, skippedKeys: [...(candidate?.skippedKeys ?? [])],
    };
    return this.cachedView;
  }

  /** The chosen state dict: its label (`checkpoint['model']`), the prefix stripped from its keys, its `_metadata`. */
  chosen(): { label: string; strippedPrefix?: string; metadata?: Metadata } | undefined {
    const candidate = this.candidate();
    if (!candidate) return undefined;
    const strippedPrefix = this.strip ? candidate.modulePrefix : undefined;
    const metadata = strippedMetadata(metadataFromPy(candidate.metadata), strippedPrefix);
    return { label: candidate.label, ...(strippedPrefix ? { strippedPrefix } : {}), ...(metadata ? { metadata } : {}) };
  }

  /** The tensor under a shown key, for the inspector. */
  tensorSource(key: string): TensorSource | undefined {
    const candidate = this.candidate();
    const entry = this.tensors().get(key);
    if (!candidate || !entry || !this.opened) return undefined;
    const storedKey = this.strip && candidate.modulePrefix && !candidate.tensors.has(key) ? `${candidate.modulePrefix}${key}` : key;
    const source = this.opened.sourceOf(storedKey, entry);
    return source && { info: { ...source.info, name: key }, read: (offset, count) => source.read(offset, count) };
  }

  dispose(): void {
    for (const s of this.sources) void s.close();
  }
}
