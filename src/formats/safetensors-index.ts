import { ByteSource } from './byte-source';
import { FormatError, quote, withFileName, withFileNameAsync } from './errors';
import { JsonSyntaxError, JsonValue, jsonToPlain, parseJsonStrict } from './json-strict';
import { SafetensorsFile, openSafetensors, openSafetensorsSync } from './safetensors';
import { LazyStateDict, TensorEntry } from './tensor-data';

/** `model.safetensors.index.json`: which shard holds each tensor. */
export interface SafetensorsIndex {
  /** tensor name -> shard file name, in index order */
  readonly weightMap: Map<string, string>;
  /** the index's free-form `metadata` (such as `total_size`) */
  readonly metadata?: unknown;
}

export interface ShardedSafetensors extends LazyStateDict {
  readonly file?: string;
  readonly index: SafetensorsIndex;
  /** opened shards in first-use order */
  readonly shards: Map<string, SafetensorsFile>;
}

/** Opens a shard named in the index (relative to the index's folder). */
export type ShardOpener = (shardName: string) => ByteSource | Promise<ByteSource>;

function invalid(detail: string, key?: string): never {
  throw new FormatError('InvalidIndex', detail, { key });
}

/** Shard names must stay inside the index's folder. */
function checkShardName(name: string, key: string): void {
  const parts = name.split(/[\\/]/);
  if (name === '' || name.startsWith('/') || /^[a-zA-Z]:/.test(name) || parts.includes('..') || name.includes('\0')) {
    invalid(`tensor ${quote(key)} maps to ${quote(name)}, which is not a file name inside the index's folder`, key);
  }
}

export function parseSafetensorsIndex(bytes: Uint8Array): SafetensorsIndex {
  let json: JsonValue;
  try {
    json = parseJsonStrict(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch (error) {
    if (error instanceof JsonSyntaxError && error.duplicateKey !== undefined) {
      throw new FormatError('DuplicateKey', `the index has the key ${quote(error.duplicateKey)} twice`, { key: error.duplicateKey });
    }
    if (error instanceof JsonSyntaxError || error instanceof TypeError) invalid(`the index is not valid JSON: ${(error as Error).message}`);
    throw error;
  }
  if (!(json instanceof Map)) invalid('the index must be a JSON object with a weight_map');
  const top = json as Map<string, JsonValue>;
  const map = top.get('weight_map');
  if (!(map instanceof Map)) invalid('the index needs a weight_map object (tensor name -> shard file)');
  const weightMap = new Map<string, string>();
  for (const [key, shard] of map as Map<string, JsonValue>) {
    if (typeof shard !== 'string') invalid(`weight_map entry for ${quote(key)} must be a file name`, key);
    checkShardName(shard as string, key);
    weightMap.set(key, shard as string);
  }
  return { weightMap, metadata: top.has('metadata') ? jsonToPlain(top.get('metadata') as JsonValue) : undefined };
}

function shardOrder(index: SafetensorsIndex): string[] {
  return [...new Set(index.weightMap.values())];
}

function missingShard(shard: string, error: unknown): FormatError {
  if (error instanceof FormatError && error.code !== 'IoError') return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new FormatError('MissingShard', `shard ${quote(shard)} named in the index cannot be opened: ${reason}`, { key: shard });
}

function assemble(index: SafetensorsIndex, shards: Map<string, SafetensorsFile>, file?: string): ShardedSafetensors {
  const tensors = new Map<string, TensorEntry>();
  for (const [key, shardName] of index.weightMap) {
    const entry = (shards.get(shardName) as SafetensorsFile).tensors.get(key);
    if (!entry) {
      throw new FormatError('MissingTensor', `the index maps tensor ${quote(key)} to ${quote(shardName)}, which does not contain it`, { key });
    }
    tensors.set(key, entry);
  }
  return { tensors, index, shards, file };
}

export function openShardedSafetensorsSync(indexBytes: Uint8Array, open: ShardOpener, fileName?: string): ShardedSafetensors {
  return withFileName(fileName, () => {
    const index = parseSafetensorsIndex(indexBytes);
    const shards = new Map<string, SafetensorsFile>();
    for (const shard of shardOrder(index)) {
      let source: ByteSource | Promise<ByteSource>;
      try {
        source = open(shard);
      } catch (error) {
        throw missingShard(shard, error);
      }
      if (source instanceof Promise) throw new FormatError('AsyncSource', 'the shard opener is asynchronous: use openShardedSafetensors');
      shards.set(shard, openSafetensorsSync(source, { fileName: source.name ?? shard }));
    }
    return assemble(index, shards, fileName);
  });
}

export async function openShardedSafetensors(indexBytes: Uint8Array, open: ShardOpener, fileName?: string): Promise<ShardedSafetensors> {
  return withFileNameAsync(fileName, async () => {
    const index = parseSafetensorsIndex(indexBytes);
    const shards = new Map<string, SafetensorsFile>();
    for (const shard of shardOrder(index)) {
      let source: ByteSource;
      try {
        source = await open(shard);
      } catch (error) {
        throw missingShard(shard, error);
      }
      shards.set(shard, await openSafetensors(source, { fileName: source.name ?? shard }));
    }
    return assemble(index, shards, fileName);
  });
}
