// Engine-wide settings that PyTorch keeps as global state.
import { checkDType, DType, isFloating } from '../dtype';
import { defaultGenerator } from '../random';

let defaultFloat: DType = 'float32';
let gradEnabled = true;

export const defaultDType = (): DType => defaultFloat;
export function set_default_dtype(d: DType | string): void {
  const dt = checkDType(d);
  if (!isFloating(dt) || dt === 'float16' || dt === 'bfloat16') throw new TypeError('only floating-point types are supported as the default type');
  defaultFloat = dt;
}
export const get_default_dtype = (): DType => defaultFloat;

/** torch.no_grad(): there is no autograd here, but models toggle it and read it back. */
export const is_grad_enabled = (): boolean => gradEnabled;
export function set_grad_enabled(flag: boolean): void { gradEnabled = flag; }

export function manual_seed(seed: number): void { defaultGenerator.manualSeed(seed); }
export function seed(): number { return defaultGenerator.initialSeed(); }
export function initial_seed(): number { return defaultGenerator.initialSeed(); }
