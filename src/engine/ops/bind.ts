// Python-signature binding shared by the torch namespace, Tensor methods and torch.nn.functional.
import { signature } from '../args';
import { PyFloat } from '../dtype';
import { Tensor } from '../tensor';

/**
 * A function with PyTorch's exact signature: `def('clamp(input, min=None, max=None)', (a) => ...)` accepts
 * positional values followed by an optional kwargs object, as in `torch.clamp(x, { min: 0 })`.
 */
export function def<R>(text: string, impl: (a: Record<string, any>) => R): (...args: unknown[]) => R {
  const sig = signature(text);
  return (...args: unknown[]) => impl(sig.bind(args));
}

/** A Python number (int, float, a float wrapped in PyFloat, a bool, or a one-element tensor) as a JS number. */
export function num(x: unknown): number {
  if (x instanceof PyFloat) return x.value;
  if (typeof x === 'boolean') return x ? 1 : 0;
  if (typeof x === 'number') return x;
  if (x instanceof Tensor && x.numel() === 1) return Number(x.item());
  throw new TypeError(`expected a number, but got ${describe(x)}`);
}

export function describe(x: unknown): string {
  if (x === null || x === undefined) return 'NoneType';
  if (x instanceof Tensor) return 'Tensor';
  if (Array.isArray(x)) return 'tuple';
  if (typeof x === 'number') return Number.isInteger(x) ? 'int' : 'float';
  return typeof x;
}

export function tensorArg(x: unknown, fn: string, name = 'input'): Tensor {
  if (!(x instanceof Tensor))
    throw new TypeError(`${fn}(): argument '${name}' must be Tensor, not ${describe(x)}`);
  return x;
}

/** PyTorch's _single/_pair: an int, or a sequence of n ints (a one-element sequence repeats). */
export function tuple(x: unknown, n: number, what: string): number[] {
  if (typeof x === 'number' || x instanceof PyFloat) return new Array(n).fill(num(x));
  if (Array.isArray(x) && x.length === 1) return new Array(n).fill(num(x[0]));
  if (Array.isArray(x) && x.length === n) return x.map(num);
  throw new TypeError(`${what} must be an int or a tuple of ${n} ints, but got ${JSON.stringify(x)}`);
}

/** A dim list argument: an int or a sequence of ints. */
export const dimList = (x: unknown): number[] => (Array.isArray(x) ? x.map(num) : [num(x)]);
