// nn.Parameter: a Tensor that a Module registers as a parameter. It shares the storage of the data it
// wraps (torch.nn.Parameter(t) does not copy), so a lazy tensor stays lazy.
import { signature } from '../args';
import { castScalar, DType } from '../dtype';
import { defaultDType } from '../ops/state';
import { Tensor } from '../tensor';

const parameterSig = signature('Parameter(data=None, requires_grad=True)');

export class Parameter extends Tensor {
  constructor(...args: unknown[]) {
    const { data, requires_grad } = parameterSig.bind(args);
    const t: Tensor = data ?? Tensor.empty([0]);
    super(t.storage, t.shape, t.strides, t.offset);
    this.requires_grad = !!requires_grad;
  }

  /** The parameter's values as a plain tensor sharing storage (PyTorch's `param.data`). */
  override get data(): Tensor { return this.detach(); }
  /** `param.data = t` rebinds the parameter to t's storage and geometry; the Parameter object stays the same. */
  override set data(t: Tensor) {
    const self = this as unknown as { storage: Tensor['storage']; shape: readonly number[]; strides: readonly number[]; offset: number };
    self.storage = t.storage;
    self.shape = t.shape;
    self.strides = t.strides;
    self.offset = t.offset;
  }

  override toString(): string { return 'Parameter containing:\n' + super.toString(); }
}

/** A parameter whose values are produced on first read: layer constructors use it for `torch.empty(...)`. */
export function emptyParameter(shape: readonly number[], dtype?: DType | null): Parameter {
  return new Parameter(Tensor.lazy(shape, dtype ?? defaultDType(), () => {}));
}

/** A lazily allocated tensor filled with a constant (buffers such as running_var). */
export function lazyFull(shape: readonly number[], value: number, dtype?: DType | null): Tensor {
  const dt = dtype ?? defaultDType();
  const stored = castScalar(value, dt);
  return Tensor.lazy(shape, dt, (out) => { if (stored !== 0) out.fill(stored); });
}
