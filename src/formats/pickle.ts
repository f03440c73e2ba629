import { FormatError } from './errors';
import { copyBytes } from './tensor-data';
import { PyDict, PyObject, PyValue, isList, isTuple, makeTuple, pyTypeName } from './py-values';

/**
 * An unpickler that never executes anything: it interprets the protocol 0-5 binary opcodes that
 * Python and PyTorch emit, builds plain values itself, and asks `hooks` for every global. Only a
 * PyCallable that the hooks hand out can be called (REDUCE/NEWOBJ) or built (BUILD).
 */
export interface UnpicklerHooks {
  /** Resolves GLOBAL/STACK_GLOBAL; throws FormatError('ForbiddenGlobal') for anything not allowed. */
  findGlobal(module: string, name: string): PyValue;
  /** Resolves BINPERSID ids (torch storages). Without it persistent ids are refused. */
  persistentLoad?(pid: PyValue): PyValue;
}

/** A global the hooks allow; what it may do is exactly what the methods implement. */
export class PyCallable extends PyObject {
  constructor(readonly pyClass: string,
              readonly call?: (args: readonly PyValue[]) => PyValue,
              readonly construct?: (args: readonly PyValue[]) => PyValue) {
    super();
  }
}

/** Objects that accept BUILD implement this. */
export interface Buildable {
  build(state: PyValue): void;
}

export interface PickleLimits {
  maxMemoEntries: number;
  maxStackItems: number;
  maxMarkDepth: number;
  /** items added to lists, tuples, dicts and sets over the whole pickle */
  maxContainerItems: number;
  /** bytes of one LONG1/LONG4 integer */
  maxIntBytes: number;
}

export const DEFAULT_PICKLE_LIMITS: PickleLimits = {
  maxMemoEntries: 10_000_000, maxStackItems: 10_000_000, maxMarkDepth: 100_000,
  maxContainerItems: 100_000_000, maxIntBytes: 1024,
};

const OPCODE_NAMES: Record<number, string> = {
  0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x53: 'STRING', 0x56: 'UNICODE', 0x70: 'PUT', 0x67: 'GET',
  0x50: 'PERSID', 0x69: 'INST', 0x6f: 'OBJ', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4',
  0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
};

const text = new TextDecoder('utf-8');

export function unpickle(data: Uint8Array, hooks: UnpicklerHooks, limits: Partial<PickleLimits> = {}): PyValue {
  const lim = { ...DEFAULT_PICKLE_LIMITS, ...limits };
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const memo = new Map<number, PyValue>();
  const metastack: PyValue[][] = [];
  let stack: PyValue[] = [];
  let pos = 0;
  let opAt = 0;
  let containerItems = 0;

  const bad = (detail: string): never => {
    throw new FormatError('InvalidPickle', `${detail} (pickle offset ${opAt})`, { offset: opAt });
  };
  const limit = (detail: string): never => {
    throw new FormatError('LimitExceeded', `${detail} (pickle offset ${opAt})`, { offset: opAt });
  };
  const need = (n: number) => {
    if (n > data.length - pos) bad(`the pickle ends inside an opcode that needs ${n} more bytes`);
  };
  const take = (n: number): Uint8Array => {
    need(n);
    pos += n;
    return data.subarray(pos - n, pos);
  };
  const u8 = () => { need(1); return data[pos++]; };
  const u16 = () => { need(2); pos += 2; return view.getUint16(pos - 2, true); };
  const u32 = () => { need(4); pos += 4; return view.getUint32(pos - 4, true); };
  const i32 = () => { need(4); pos += 4; return view.getInt32(pos - 4, true); };
  const u64 = () => {
    need(8);
    pos += 8;
    const v = view.getBigUint64(pos - 8, true);
    return v > BigInt(data.length) ? data.length + 1 : Number(v);
  };
  const line = (): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) bad('a GLOBAL name is not terminated by a newline');
    const s = text.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const push = (v: PyValue) => {
    if (stack.length >= lim.maxStackItems) limit(`more than ${lim.maxStackItems} items on the pickle stack`);
    stack.push(v);
  };
  const pop = (): PyValue => {
    if (stack.length === 0) bad('stack underflow');
    return stack.pop() as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0) bad('stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): PyValue[] => {
    const items = stack;
    const outer = metastack.pop();
    if (!outer) bad('no MARK to pop to');
    stack = outer as PyValue[];
    return items;
  };
  const count = (n: number) => {
    containerItems += n;
    if (containerItems > lim.maxContainerItems) limit(`containers hold more than ${lim.maxContainerItems} items`);
  };
  const memoPut = (index: number) => {
    if (!memo.has(index) && memo.size >= lim.maxMemoEntries) limit(`more than ${lim.maxMemoEntries} memo entries`);
    memo.set(index, top());
  };
  const memoGet = (index: number) => {
    if (!memo.has(index)) bad(`memo key ${index} was never stored`);
    push(memo.get(index) as PyValue);
  };
  const signedLong = (bytes: Uint8Array): number | bigint => {
    if (bytes.length > lim.maxIntBytes) limit(`an integer of ${bytes.length} bytes exceeds ${lim.maxIntBytes}`);
    if (bytes.length === 0) return 0;
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
    if (bytes[bytes.length - 1] & 0x80) v -= 1n << BigInt(8 * bytes.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };
  const list = (v: PyValue): PyValue[] => {
    if (!isList(v)) bad(`cannot append to ${pyTypeName(v)}; only lists take APPEND`);
    return v as PyValue[];
  };
  const dict = (v: PyValue): PyDict => {
    if (!(v instanceof PyDict)) bad(`cannot set items on ${pyTypeName(v)}; only dicts take SETITEM`);
    return v as PyDict;
  };
  const hashable = (k: PyValue): PyValue => {
    if (isList(k) || k instanceof PyDict || k instanceof Set) bad(`unhashable ${pyTypeName(k)} used as a dict key`);
    return k;
  };
  const setItems = (target: PyDict, items: PyValue[]) => {
    if (items.length % 2) bad('SETITEMS needs key/value pairs');
    count(items.length / 2);
    for (let i = 0; i < items.length; i += 2) target.set(hashable(items[i]), items[i + 1]);
  };
  const callable = (v: PyValue, what: string): PyCallable => {
    if (!(v instanceof PyCallable)) bad(`${what} on ${pyTypeName(v)}, which is not an allowed callable`);
    return v as PyCallable;
  };
  const args = (v: PyValue, what: string): readonly PyValue[] => {
    if (!isTuple(v)) bad(`${what} arguments must be a tuple, not ${pyTypeName(v)}`);
    return v as readonly PyValue[];
  };

  while (pos < data.length) {
    opAt = pos;
    const op = data[pos++];
    switch (op) {
      case 0x80: { const proto = u8(); if (proto > 5) bad(`unsupported pickle protocol ${proto}`); break; } // PROTO
      case 0x95: u64(); break; // FRAME: framing is only a buffering hint
      case 0x2e: { // STOP
        const result = pop();
        return result;
      }
      case 0x28: // MARK
        if (metastack.length >= lim.maxMarkDepth) limit(`MARKs nest deeper than ${lim.maxMarkDepth}`);
        metastack.push(stack);
        stack = [];
        break;
      case 0x30: pop(); break; // POP
      case 0x31: popMark(); break; // POP_MARK
      case 0x32: push(top()); break; // DUP
      case 0x4e: push(null); break; // NONE
      case 0x88: push(true); break; // NEWTRUE
      case 0x89: push(false); break; // NEWFALSE
      case 0x4a: push(i32()); break; // BININT
      case 0x4b: push(u8()); break; // BININT1
      case 0x4d: push(u16()); break; // BININT2
      case 0x8a: push(signedLong(take(u8()))); break; // LONG1
      case 0x8b: { const n = i32(); if (n < 0) bad('negative LONG4 length'); push(signedLong(take(n))); break; } // LONG4
      case 0x47: { need(8); pos += 8; push(view.getFloat64(pos - 8, false)); break; } // BINFLOAT
      case 0x58: push(text.decode(take(u32()))); break; // BINUNICODE
      case 0x8c: push(text.decode(take(u8()))); break; // SHORT_BINUNICODE
      case 0x8d: push(text.decode(take(u64()))); break; // BINUNICODE8
      case 0x54: { const n = i32(); if (n < 0) bad('negative BINSTRING length'); push(text.decode(take(n))); break; } // BINSTRING
      case 0x55: push(text.decode(take(u8()))); break; // SHORT_BINSTRING (Python 2 str, read as UTF-8 like torch.load)
      case 0x42: push(copyBytes(take(u32()))); break; // BINBYTES
      case 0x43: push(copyBytes(take(u8()))); break; // SHORT_BINBYTES
      case 0x8e: case 0x96: push(copyBytes(take(u64()))); break; // BINBYTES8, BYTEARRAY8
      case 0x29: push(makeTuple([])); break; // EMPTY_TUPLE
      case 0x85: { const a = pop(); count(1); push(makeTuple([a])); break; } // TUPLE1
      case 0x86: { const b = pop(); const a = pop(); count(2); push(makeTuple([a, b])); break; } // TUPLE2
      case 0x87: { const c = pop(); const b = pop(); const a = pop(); count(3); push(makeTuple([a, b, c])); break; } // TUPLE3
      case 0x74: { const items = popMark(); count(items.length); push(makeTuple(items)); break; } // TUPLE
      case 0x5d: push([]); break; // EMPTY_LIST
      case 0x6c: { const items = popMark(); count(items.length); push(items); break; } // LIST
      case 0x7d: push(new PyDict()); break; // EMPTY_DICT
      case 0x64: { const items = popMark(); const d = new PyDict(); setItems(d, items); push(d); break; } // DICT
      case 0x8f: push(new Set<PyValue>()); break; // EMPTY_SET
      case 0x61: { const item = pop(); count(1); list(top()).push(item); break; } // APPEND
      case 0x65: { const items = popMark(); count(items.length); const l = list(top()); for (const i of items) l.push(i); break; } // APPENDS
      case 0x73: { const v = pop(); const k = pop(); count(1); dict(top()).set(hashable(k), v); break; } // SETITEM
      case 0x75: { const items = popMark(); setItems(dict(top()), items); break; } // SETITEMS
      case 0x90: { // ADDITEMS
        const items = popMark();
        const s = top();
        if (!(s instanceof Set)) bad(`cannot add items to ${pyTypeName(s)}`);
        count(items.length);
        for (const i of items) (s as Set<PyValue>).add(hashable(i));
        break;
      }
      case 0x91: { const items = popMark(); count(items.length); push(new Set(items.map(hashable))); break; } // FROZENSET
      case 0x63: { const module = line(); const name = line(); push(hooks.findGlobal(module, name)); break; } // GLOBAL
      case 0x93: { // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') bad('STACK_GLOBAL needs two strings');
        push(hooks.findGlobal(module as string, name as string));
        break;
      }
      case 0x71: memoPut(u8()); break; // BINPUT
      case 0x72: memoPut(u32()); break; // LONG_BINPUT
      case 0x94: memoPut(memo.size); break; // MEMOIZE
      case 0x68: memoGet(u8()); break; // BINGET
      case 0x6a: memoGet(u32()); break; // LONG_BINGET
      case 0x51: { // BINPERSID
        const pid = pop();
        if (!hooks.persistentLoad) bad('this pickle refers to external data (a persistent id) but none is available');
        push((hooks.persistentLoad as (p: PyValue) => PyValue)(pid));
        break;
      }
      case 0x52: { // REDUCE
        const a = args(pop(), 'REDUCE');
        const f = callable(pop(), 'REDUCE');
        if (!f.call) bad(`${f.pyClass} cannot be called`);
        push((f.call as (a: readonly PyValue[]) => PyValue)(a));
        break;
      }
      case 0x81: { // NEWOBJ
        const a = args(pop(), 'NEWOBJ');
        const cls = callable(pop(), 'NEWOBJ');
        if (!cls.construct) bad(`${cls.pyClass} cannot be instantiated`);
        push((cls.construct as (a: readonly PyValue[]) => PyValue)(a));
        break;
      }
      case 0x92: { // NEWOBJ_EX
        const kwargs = pop();
        const a = args(pop(), 'NEWOBJ_EX');
        const cls = callable(pop(), 'NEWOBJ_EX');
        if (!(kwargs instanceof PyDict) || kwargs.size > 0) bad('NEWOBJ_EX with keyword arguments is not supported');
        if (!cls.construct) bad(`${cls.pyClass} cannot be instantiated`);
        push((cls.construct as (a: readonly PyValue[]) => PyValue)(a));
        break;
      }
      case 0x62: { // BUILD
        const state = pop();
        const inst = top();
        if (inst instanceof PyDict) buildDict(inst, state, bad);
        else if (inst instanceof PyObject && typeof (inst as unknown as Buildable).build === 'function') (inst as unknown as Buildable).build(state);
        else bad(`BUILD on ${pyTypeName(inst)} is not allowed`);
        break;
      }
      default: {
        const name = OPCODE_NAMES[op];
        throw new FormatError('UnsupportedOpcode',
          `${name ? `opcode ${name}` : `unknown opcode 0x${op.toString(16).padStart(2, '0')}`} is not supported (pickle offset ${opAt})`,
          { offset: opAt });
      }
    }
  }
  return bad('the pickle ends without a STOP opcode');
}

/** BUILD on a dict sets attributes (state_dict()'s `_metadata`), as `inst.__dict__.update(state)`. */
function buildDict(target: PyDict, state: PyValue, bad: (d: string) => never): void {
  let attributes = state;
  if (isTuple(state) && state.length === 2) attributes = state[0] === null ? state[1] : state[0];
  if (attributes === null) return;
  if (!(attributes instanceof PyDict)) return bad(`BUILD state for a dict must be a dict, not ${pyTypeName(attributes)}`);
  target.attributes ??= new Map();
  for (const [k, v] of attributes) {
    if (typeof k !== 'string') return bad(`attribute names must be strings, not ${pyTypeName(k)}`);
    target.attributes.set(k, v);
  }
}
