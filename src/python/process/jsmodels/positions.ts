// Positions in workspace model files. Sucrase keeps lines but moves columns (`nn.X` becomes `_engine.nn.X`,
// `import` lines become `require` calls), so generated columns go back through its token-level source map.
// Stack frames are read from V8's text format, the only one left once Error.prepareStackTrace is pinned.

export interface Position {
  /** 1-based, like the protocol's SourceLocation. */
  line: number;
  /** 0-based UTF-16 column. */
  column: number;
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DIGIT = new Map([...BASE64].map((c, i) => [c, i]));

/** [generated column, original line (0-based), original column] per generated line, in column order. */
type Segment = [number, number, number];

function decodeMappings(mappings: string): Segment[][] {
  const lines: Segment[][] = [];
  let sourceLine = 0, sourceColumn = 0;
  for (const lineText of mappings.split(';')) {
    const segments: Segment[] = [];
    let generatedColumn = 0;
    for (const text of lineText.split(',')) {
      if (!text) continue;
      const fields: number[] = [];
      let value = 0, shift = 0;
      for (const c of text) {
        const digit = DIGIT.get(c) ?? 0;
        value += (digit & 31) << shift;
        if (digit & 32) {
          shift += 5;
          continue;
        }
        fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
        value = 0;
        shift = 0;
      }
      generatedColumn += fields[0];
      if (fields.length < 4) continue;
      sourceLine += fields[2];
      sourceColumn += fields[3];
      segments.push([generatedColumn, sourceLine, sourceColumn]);
    }
    lines.push(segments);
  }
  return lines;
}

/** Maps positions in sucrase's output back to the file the user wrote. */
export class LineMap {
  private readonly lines: Segment[][];

  constructor(mappings: string | undefined) {
    this.lines = mappings ? decodeMappings(mappings) : [];
  }

  /** `line` 1-based, `column` 0-based, both in the generated code. */
  original(line: number, column: number): Position {
    const segments = this.lines[line - 1];
    let best: Segment | undefined;
    for (const segment of segments ?? []) {
      if (segment[0] > column) break;
      best = segment;
    }
    if (!best) return { line, column };
    return { line: best[1] + 1, column: best[2] + (column - best[0]) };
  }
}

export interface StackFrame {
  /** `new ConvBlock`, `TinyCNN.forward`, or undefined for anonymous code. */
  fn?: string;
  file: string;
  line: number;
  /** 0-based (V8 prints 1-based columns). */
  column: number;
}

const FRAME = /^\s*at (?:(.*?) \()?(.+?):(\d+):(\d+)\)?$/;

export function parseStack(stack: unknown): StackFrame[] {
  if (typeof stack !== 'string') return [];
  const frames: StackFrame[] = [];
  for (const text of stack.split('\n')) {
    const m = FRAME.exec(text);
    if (!m) continue;
    // a module's top level runs as a function called on `exports`: V8 names it Object.<anonymous>
    const fn = m[1] === 'Object.<anonymous>' ? '<module>' : m[1]?.replace(/^async /, '');
    frames.push({ ...(fn ? { fn } : {}), file: m[2], line: Number(m[3]), column: Number(m[4]) - 1 });
  }
  return frames;
}

/** The current call stack below `above` (excluded), deeper than V8's default of 10 frames. */
export function captureFrames(above: Function, limit = 64): StackFrame[] {
  const holder: { stack?: string } = {};
  const previous = Error.stackTraceLimit;
  Error.stackTraceLimit = limit;
  try {
    Error.captureStackTrace(holder, above);
  } finally {
    Error.stackTraceLimit = previous;
  }
  return parseStack(holder.stack);
}
