// Loading the WASM kernel module and laying out its linear memory.
//
// The module bytes are embedded as base64 by the build (kernels-wasm.generated.ts), so loading needs no
// file access and works in Node, webviews and workers alike. Linear memory above the module's heap base is
// split into regions by a small best-fit allocator: persistent blocks (allocate/release: the Winograd weight
// cache) and one per-call scratch block (reserve: operands are copied in for each call), which is reused
// while it is large enough and otherwise released and allocated again, so memory grows to the largest call
// seen plus what the cache holds.

/** The functions exported by assembly/index.ts (byte addresses are numbers). */
export interface WasmKernelExports {
  memory: WebAssembly.Memory;
  heapBase(): number;
  gemmScratchBytes(): number;
  sgemm(m: number, n: number, k: number, a: number, aRs: number, aCs: number, b: number, bRs: number, bCs: number,
    c: number, ldc: number, alpha: number, beta: number, scratch: number): void;
  conv2d(n: number, cIn: number, h: number, w: number, cOut: number, kh: number, kw: number, groups: number,
    strideH: number, strideW: number, padTop: number, padLeft: number, dilationH: number, dilationW: number,
    outH: number, outW: number, input: number, weight: number, bias: number, hasBias: number, out: number,
    columns: number, columnCapacity: number, scratch: number, oyBegin: number, oyEnd: number, scale: number, epilogue: number,
    residual: number): void;
  winogradWeightBytes(cOut: number, cIn: number): number;
  winogradWeights(cOut: number, cIn: number, weight: number, u: number, jBegin: number, jEnd: number, temp: number): void;
  winogradScratchBytes(cIn: number, ocCount: number, tilesX: number, tileRows: number): number;
  winogradConv2d(cIn: number, h: number, w: number, cOut: number, padTop: number, padLeft: number, outH: number, outW: number,
    input: number, u: number, bias: number, scale: number, epilogue: number, residual: number, out: number, ocBegin: number,
    ocEnd: number, tyBegin: number, tyEnd: number, scratch: number): void;
  winogradFusedScratchBytes(cIn: number, tilesX: number, tileRows: number): number;
  winogradFusedConv2d(cIn: number, h: number, w: number, padTop: number, padLeft: number, outH: number, outW: number,
    input: number, weight: number, bias: number, scale: number, epilogue: number, residual: number, out: number,
    ocBegin: number, ocEnd: number, tyBegin: number, tyEnd: number, scratch: number, transformInput: number): void;
  winogradS2ScratchBytes(cIn: number, tilesX: number, tileRows: number, tiles: number): number;
  winogradS2Conv2d(cIn: number, h: number, w: number, padTop: number, padLeft: number, outH: number, outW: number, input: number,
    weight: number, bias: number, scale: number, epilogue: number, residual: number, out: number, ocBegin: number, ocEnd: number,
    tileBegin: number, tileEnd: number, scratch: number): void;
  floatsEqual(a: number, b: number, count: number): number;
  floatsHash(a: number, count: number, seed: number): number;
  maxPool2d(planes: number, h: number, w: number, kh: number, kw: number, strideH: number, strideW: number,
    padH: number, padW: number, dilationH: number, dilationW: number, outH: number, outW: number, input: number, out: number,
    scratch: number): void;
  maxPoolScratchBytes(h: number, kw: number, strideW: number, dilationW: number, outW: number): number;
  channelAffine(x: number, out: number, n: number, c: number, spatial: number, scale: number, shift: number): void;
  activation(op: number, x: number, out: number, count: number, p0: number, p1: number): void;
  softmaxRows(x: number, out: number, rows: number, size: number, log: number): void;
  zeroBytes(at: number, bytes: number): void;
  randomFloat32(out: number, count: number, offset: number, seed: number, kind: number, p0: number, p1: number): void;
}

/** simd: baseline SIMD128. relaxedSimd: adds relaxed-simd fused multiply-add (V8 11.4+, not Node 20 without a flag). */
export type WasmVariant = 'simd' | 'relaxedSimd';

/** A variant's module over private memory, or (shared) over an imported shared memory for worker threads. */
type ModuleKey = WasmVariant | `${WasmVariant}Shared`;
type EmbeddedModules = Record<ModuleKey, string> & { sourceHash: string };

/** The base64 modules written by the build, or null before the first `npm run build`. */
function embeddedModules(): EmbeddedModules | null {
  try {
    // require, not import: a checkout that has not been built yet still typechecks and runs on TS kernels.
    return (require('./kernels-wasm.generated') as { wasmKernelModules: EmbeddedModules }).wasmKernelModules;
  } catch {
    return null;
  }
}

function decodeBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const compiled = new Map<ModuleKey, WebAssembly.Module | null>();

/** The compiled module of a variant, or null when it is not built or this runtime cannot validate it. */
export function wasmModule(variant: WasmVariant, shared = false): WebAssembly.Module | null {
  const key: ModuleKey = shared ? `${variant}Shared` : variant;
  if (!compiled.has(key)) {
    let module: WebAssembly.Module | null = null;
    const embedded = embeddedModules();
    if (embedded !== null && typeof WebAssembly === 'object' && typeof embedded[key] === 'string') {
      const bytes = decodeBase64(embedded[key]);
      // Synchronous compilation: kernels are synchronous. Browsers refuse this for modules over 4 KiB on
      // the main thread (it throws); a worker, Node and the extension host allow it.
      try { module = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null; } catch { module = null; }
    }
    compiled.set(key, module);
  }
  return compiled.get(key) ?? null;
}

/** The preferred variant this runtime can run (relaxed SIMD when validated), or null if WASM SIMD is unavailable. */
export function bestWasmVariant(): WasmVariant | null {
  if (wasmModule('relaxedSimd') !== null) return 'relaxedSimd';
  return wasmModule('simd') !== null ? 'simd' : null;
}

/** Thrown when a call needs more linear memory than wasm32 allows (4 GiB); the kernel set falls back to TypeScript. */
export class WasmMemoryLimitError extends RangeError {}

/** Pages of a shared memory's maximum: all of wasm32 (shared memories cannot grow past their declared maximum). */
const SHARED_MAXIMUM_PAGES = 65536;

/** Regions start on cache lines and keep a cache line of slack: vector loops may read a few floats past a row. */
const ALIGN = 64;
const PAGE = 65536;

export class WasmKernelRuntime {
  readonly exports: WasmKernelExports;
  readonly gemmScratchBytes: number;
  /** The compiled module, which worker threads instantiate over the same (shared) memory. */
  readonly module: WebAssembly.Module;
  private floatView: Float32Array;
  /** Free ranges [start, end) of linear memory above the heap base, sorted and coalesced. */
  private readonly freeRanges: [number, number][] = [];
  /** Size of each allocated block by address. */
  private readonly blocks = new Map<number, number>();
  private scratch = { at: 0, size: 0 };

  /** shared: linear memory is a SharedArrayBuffer that worker threads (threads.ts) run kernels in too. */
  constructor(readonly variant: WasmVariant, readonly shared = false) {
    const module = wasmModule(variant, shared);
    if (module === null) {
      throw new Error(`WASM kernels (${variant}${shared ? ', shared memory' : ''}) are not available: run \`npm run build\` ` +
        'to compile them, or use TORCH_EXPLORER_KERNELS=ts');
    }
    this.module = module;
    const imports: WebAssembly.Imports = shared
      ? { env: { memory: new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAXIMUM_PAGES, shared: true }) } } : {};
    this.exports = new WebAssembly.Instance(module, imports).exports as unknown as WasmKernelExports;
    const heapBase = alignUp(this.exports.heapBase());
    const end = this.exports.memory.buffer.byteLength;
    if (end > heapBase) this.freeRanges.push([heapBase, end]);
    this.gemmScratchBytes = this.exports.gemmScratchBytes();
    this.floatView = new Float32Array(this.exports.memory.buffer);
  }

  /**
   * Byte addresses of consecutive regions of the given byte sizes in the per-call scratch block, growing
   * memory as needed. Addresses stay valid until the next reserve; call `floats` afterwards (growth detaches views).
   */
  reserve(sizes: readonly number[]): number[] {
    const offsets: number[] = [];
    let total = 0;
    for (const size of sizes) {
      offsets.push(total);
      total = alignUp(total + size + ALIGN);
    }
    if (total > this.scratch.size) {
      if (this.scratch.size > 0) this.release(this.scratch.at);
      this.scratch = { at: 0, size: 0 };
      this.scratch = { at: this.allocate(total), size: total };
    }
    return offsets.map((offset) => this.scratch.at + offset);
  }

  /**
   * A persistent block of `bytes` (cache-line aligned, with a cache line of slack) that stays until released;
   * reserve never overlaps it. May grow memory (call `floats` afterwards); throws WasmMemoryLimitError past 4 GiB.
   */
  allocate(bytes: number): number {
    const size = alignUp(bytes + ALIGN);
    let best = -1;
    for (let i = 0; i < this.freeRanges.length; i++) {
      const [start, end] = this.freeRanges[i];
      if (end - start >= size && (best < 0 || end - start < this.freeRanges[best][1] - this.freeRanges[best][0])) best = i;
    }
    if (best < 0) {
      // Grow: extend the free range at the end of memory, if any, else append.
      const memory = this.exports.memory;
      const top = memory.buffer.byteLength;
      const last = this.freeRanges[this.freeRanges.length - 1];
      const start = last !== undefined && last[1] === top ? last[0] : top;
      try {
        memory.grow(Math.ceil((start + size - top) / PAGE));
      } catch {
        throw new WasmMemoryLimitError(`WASM kernels need ${start + size} bytes of linear memory, more than the runtime grants`);
      }
      if (last !== undefined && last[1] === top) last[1] = memory.buffer.byteLength;
      else this.freeRanges.push([top, memory.buffer.byteLength]);
      best = this.freeRanges.length - 1;
    }
    const range = this.freeRanges[best];
    const at = range[0];
    if (range[1] - at === size) this.freeRanges.splice(best, 1);
    else range[0] = at + size;
    this.blocks.set(at, size);
    return at;
  }

  /** Returns a block from allocate to the free ranges. */
  release(at: number): void {
    const size = this.blocks.get(at);
    if (size === undefined) throw new Error(`no WASM memory block at ${at}`);
    this.blocks.delete(at);
    let i = 0;
    while (i < this.freeRanges.length && this.freeRanges[i][0] < at) i++;
    this.freeRanges.splice(i, 0, [at, at + size]);
    // Coalesce with the next range, then with the previous one.
    if (i + 1 < this.freeRanges.length && this.freeRanges[i + 1][0] === at + size) {
      this.freeRanges[i][1] = this.freeRanges[i + 1][1];
      this.freeRanges.splice(i + 1, 1);
    }
    if (i > 0 && this.freeRanges[i - 1][1] === at) {
      this.freeRanges[i - 1][1] = this.freeRanges[i][1];
      this.freeRanges.splice(i, 1);
    }
  }

  /** A float32 view of all of linear memory (element index = byte address >>> 2; addresses may pass 2^31). */
  floats(): Float32Array {
    if (this.floatView.buffer !== this.exports.memory.buffer) this.floatView = new Float32Array(this.exports.memory.buffer);
    return this.floatView;
  }
}

function alignUp(bytes: number): number {
  return Math.ceil(bytes / ALIGN) * ALIGN;
}
