/**
 * A strict RFC 8259 JSON parser for untrusted headers. Unlike JSON.parse it rejects duplicate object
 * keys (JSON.parse keeps the last one silently), bounds nesting depth, keeps number text so integers
 * beyond 2^53 are not rounded, and preserves key order (objects are Maps).
 */
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | Map<string, JsonValue>;

export class JsonNumber {
  constructor(readonly text: string) {}
  /** The exact value when the number is a non-negative integer written without fraction or exponent. */
  unsignedInteger(): bigint | undefined {
    return /^(0|[1-9][0-9]*)$/.test(this.text) ? BigInt(this.text) : undefined;
  }
  toNumber(): number {
    return Number(this.text);
  }
}

export class JsonSyntaxError extends Error {
  constructor(message: string, readonly position: number, readonly duplicateKey?: string) {
    super(`${message} at character ${position}`);
  }
}

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const PLAIN_STRING = /[^"\\\u0000-\u001f]*/y;

export function parseJsonStrict(text: string, maxDepth = 64): JsonValue {
  let pos = 0;

  const fail = (message: string, at = pos): never => {
    throw new JsonSyntaxError(message, at);
  };
  const skipSpace = () => {
    for (;;) {
      const c = text.charCodeAt(pos);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) pos++;
      else return;
    }
  };
  const expectChar = (ch: string) => {
    if (text[pos] !== ch) fail(`expected '${ch}'`);
    pos++;
  };

  const parseString = (): string => {
    expectChar('"');
    let out = '';
    for (;;) {
      PLAIN_STRING.lastIndex = pos;
      PLAIN_STRING.exec(text);
      out += text.slice(pos, PLAIN_STRING.lastIndex);
      pos = PLAIN_STRING.lastIndex;
      const c = text[pos];
      if (c === '"') {
        pos++;
        return out;
      }
      if (c !== '\\') fail(c === undefined ? 'unterminated string' : 'control character in string');
      const e = text[pos + 1];
      pos += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': out += parseUnicodeEscape(); break;
        default: fail('invalid escape', pos - 2);
      }
    }
  };

  const hex4 = (): number => {
    const digits = text.slice(pos, pos + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(digits)) fail('invalid \\u escape');
    pos += 4;
    return parseInt(digits, 16);
  };

  // Lone surrogates cannot become UTF-8; serde_json (the reference's parser) rejects them too.
  const parseUnicodeEscape = (): string => {
    const unit = hex4();
    if (unit >= 0xdc00 && unit <= 0xdfff) fail('lone trailing surrogate in \\u escape');
    if (unit < 0xd800 || unit > 0xdbff) return String.fromCharCode(unit);
    if (text[pos] !== '\\' || text[pos + 1] !== 'u') fail('lone leading surrogate in \\u escape');
    pos += 2;
    const low = hex4();
    if (low < 0xdc00 || low > 0xdfff) fail('invalid low surrogate in \\u escape');
    return String.fromCharCode(unit, low);
  };

  // Containers are parsed iteratively with an explicit stack so depth is bounded by maxDepth, not by
  // the JavaScript call stack.
  type Frame = { container: JsonValue[] | Map<string, JsonValue>; key?: string };
  const stack: Frame[] = [];

  const parseScalarOrOpen = (): JsonValue | Frame => {
    skipSpace();
    const c = text[pos];
    if (c === '{' || c === '[') {
      if (stack.length >= maxDepth) fail(`nesting deeper than ${maxDepth}`);
      pos++;
      return { container: c === '{' ? new Map() : [] };
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', pos)) { pos += 4; return true; }
    if (text.startsWith('false', pos)) { pos += 5; return false; }
    if (text.startsWith('null', pos)) { pos += 4; return null; }
    NUMBER.lastIndex = pos;
    const m = NUMBER.exec(text);
    if (!m || m[0].length === 0) fail(c === undefined ? 'unexpected end of input' : `unexpected character '${c}'`);
    pos += (m as RegExpExecArray)[0].length;
    return new JsonNumber((m as RegExpExecArray)[0]);
  };

  const isFrame = (v: JsonValue | Frame): v is Frame =>
    typeof v === 'object' && v !== null && !(v instanceof JsonNumber) && !Array.isArray(v) && !(v instanceof Map);

  // Reads the next key of an object frame (or closes it); returns true when the frame closed.
  const beginMember = (frame: Frame, first: boolean): boolean => {
    skipSpace();
    const map = frame.container as Map<string, JsonValue>;
    if (text[pos] === '}' && first) { pos++; return true; }
    if (!first) {
      if (text[pos] === '}') { pos++; return true; }
      expectChar(',');
      skipSpace();
    }
    const keyStart = pos;
    const key = parseString();
    if (map.has(key)) throw new JsonSyntaxError(`duplicate key ${JSON.stringify(key)}`, keyStart, key);
    skipSpace();
    expectChar(':');
    frame.key = key;
    return false;
  };
  const beginElement = (first: boolean): boolean => {
    skipSpace();
    if (text[pos] === ']') { pos++; return true; }
    if (!first) { expectChar(','); }
    return false;
  };

  let result: JsonValue | undefined;
  let value = parseScalarOrOpen();
  for (;;) {
    if (isFrame(value)) {
      stack.push(value);
      const closed = value.container instanceof Map ? beginMember(value, true) : beginElement(true);
      if (!closed) { value = parseScalarOrOpen(); continue; }
      stack.pop();
      value = value.container;
    }
    // `value` is complete: attach it to the enclosing container, then continue that container.
    let done: JsonValue = value;
    for (;;) {
      const frame = stack[stack.length - 1];
      if (!frame) { result = done; break; }
      if (frame.container instanceof Map) frame.container.set(frame.key as string, done);
      else frame.container.push(done);
      const closed = frame.container instanceof Map ? beginMember(frame, false) : beginElement(false);
      if (!closed) break;
      stack.pop();
      done = frame.container;
    }
    if (result !== undefined) break;
    value = parseScalarOrOpen();
  }
  skipSpace();
  if (pos !== text.length) fail('trailing characters after the JSON value');
  return result;
}

/** Plain JavaScript value of parsed JSON (objects become plain objects, numbers become numbers). */
export function jsonToPlain(value: JsonValue): unknown {
  if (value instanceof JsonNumber) return value.toNumber();
  if (Array.isArray(value)) return value.map(jsonToPlain);
  if (value instanceof Map) {
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of value) out[k] = jsonToPlain(v);
    return out;
  }
  return value;
}
