// Statistics, histograms and heatmaps of a tensor, computed chunk by chunk: the extension host gets the event
// loop back between chunks (a 1-GB tensor never blocks it for long) and a cancelled token stops the work.
import type { HeatmapData, HistogramData, TensorStats } from '../../protocol/inspector';
import { TensorSource, numelOf } from './tensor-source';
import { NumericValues, numericValues } from './values';

export interface CancelToken { readonly isCancellationRequested: boolean }

export class CancelledError extends Error {
  constructor() { super('cancelled'); this.name = 'CancelledError'; }
}

export interface ChunkOptions {
  token?: CancelToken;
  /** fraction done, 0..1 */
  onProgress?: (fraction: number) => void;
  /** elements per read; a chunk's work is what blocks the host at most */
  chunkElements?: number;
}

const DEFAULT_CHUNK = 1 << 20;
const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

async function forEachChunk(source: TensorSource, start: number, count: number, options: ChunkOptions,
                            visit: (values: NumericValues, offset: number) => void): Promise<void> {
  const chunk = options.chunkElements ?? DEFAULT_CHUNK;
  for (let done = 0; done < count;) {
    if (options.token?.isCancellationRequested) throw new CancelledError();
    const n = Math.min(chunk, count - done);
    visit(numericValues(source.info.dtype, await source.read(start + done, n)), done);
    done += n;
    options.onProgress?.(done / count);
    if (done < count) await yieldToEventLoop();
  }
}

/** One pass: counts, min/max, and mean/variance merged per chunk (Chan et al.), which stays accurate. */
export async function computeStats(source: TensorSource, options: ChunkOptions = {}): Promise<TensorStats> {
  const started = Date.now();
  const numel = numelOf(source.info.shape);
  let finite = 0, mean = 0, m2 = 0, min = Infinity, max = -Infinity, zeros = 0, nan = 0, posInf = 0, negInf = 0;
  await forEachChunk(source, 0, numel, options, (values) => {
    let n = 0, sum = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (v === 0) zeros++;
      if (Number.isFinite(v)) {
        n++;
        sum += v;
        if (v < min) min = v;
        if (v > max) max = v;
      } else if (Number.isNaN(v)) nan++;
      else if (v > 0) posInf++;
      else negInf++;
    }
    if (n === 0) return;
    const chunkMean = sum / n;
    let chunkM2 = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v)) chunkM2 += (v - chunkMean) * (v - chunkMean);
    }
    const total = finite + n;
    const delta = chunkMean - mean;
    mean += (delta * n) / total;
    m2 += chunkM2 + (delta * delta * finite * n) / total;
    finite = total;
  });
  return {
    numel, finite, zeros, nan, posInf, negInf,
    sparsity: numel ? zeros / numel : 0,
    min: finite ? min : undefined,
    max: finite ? max : undefined,
    mean: finite ? mean : undefined,
    std: finite > 1 ? Math.sqrt(m2 / (finite - 1)) : undefined,
    ms: Date.now() - started,
  };
}

const INTEGER_DTYPES = new Set(['int64', 'int32', 'int16', 'int8', 'uint8', 'uint16', 'uint32', 'uint64', 'bool']);

/** Bin edges over the finite range; integer tensors with a small range get one bin per integer. */
export function histogramEdges(dtype: string, min: number, max: number, bins: number): number[] {
  if (INTEGER_DTYPES.has(dtype) && max - min + 1 <= bins) {
    return Array.from({ length: max - min + 2 }, (_, i) => min - 0.5 + i);
  }
  if (min === max) return [min - 0.5, max + 0.5];
  return Array.from({ length: bins + 1 }, (_, i) => (i === bins ? max : min + ((max - min) * i) / bins));
}

export async function computeHistogram(source: TensorSource, stats: TensorStats, bins: number, options: ChunkOptions = {}): Promise<HistogramData> {
  if (stats.min === undefined || stats.max === undefined) {
    return { min: NaN, max: NaN, edges: [], counts: [], excluded: stats.numel };
  }
  const edges = histogramEdges(source.info.dtype, stats.min, stats.max, Math.max(1, Math.min(1024, Math.floor(bins))));
  const counts = new Array<number>(edges.length - 1).fill(0);
  const lo = edges[0];
  const width = (edges[edges.length - 1] - lo) / counts.length;
  const last = counts.length - 1;
  await forEachChunk(source, 0, stats.numel, options, (values) => {
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (!Number.isFinite(v)) continue;
      const bin = Math.floor((v - lo) / width);
      counts[bin < 0 ? 0 : bin > last ? last : bin]++;
    }
  });
  return { min: stats.min, max: stats.max, edges, counts, excluded: stats.numel - stats.finite };
}

// ---- heatmaps -----------------------------------------------------------------------------------

/** Largest image side drawn cell by cell; bigger images average blocks of values into one cell. */
export const MAX_HEATMAP_SIDE = 512;
/** Largest slice of a conv weight read for one channel's tiles. */
const MAX_SLICE_ELEMENTS = 1 << 20;

/** Averages a rows x cols image into blocks, fed in C order in pieces of any size. */
class BlockAverager {
  readonly rowStep: number;
  readonly colStep: number;
  readonly outRows: number;
  readonly outCols: number;
  private readonly sums: Float64Array;
  private readonly counts: Uint32Array;
  private row = 0;
  private col = 0;

  constructor(private readonly rows: number, private readonly cols: number, maxSide = MAX_HEATMAP_SIDE) {
    this.rowStep = Math.max(1, Math.ceil(rows / maxSide));
    this.colStep = Math.max(1, Math.ceil(cols / maxSide));
    this.outRows = Math.ceil(rows / this.rowStep);
    this.outCols = Math.ceil(cols / this.colStep);
    this.sums = new Float64Array(this.outRows * this.outCols);
    this.counts = new Uint32Array(this.outRows * this.outCols);
  }

  add(values: ArrayLike<number>): void {
    const { cols, colStep, rowStep, outCols, sums, counts } = this;
    let { row, col } = this;
    let base = Math.floor(row / rowStep) * outCols;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      if (Number.isFinite(v)) {
        const cell = base + Math.floor(col / colStep);
        sums[cell] += v;
        counts[cell]++;
      }
      if (++col === cols) {
        col = 0;
        row++;
        base = Math.floor(row / rowStep) * outCols;
      }
    }
    this.row = row;
    this.col = col;
  }

  /** block means; NaN for a block without finite values */
  writeTo(out: Float32Array, at: number): void {
    for (let i = 0; i < this.sums.length; i++) out[at + i] = this.counts[i] ? this.sums[i] / this.counts[i] : NaN;
  }
}

/** How many heatmap channels a shape has: 0 when it has no heatmap, 1 for 2-D, dim 0 for 3-D and 4-D. */
export function heatmapChannels(shape: readonly number[]): number {
  if (shape.length === 2) return 1;
  if (shape.length === 3 || shape.length === 4) return shape[0];
  return 0;
}

/**
 * 2-D: the matrix. 3-D: the matrix at index `channel` of dim 0. 4-D (a conv weight [out, in, kh, kw]): for
 * output channel `channel`, one kh x kw tile per input channel.
 */
export async function computeHeatmap(source: TensorSource, stats: TensorStats, channel: number, options: ChunkOptions = {}): Promise<HeatmapData> {
  const shape = source.info.shape;
  const channels = heatmapChannels(shape);
  if (channels === 0) throw new Error(`heatmaps are drawn for 2-D, 3-D and 4-D tensors; ${source.info.name} has ${shape.length} dimensions`);
  if (!Number.isInteger(channel) || channel < 0 || channel >= channels) {
    throw new RangeError(`channel ${channel} is outside 0..${channels - 1}`);
  }
  const scale = Math.max(Math.abs(stats.min ?? 0), Math.abs(stats.max ?? 0));
  if (shape.length <= 3) {
    const [rows, cols] = shape.slice(-2);
    const image = new BlockAverager(rows, cols);
    await forEachChunk(source, channel * rows * cols, rows * cols, options, (values) => image.add(values));
    const data = new Float32Array(image.outRows * image.outCols);
    image.writeTo(data, 0);
    return {
      channel, channels: shape.length === 2 ? 1 : channels, tiles: 1, tilesOmitted: 0,
      tileRows: image.outRows, tileCols: image.outCols, rowStep: image.rowStep, colStep: image.colStep,
      data: data.buffer, scale,
    };
  }
  const [, inputs, kh, kw] = shape;
  const tileSize = kh * kw;
  const tiles = Math.max(0, Math.min(inputs, Math.floor(MAX_SLICE_ELEMENTS / Math.max(1, tileSize))));
  const sliceStart = channel * inputs * tileSize;
  let first: BlockAverager | undefined;
  let data = new Float32Array(0);
  const slice = new Float32Array(tiles * tileSize);
  await forEachChunk(source, sliceStart, tiles * tileSize, options, (values, offset) => slice.set(values, offset));
  for (let t = 0; t < tiles; t++) {
    const tile = new BlockAverager(kh, kw, 64);
    tile.add(slice.subarray(t * tileSize, (t + 1) * tileSize));
    if (!first) {
      first = tile;
      data = new Float32Array(tiles * tile.outRows * tile.outCols);
    }
    tile.writeTo(data, t * first.outRows * first.outCols);
  }
  return {
    channel, channels, tiles, tilesOmitted: inputs - tiles,
    tileRows: first?.outRows ?? kh, tileCols: first?.outCols ?? kw, rowStep: first?.rowStep ?? 1, colStep: first?.colStep ?? 1,
    data: data.buffer, scale, tileLabel: 'in channel',
  };
}
