// The pruning method classes of torch.nn.utils.prune (BasePruningMethod, PruningContainer, Identity,
// RandomUnstructured, L1Unstructured, RandomStructured, LnStructured, CustomFromMask) with PyTorch's state
// changes and messages. Where PyTorch uses topk, masks come from smallestK (prune-select.ts): the same
// sets, ties aside. The functional API is in prune.ts.
import { signature } from '../../args';
import { PyFloat } from '../../dtype';
import { ones_like, rand, rand_like } from '../../ops/factories';
import { Slice, Tensor } from '../../tensor';
import { hasattr, Module } from '../module';
import { AttributeError, KeyError, PyIndexError, str, ValueError } from '../python';
import { NormOrder, pyRound, smallestK, vectorNorm } from './prune-select';

export class AssertionError extends Error {
  override name = 'AssertionError';
}

export type Amount = number | PyFloat;
export type PruningType = 'unstructured' | 'structured' | 'global';

// ---- attribute access as Python's getattr/setattr/delattr on a Module ----
export const getattr = (m: Module, name: string): any => {
  if (!hasattr(m, name)) throw new AttributeError(`'${m._get_name()}' object has no attribute '${name}'`);
  return (m as any)[name];
};
const setattr = (m: Module, name: string, value: unknown): void => { (m as any)[name] = value; };
const delattr = (m: Module, name: string): void => { delete (m as any)[name]; };
const sizeRepr = (t: Tensor) => `torch.Size([${t.shape.join(', ')}])`;

/** A forward pre-hook carries the method it runs, as PyTorch's hook *is* the method object. */
const METHOD = Symbol('pruningMethod');
type PruningHook = ((module: Module, inputs: unknown[]) => void) & { [METHOD]: BasePruningMethod };

/** The pruning method behind a forward pre-hook, if the hook is one (Python: isinstance(hook, BasePruningMethod)). */
export function pruningMethodOf(hook: unknown): BasePruningMethod | undefined {
  return typeof hook === 'function' ? (hook as Partial<PruningHook>)[METHOD] : undefined;
}

// ---- amount rules (_validate_pruning_amount_init, _compute_nparams_toprune, ...) ----

const isIntegral = (a: unknown): boolean => typeof a === 'boolean' || (typeof a === 'number' && Number.isInteger(a));
const isReal = (a: unknown): boolean => typeof a === 'number' || typeof a === 'boolean' || a instanceof PyFloat;
const realValue = (a: unknown): number => (a instanceof PyFloat ? a.value : Number(a));

function validateAmountInit(amount: unknown): void {
  if (!isReal(amount)) throw new TypeError(`Invalid type for amount: ${str(amount)}. Must be int or float.`);
  const v = realValue(amount);
  if ((isIntegral(amount) && v < 0) || (!isIntegral(amount) && (v > 1 || v < 0)))
    throw new ValueError(`amount=${str(amount)} should either be a float in the range [0, 1] or a non-negative integer`);
}

/** _compute_nparams_toprune, then _validate_pruning_amount against `size`. */
function pruneCount(amount: unknown, size: number): number {
  let count: number;
  if (isIntegral(amount)) {
    count = realValue(amount);
  } else {
    const product = realValue(amount) * size;
    if (Number.isNaN(product)) throw new ValueError('cannot convert float NaN to integer');
    count = pyRound(product);
  }
  if (count > size) throw new ValueError(`amount=${count} should be smaller than the number of parameters to prune=${size}`);
  return count;
}

/** The unstructured methods: default_mask with the `count` entries of smallest score zeroed; scores are drawn only when pruning. */
function unstructuredMask(amount: Amount, t: Tensor, default_mask: Tensor, scores: () => Tensor): Tensor {
  const count = pruneCount(amount, t.numel());
  const mask = default_mask.clone();
  return count === 0 ? mask : mask.masked_fill(smallestK(scores(), count).view(mask.shape as number[]), 0);
}

function validateStructured(t: Tensor): void {
  if (t.ndim <= 1)
    throw new ValueError(`Structured pruning can only be applied to multidimensional tensors. Found tensor of shape ${sizeRepr(t)} with ${t.ndim} dims`);
}

function validateDim(t: Tensor, dim: number): void {
  if (dim >= t.ndim) throw new PyIndexError(`Invalid index ${dim} for tensor of size ${sizeRepr(t)}`);
}

/** t.shape[dim] with Python's negative indexing. */
function channels(t: Tensor, dim: number): number {
  const d = dim < 0 ? dim + t.ndim : dim;
  if (d < 0) throw new PyIndexError('tuple index out of range');
  return t.shape[d];
}

/** The structured methods' checks; the number of channels along dim and how many of them to prune. */
function structuredCount(t: Tensor, dim: number, amount: Amount): { size: number; count: number } {
  validateStructured(t);
  validateDim(t, dim);
  const size = channels(t, dim);
  return { size, count: pruneCount(amount, size) };
}

/** A mask of t's shape: 1 on kept channels along dim, times default_mask (PyTorch's make_mask + `*=`). */
function channelMask(t: Tensor, dim: number, keep: Tensor, defaultMask: Tensor): Tensor {
  const d = dim < 0 ? dim + t.ndim : dim;
  const shape = t.shape.map((s, i) => (i === d ? s : 1));
  const mask = keep.reshape(shape).type(t.dtype).expand(t.shape as number[]).contiguous();
  return mask.mul(defaultMask.type(mask.dtype));
}

// ---- the methods ----

export abstract class BasePruningMethod {
  static PRUNING_TYPE: PruningType;
  _tensor_name!: string;
  private hookFn?: PruningHook;

  get PRUNING_TYPE(): PruningType { return (this.constructor as typeof BasePruningMethod).PRUNING_TYPE; }

  /** Python's __call__: the forward pre-hook body. */
  __call__(module: Module, _inputs?: unknown): void {
    setattr(module, this._tensor_name, this.apply_mask(module));
  }

  /** This method as a forward pre-hook function (one per method, so re-registering reuses it). */
  asHook(): PruningHook {
    if (!this.hookFn) this.hookFn = Object.assign((m: Module, inputs: unknown[]) => this.__call__(m, inputs), { [METHOD]: this as BasePruningMethod });
    return this.hookFn;
  }

  abstract compute_mask(t: Tensor, default_mask: Tensor): Tensor;

  apply_mask(module: Module): Tensor {
    if (this._tensor_name == null) throw new AssertionError(`Module ${module} has to be pruned`);
    const mask: Tensor = getattr(module, this._tensor_name + '_mask');
    const orig: Tensor = getattr(module, this._tensor_name + '_orig');
    return mask.type(orig.dtype).mul(orig);
  }

  /** BasePruningMethod.apply: `make` plays `cls(*args, **kwargs)`. */
  static _apply(module: Module, name: string, make: () => BasePruningMethod, importance_scores: Tensor | null = null): BasePruningMethod {
    const method = compositeMethod(module, name, make);
    const orig: Tensor = getattr(module, name);
    let scores = orig;
    if (importance_scores != null) {
      if (!sameShape(importance_scores, orig))
        throw new AssertionError(`importance_scores should have the same shape as parameter ${' '.repeat(16)}${name} of ${module}`);
      scores = importance_scores;
    }
    const first = !(method instanceof PruningContainer);
    let defaultMask: Tensor;
    if (first) {
      module.register_parameter(name + '_orig', orig as never);
      module._parameters.delete(name);
      // outside PyTorch's try block too: pruning a None parameter fails here and is not rolled back
      if (!(orig instanceof Tensor)) throw new TypeError(`ones_like(): argument 'input' (position 1) must be Tensor, not ${orig === null ? 'NoneType' : typeof orig}`);
      defaultMask = ones_like(orig);
    } else {
      defaultMask = (getattr(module, name + '_mask') as Tensor).detach().clone();
    }
    try {
      const mask = method.compute_mask(scores, defaultMask);
      module.register_buffer(name + '_mask', mask);
      setattr(module, name, method.apply_mask(module));
      module.register_forward_pre_hook(method.asHook());
    } catch (e) {
      if (first) {
        // PyTorch re-registers the parameter at the end of _parameters, so key order changes
        module.register_parameter(name, getattr(module, name + '_orig'));
        module._parameters.delete(name + '_orig');
      }
      throw e;
    }
    return method;
  }

  prune(t: Tensor, default_mask: Tensor | null = null, importance_scores: Tensor | null = null): Tensor {
    if (importance_scores != null && !sameShape(importance_scores, t))
      throw new AssertionError('importance_scores should have the same shape as tensor t');
    const mask = this.compute_mask(importance_scores ?? t, default_mask ?? ones_like(t));
    return t.mul(mask);
  }

  /** Bakes mask * orig into `name` and drops `_orig`/`_mask`; the pruning itself stays. */
  remove(module: Module): void {
    if (this._tensor_name == null) throw new AssertionError(`Module ${module} has to be pruned${' '.repeat(12)}before pruning can be removed`);
    const weight = this.apply_mask(module);
    if (hasattr(module, this._tensor_name)) delattr(module, this._tensor_name);
    const orig = module._parameters.get(this._tensor_name + '_orig');
    if (!orig) throw new KeyError(`'${this._tensor_name}_orig'`);
    orig.data = weight.data;
    module._parameters.delete(this._tensor_name + '_orig');
    module._buffers.delete(this._tensor_name + '_mask');
    module._non_persistent_buffers_set.delete(this._tensor_name + '_mask');
    setattr(module, this._tensor_name, orig);
  }
}

export function sameShape(a: Tensor, b: Tensor): boolean {
  return a.ndim === b.ndim && a.shape.every((s, i) => s === b.shape[i]);
}

/** _get_composite_method: takes an existing pruning hook of `name` off the module and combines with it. */
function compositeMethod(module: Module, name: string, make: () => BasePruningMethod): BasePruningMethod {
  let old: BasePruningMethod | undefined;
  const hooksToRemove: number[] = [];
  for (const [k, hook] of module._forward_pre_hooks) {
    const m = pruningMethodOf(hook);
    if (m && m._tensor_name === name) { old = m; hooksToRemove.push(k); }
  }
  if (hooksToRemove.length > 1)
    throw new AssertionError(`Avoid adding multiple pruning hooks to the${' '.repeat(16)}same tensor ${name} of module ${module}. Use a PruningContainer.`);
  for (const k of hooksToRemove) {
    module._forward_pre_hooks.delete(k);
    module._forward_pre_hooks_with_kwargs.delete(k);
  }
  let method = make();
  method._tensor_name = name;
  if (old !== undefined) {
    if (old instanceof PruningContainer) {
      old.add_pruning_method(method);
      method = old;
    } else {
      const container = new PruningContainer(old);
      container.add_pruning_method(method);
      method = container;
    }
  }
  return method;
}

export class PruningContainer extends BasePruningMethod {
  _pruning_methods: BasePruningMethod[] = [];

  constructor(...methods: BasePruningMethod[]) {
    super();
    if (methods.length === 1) {
      this._tensor_name = methods[0]._tensor_name;
      this.add_pruning_method(methods[0]);
    } else for (const m of methods) this.add_pruning_method(m);
  }

  add_pruning_method(method: BasePruningMethod | null): void {
    if (!(method instanceof BasePruningMethod) && method != null)
      throw new TypeError(`<class '${(method as object).constructor?.name ?? typeof method}'> is not a BasePruningMethod subclass`);
    if (method != null && this._tensor_name !== method._tensor_name)
      throw new ValueError(`Can only add pruning methods acting on the parameter named '${this._tensor_name}' to PruningContainer ${this}. Found '${method._tensor_name}'`);
    this._pruning_methods.push(method as BasePruningMethod);
  }

  get length(): number { return this._pruning_methods.length; }
  [Symbol.iterator](): Iterator<BasePruningMethod> { return this._pruning_methods[Symbol.iterator](); }
  at(idx: number): BasePruningMethod | undefined { return this._pruning_methods.at(idx); }
  override toString(): string { return '<torch.nn.utils.prune.PruningContainer object>'; }

  /** Applies the latest method to the entries (unstructured) or channels (structured) still unpruned. */
  override compute_mask(t: Tensor, default_mask: Tensor): Tensor {
    const method = this._pruning_methods[this._pruning_methods.length - 1];
    const newMask = default_mask.type(t.dtype);
    let slc: (Slice | Tensor)[];
    const type = method.PRUNING_TYPE;
    if (type === 'unstructured') {
      slc = [default_mask.eq(1)];
    } else if (type === 'structured') {
      const rawDim = (method as { dim?: number }).dim;
      if (rawDim === undefined) throw new AttributeError('Pruning methods of PRUNING_TYPE "structured" need to have the attribute `dim` defined.');
      const dim = rawDim < 0 ? t.ndim + rawDim : rawDim;
      if (dim < 0) throw new PyIndexError(`Index is out of bounds for tensor with dimensions ${t.ndim}`);
      const others = [...t.shape.keys()].filter((d) => d !== dim);
      const keep = default_mask.sum(others).ne(0);
      slc = t.shape.map((_, d) => (d === dim ? keep : new Slice()));
    } else if (type === 'global') {
      slc = t.shape.map(() => new Slice());
    } else {
      throw new ValueError(`Unrecognized PRUNING_TYPE ${type}`);
    }
    const partial = method.compute_mask(t.index(...slc), default_mask.index(...slc));
    newMask.setIndex(slc, partial.type(newMask.dtype));
    return newMask;
  }
}

export class Identity extends BasePruningMethod {
  static override PRUNING_TYPE: PruningType = 'unstructured';
  override compute_mask(_t: Tensor, default_mask: Tensor): Tensor { return default_mask; }
  static override apply(module: Module, name: string): BasePruningMethod {
    return BasePruningMethod._apply(module, name, () => new Identity());
  }
}

const amountSig = (cls: string) => signature(`${cls}(amount)`);
const randomUnstructuredSig = amountSig('RandomUnstructured');
const l1UnstructuredSig = amountSig('L1Unstructured');
const randomStructuredSig = signature('RandomStructured(amount, dim=-1)');
const lnStructuredSig = signature('LnStructured(amount, n, dim=-1)');
const customSig = signature('CustomFromMask(mask)');

export class RandomUnstructured extends BasePruningMethod {
  static override PRUNING_TYPE: PruningType = 'unstructured';
  amount: Amount;
  constructor(...args: unknown[]) {
    super();
    const { amount } = randomUnstructuredSig.bind(args);
    validateAmountInit(amount);
    this.amount = amount;
  }
  override compute_mask(t: Tensor, default_mask: Tensor): Tensor {
    return unstructuredMask(this.amount, t, default_mask, () => rand_like(t).neg());
  }
  static override apply(module: Module, name: string, amount: Amount): BasePruningMethod {
    return BasePruningMethod._apply(module, name, () => new RandomUnstructured(amount));
  }
}

export class L1Unstructured extends BasePruningMethod {
  static override PRUNING_TYPE: PruningType = 'unstructured';
  amount: Amount;
  constructor(...args: unknown[]) {
    super();
    const { amount } = l1UnstructuredSig.bind(args);
    validateAmountInit(amount);
    this.amount = amount;
  }
  override compute_mask(t: Tensor, default_mask: Tensor): Tensor {
    return unstructuredMask(this.amount, t, default_mask, () => t.abs());
  }
  static override apply(module: Module, name: string, amount: Amount, importance_scores: Tensor | null = null): BasePruningMethod {
    return BasePruningMethod._apply(module, name, () => new L1Unstructured(amount), importance_scores);
  }
}

export class RandomStructured extends BasePruningMethod {
  static override PRUNING_TYPE: PruningType = 'structured';
  amount: Amount;
  dim: number;
  constructor(...args: unknown[]) {
    super();
    const { amount, dim } = randomStructuredSig.bind(args);
    validateAmountInit(amount);
    this.amount = amount;
    this.dim = dim;
  }
  override compute_mask(t: Tensor, default_mask: Tensor): Tensor {
    const { size, count } = structuredCount(t, this.dim, this.amount);
    if (count === 0) return default_mask;
    const pruned = smallestK(rand([size]), count);
    return channelMask(t, this.dim, pruned.logical_not(), default_mask);
  }
  static override apply(module: Module, name: string, amount: Amount, dim = -1): BasePruningMethod {
    return BasePruningMethod._apply(module, name, () => new RandomStructured(amount, dim));
  }
}

export class LnStructured extends BasePruningMethod {
  static override PRUNING_TYPE: PruningType = 'structured';
  amount: Amount;
  n: NormOrder | PyFloat;
  dim: number;
  constructor(...args: unknown[]) {
    super();
    const { amount, n, dim } = lnStructuredSig.bind(args);
    validateAmountInit(amount);
    this.amount = amount;
    this.n = n;
    this.dim = dim;
  }
  override compute_mask(t: Tensor, default_mask: Tensor): Tensor {
    const { count } = structuredCount(t, this.dim, this.amount);
    // computed before the count check, as PyTorch's topk is: a bad norm order fails even for amount 0
    const norm = computeNorm(t, this.n, this.dim);
    if (count === 0) return default_mask;
    return channelMask(t, this.dim, smallestK(norm, count).logical_not(), default_mask);
  }
  static override apply(module: Module, name: string, amount: Amount, n: NormOrder | PyFloat, dim: number, importance_scores: Tensor | null = null): BasePruningMethod {
    return BasePruningMethod._apply(module, name, () => new LnStructured(amount, n, dim), importance_scores);
  }
}

/** _compute_norm: torch.norm over every dim but `dim`. */
function computeNorm(t: Tensor, n: NormOrder | PyFloat, dim: number): Tensor {
  const d = dim < 0 ? dim + t.ndim : dim;
  const dims = [...t.shape.keys()].filter((k) => k !== d);
  const order = n instanceof PyFloat ? n.value : n;
  if (typeof order !== 'number' && order !== 'fro') throw new ValueError(`unsupported norm order ${str(order)} for ln_structured; expected a number or 'fro'`);
  return vectorNorm(t, order, dims);
}

export class CustomFromMask extends BasePruningMethod {
  static override PRUNING_TYPE: PruningType = 'global';
  mask: Tensor;
  constructor(...args: unknown[]) {
    super();
    this.mask = customSig.bind(args).mask;
  }
  override compute_mask(_t: Tensor, default_mask: Tensor): Tensor {
    if (!sameShape(default_mask, this.mask)) throw new AssertionError('');
    return default_mask.mul(this.mask.type(default_mask.dtype));
  }
  static override apply(module: Module, name: string, mask: Tensor): BasePruningMethod {
    return BasePruningMethod._apply(module, name, () => new CustomFromMask(mask));
  }
}

