// Finding a model's tensors and submodules by the names the host uses (state_dict keys, named_modules()).
import type { Module } from '../../../engine/nn';
import type { Tensor } from '../../../engine/tensor';
import { EngineCallError } from '../bridge';

/**
 * A parameter or buffer by qualified name. named_parameters() lists a tied tensor once, so the other names
 * it has (its state_dict keys) are looked up there.
 */
export function namedTensor(model: Module, name: string): Tensor {
  for (const [key, t] of model.named_parameters()) if (key === name) return t;
  for (const [key, t] of model.named_buffers()) if (key === name) return t;
  for (const [key, t] of model.state_dict()) if (key === name) return t;
  throw new EngineCallError('KeyError', `${name} is not a parameter or buffer of the model`);
}

/** model.get_submodule(name) with PyTorch's message; '' is the model itself. */
export function submodule(model: Module, name: string): Module {
  for (const [key, m] of model.named_modules()) if (key === name) return m;
  const root = model._get_name();
  throw new EngineCallError('AttributeError', `${root} has no submodule ${JSON.stringify(name)}`);
}

export const qualified = (module: string, name: string): string => (module ? `${module}.${name}` : name);
