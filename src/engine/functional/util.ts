// Shared plumbing of torch.nn.functional (the binding helpers live in ops/bind).
import { Tensor } from '../tensor';

export { def, num, describe, tensorArg, tuple } from '../ops/bind';

/** Applies `result` in place to `input` when asked (the functional `inplace=True` flag). */
export function maybeInplace(input: Tensor, result: Tensor, inplace: boolean): Tensor {
  return inplace ? input.copy_(result) : result;
}
