/**
 * Python values as an unpickled checkpoint holds them. Plain data maps to plain JS: None -> null,
 * int -> number (bigint beyond 2^53), float -> number, str -> string, bytes -> Uint8Array,
 * list -> array, tuple -> frozen array marked by `isTuple`, dict/OrderedDict -> PyDict (a Map that
 * keeps insertion order), set -> Set. Tensors, storages, dtypes and allowed globals are PyObjects.
 */
export type PyValue =
  | null | boolean | number | bigint | string | Uint8Array
  | PyValue[] | PyDict | Set<PyValue> | PyObject;

/** A Python dict; `ordered` marks collections.OrderedDict. `attributes` holds what BUILD set on it. */
export class PyDict extends Map<PyValue, PyValue> {
  attributes?: Map<string, PyValue>;
  constructor(readonly ordered = false, entries?: Iterable<readonly [PyValue, PyValue]>) {
    super(entries);
  }
}

/** Base of every non-plain value; `pyClass` is the Python qualified name. */
export abstract class PyObject {
  abstract readonly pyClass: string;
}

/** A harmless object rebuilt from an allowed global, kept as its class name and arguments. */
export class PyReduced extends PyObject {
  constructor(readonly pyClass: string, readonly args: readonly PyValue[]) {
    super();
  }
}

const tuples = new WeakSet<object>();

export function makeTuple(items: PyValue[]): PyValue[] {
  tuples.add(items);
  return Object.freeze(items) as PyValue[];
}

export function isTuple(value: unknown): value is readonly PyValue[] {
  return typeof value === 'object' && value !== null && tuples.has(value);
}

export function isList(value: unknown): value is PyValue[] {
  return Array.isArray(value) && !tuples.has(value);
}

/** Python's repr-like name of a value's type, for error messages. */
export function pyTypeName(value: PyValue | undefined): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'None';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'float';
  if (typeof value === 'bigint') return 'int';
  if (typeof value === 'string') return 'str';
  if (value instanceof Uint8Array) return 'bytes';
  if (isTuple(value)) return 'tuple';
  if (Array.isArray(value)) return 'list';
  if (value instanceof PyDict) return value.ordered ? 'collections.OrderedDict' : 'dict';
  if (value instanceof Set) return 'set';
  return value.pyClass;
}

export function isSafeIndex(value: PyValue | undefined): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
