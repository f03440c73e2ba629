// Loading the WASM kernel module and laying out its linear memory.
//
// The module bytes are embedded as base64 by the build (kernels-wasm.generated.ts), so loading needs no
// file access and works in Node, webviews and workers alike. Operands are copied into linear memory
// above the module's heap base for each call: memory grows to the largest call seen and is reused.

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
    columns: number, columnCapacity: number, scratch: number, oyBegin: number, oyEnd: number): void;
  maxPool2d(planes: number, h: number, w: number, kh: number, kw: number, strideH: number, strideW: number,
    padH: number, padW: number, dilationH: number, dilationW: number, outH: number, outW: number, input: number, out: number): void;
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
  private readonly heapBase: number;
  private floatView: Float32Array;

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
    this.heapBase = alignUp(this.exports.heapBase());
    this.gemmScratchBytes = this.exports.gemmScratchBytes();
    this.floatView = new Float32Array(this.exports.memory.buffer);
  }

  /**
   * Byte addresses of consecutive regions of the given byte sizes above the heap base, growing memory
   * as needed. Addresses stay valid until the next reserve; call `floats` afterwards (growth detaches views).
   */
  reserve(sizes: readonly number[]): number[] {
    const addresses: number[] = [];
    let end = this.heapBase;
    for (const size of sizes) {
      addresses.push(end);
      end = alignUp(end + size + ALIGN);
    }
    const memory = this.exports.memory;
    if (end > memory.buffer.byteLength) {
      const pages = Math.ceil((end - memory.buffer.byteLength) / PAGE);
      try {
        memory.grow(pages);
      } catch {
        throw new WasmMemoryLimitError(`WASM kernels need ${end} bytes of linear memory, more than the runtime grants`);
      }
    }
    return addresses;
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
