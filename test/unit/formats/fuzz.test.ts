import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MemoryByteSource, runSync } from '../../../src/formats/byte-source';
import { openCheckpointSync } from '../../../src/formats/checkpoint';
import { FormatError } from '../../../src/formats/errors';
import { PyValue } from '../../../src/formats/py-values';
import { readSafetensors, writeSafetensors } from '../../../src/formats/safetensors';
import { findStateDicts } from '../../../src/formats/state-dicts';
import { RawTensor, memoryStorage, stridedTensor } from '../../../src/formats/tensor-data';
import { unpickleTorch } from '../../../src/formats/torch-pickle';
import { stateDictObject, torchSaveBytes } from '../../../src/formats/torch-zip-writer';
import { readZipDirectoryOp, readZipEntryOp } from '../../../src/formats/zip-reader';
import { ZipStreamWriter } from '../../../src/formats/zip-writer';
import { Random, fixture } from './helpers';

/**
 * Random mutations of small valid files (bit flips, interesting values, truncations, splices, inserts,
 * deletions; and, to get past checksums and length prefixes, mutations of the pickle inside a re-packed
 * zip and of the JSON inside a re-prefixed safetensors header). Every input must end in success or a
 * FormatError. TE_FUZZ_COUNT and TE_FUZZ_SEED override the defaults.
 */
const COUNT = Number(process.env.TE_FUZZ_COUNT ?? 100_000);
const SEED = Number(process.env.TE_FUZZ_SEED ?? 20240601);
const LIMITS = { maxTensorBytes: 1 << 20, maxPickleBytes: 1 << 20, maxEntries: 1000,
  pickleLimits: { maxMemoEntries: 10_000, maxStackItems: 10_000, maxMarkDepth: 1000, maxContainerItems: 100_000 } };
const INTERESTING = [0, 1, 0x7f, 0x80, 0xff, 0x20, 0x7b, 0x22, 0x28, 0x2e];
const INTERESTING_WORDS = [0, 1, 0x7fffffff, 0xffffffff, 0x80000000, 64, 100_000_001];

function mutateOnce(input: Uint8Array, rng: Random, donors: Uint8Array[]): Uint8Array {
  const n = input.length;
  const at = n ? rng.below(n) : 0;
  switch (rng.below(8)) {
    case 0: { const out = input.slice(); if (n) out[at] ^= 1 << rng.below(8); return out; }
    case 1: { const out = input.slice(); if (n) out[at] = INTERESTING[rng.below(INTERESTING.length)]; return out; }
    case 2: return input.slice(0, rng.below(n + 1));
    case 3: { // splice a chunk of a donor over the input
      const donor = donors[rng.below(donors.length)];
      const from = rng.below(donor.length);
      const chunk = donor.subarray(from, from + 1 + rng.below(32));
      const out = input.slice();
      out.set(chunk.subarray(0, Math.max(0, n - at)), at);
      return out;
    }
    case 4: { // insert random bytes
      const extra = Uint8Array.from({ length: 1 + rng.below(8) }, () => rng.below(256));
      const out = new Uint8Array(n + extra.length);
      out.set(input.subarray(0, at));
      out.set(extra, at);
      out.set(input.subarray(at), at + extra.length);
      return out;
    }
    case 5: { // delete a range
      const end = Math.min(n, at + 1 + rng.below(16));
      const out = new Uint8Array(n - (end - at));
      out.set(input.subarray(0, at));
      out.set(input.subarray(end), at);
      return out;
    }
    case 6: { // an interesting 32-bit little-endian word
      const out = input.slice();
      if (at + 4 <= n) new DataView(out.buffer).setUint32(at, INTERESTING_WORDS[rng.below(INTERESTING_WORDS.length)] >>> 0, true);
      return out;
    }
    default: { // repeat a chunk
      const chunk = input.subarray(at, at + 1 + rng.below(64));
      const out = new Uint8Array(n + chunk.length);
      out.set(input.subarray(0, at + chunk.length));
      out.set(chunk, at + chunk.length);
      out.set(input.subarray(at + chunk.length), at + 2 * chunk.length);
      return out;
    }
  }
}

function mutate(input: Uint8Array, rng: Random, donors: Uint8Array[]): Uint8Array {
  let out = input;
  for (let k = 1 + rng.below(3); k > 0; k--) out = mutateOnce(out, rng, donors);
  return out;
}

interface FuzzStats { inputs: number; accepted: number; codes: Map<string, number>; slowestMs: number }

function fuzz(name: string, seeds: Uint8Array[], target: (input: Uint8Array) => void,
              structured?: (seed: Uint8Array, rng: Random) => Uint8Array): FuzzStats {
  const rng = new Random(SEED ^ name.length * 2654435761);
  const stats: FuzzStats = { inputs: 0, accepted: 0, codes: new Map(), slowestMs: 0 };
  const started = Date.now();
  for (let i = 0; i < COUNT; i++) {
    const seed = seeds[rng.below(seeds.length)];
    const input = structured && rng.below(2) === 0 ? structured(seed, rng) : mutate(seed, rng, seeds);
    const t0 = performance.now();
    try {
      target(input);
      stats.accepted++;
    } catch (error) {
      if (!(error instanceof FormatError)) {
        const saved = path.join(os.tmpdir(), `te-fuzz-${name}-${i}.bin`);
        fs.writeFileSync(saved, input);
        assert.fail(`input ${i} (seed ${SEED}, saved to ${saved}) threw ${(error as Error)?.constructor?.name}: ${(error as Error)?.stack}`);
      }
      stats.codes.set(error.code, (stats.codes.get(error.code) ?? 0) + 1);
    }
    const ms = performance.now() - t0;
    if (ms > stats.slowestMs && process.env.TE_FUZZ_SAVE_SLOWEST) fs.writeFileSync(path.join(os.tmpdir(), `te-fuzz-${name}-slowest.bin`), input);
    stats.slowestMs = Math.max(stats.slowestMs, ms);
    stats.inputs++;
  }
  const codes = [...stats.codes].sort((a, b) => b[1] - a[1]).map(([c, k]) => `${c} ${k}`).join(', ');
  console.log(`      fuzz ${name}: ${stats.inputs} inputs in ${((Date.now() - started) / 1000).toFixed(1)} s (seed ${SEED}), ` +
    `${stats.accepted} accepted, slowest ${stats.slowestMs.toFixed(1)} ms; FormatError codes: ${codes}`);
  return stats;
}

/** Reads every tensor a checkpoint offers; a FormatError while reading one tensor is an acceptable end. */
function readAllTensors(value: PyValue): void {
  for (const candidate of findStateDicts(value)) {
    for (const tensor of candidate.tensors.values()) {
      try {
        tensor.readSync();
      } catch (error) {
        if (!(error instanceof FormatError)) throw error;
      }
    }
  }
}

const zipOptions = { maxEntries: 1000, maxEntryBytes: 1 << 20, verifyChecksums: false };

function repack(records: [string, Uint8Array][]): Uint8Array {
  const writer = new ZipStreamWriter();
  return Buffer.concat([...records.flatMap(([n, d]) => [...writer.entry(n, d)]), writer.finish()]);
}

function recordsOf(bytes: Uint8Array): [string, Uint8Array][] {
  const source = new MemoryByteSource(bytes);
  const directory = runSync(readZipDirectoryOp(bytes.length, zipOptions), source);
  return directory.entries.map((e) => [e.name, runSync(readZipEntryOp(e, directory, zipOptions), source)]);
}

function smallSafetensors(): Uint8Array[] {
  const t = (dtype: RawTensor['dtype'], shape: number[], n: number): RawTensor => ({ dtype, shape, bytes: Uint8Array.from({ length: n }, (_, i) => i * 37) });
  return [
    fixture('handmade.safetensors'),
    writeSafetensors(new Map([['a', t('float32', [2], 8)], ['b', t('int64', [], 8)], ['c', t('bool', [0, 3], 0)]]), { format: 'pt' }),
    writeSafetensors(new Map([['x', t('float4_e2m1fn', [4], 2)], ['y', t('float16', [1, 2], 4)]])),
  ];
}

function smallTorchZips(): Uint8Array[] {
  const storage = memoryStorage('float32', Uint8Array.from({ length: 24 }, (_, i) => i));
  const views = new Map([['a', stridedTensor(storage, 1, [2, 2], [1, 2])], ['b', stridedTensor(storage, 0, [6])],
    ['p', stridedTensor(memoryStorage('int64', new Uint8Array(16).fill(3)), 0, [2], [1], { isParameter: true, requiresGrad: true })]]);
  return [fixture('views.pt'), fixture('big_endian.pt'), fixture('deflated.pt'), torchSaveBytes(stateDictObject(views), { archiveName: 'f' })];
}

describe('formats/fuzz: mutated files end in success or a FormatError', function () {
  this.timeout(120_000);

  it(`safetensors: ${COUNT} inputs`, () => {
    const seeds = smallSafetensors();
    const stats = fuzz('safetensors', seeds, (input) => {
      const sd = readSafetensors(input);
      for (const t of sd.tensors.values()) if (t.bytes.length < 0) throw new Error('impossible');
    }, (seed, rng) => {
      // mutate the JSON header and re-prefix its length so the parser, not the length check, sees it
      const n = Number(new DataView(seed.buffer, seed.byteOffset).getBigUint64(0, true));
      const header = mutate(seed.subarray(8, 8 + n), rng, seeds);
      const out = new Uint8Array(8 + header.length + seed.length - 8 - n);
      new DataView(out.buffer).setBigUint64(0, BigInt(header.length), true);
      out.set(header, 8);
      out.set(seed.subarray(8 + n), 8 + header.length);
      return out;
    });
    assert.equal(stats.inputs, COUNT);
    assert.ok(stats.accepted > 0 && stats.codes.size > 5);
  });

  it(`torch zip: ${COUNT} inputs`, () => {
    const seeds = smallTorchZips();
    const seedRecords = seeds.map(recordsOf);
    const pickles = seedRecords.map((r) => r.find(([n]) => n.endsWith('data.pkl'))?.[1] as Uint8Array);
    const stats = fuzz('torch-zip', seeds, (input) => {
      readAllTensors(openCheckpointSync(new MemoryByteSource(input), LIMITS).torch?.object ?? null);
    }, (seed, rng) => {
      // mutate data.pkl or a storage inside an otherwise valid archive (checksums recomputed)
      const records = seedRecords[seeds.indexOf(seed)].map(([n, d]): [string, Uint8Array] => [n, d]);
      const which = rng.below(3) === 0 ? rng.below(records.length) : records.findIndex(([n]) => n.endsWith('data.pkl'));
      records[which] = [records[which][0], mutate(records[which][1], rng, pickles)];
      return repack(records);
    });
    assert.equal(stats.inputs, COUNT);
    assert.ok(stats.accepted > 0 && stats.codes.size > 5);
  });

  it(`bare pickle: ${COUNT} inputs`, () => {
    const seeds = [...smallTorchZips().map((z) => recordsOf(z).find(([n]) => n.endsWith('data.pkl'))?.[1] as Uint8Array),
      recordsOf(fixture('checkpoint.pt')).find(([n]) => n.endsWith('data.pkl'))?.[1] as Uint8Array,
      fixture('forbidden_global.pkl'), fixture('plain_protocol2.pkl').subarray(0, 0)];
    seeds.pop();
    for (const p of [2, 4, 5]) seeds.push(fixture(`plain_protocol${p}.pkl`));
    const stats = fuzz('pickle', seeds, (input) => {
      readAllTensors(unpickleTorch(input, { maxTensorBytes: LIMITS.maxTensorBytes, limits: LIMITS.pickleLimits }));
    });
    assert.equal(stats.inputs, COUNT);
    assert.ok(stats.accepted > 0 && stats.codes.size >= 3);
  });
});
