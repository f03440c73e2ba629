// nn.Module with PyTorch's contract (torch/nn/modules/module.py). JS cannot intercept `this.x = ...` on a
// plain object, so the constructor returns a Proxy whose traps play Module.__setattr__/__getattr__/
// __delattr__: assigning a Parameter, Module or registered buffer name registers it in the ordered
// _parameters/_buffers/_modules maps, and reading such a name finds it there.
//
// Subclasses assign their layers in the constructor after super(), in the order PyTorch would:
//   class Net extends nn.Module { declare fc: nn.Linear; constructor() { super(); this.fc = new nn.Linear(4, 2); } }
// (`fc!: nn.Linear` and field initialisers `fc = new nn.Linear(4, 2)` work too; `#private` fields do not).
import { isKwargs, signature } from '../args';
import { checkDType, DType } from '../dtype';
import { Tensor } from '../tensor';
import { hasattr, MODULE_BRAND, wrapModule } from './attributes';
import { addHook, callWithHooks, globalForwardHooks, globalForwardPreHooks, HookMap, RemovableHandle } from './hooks';
import { Parameter } from './parameter';
import { AttributeError, KeyError, NotImplementedError, typename, ValueError } from './python';
import {
  IncompatibleKeys, loadOwnEntries, loadStateDict, overridesModuleMethod, saveStateDict, StateDict, StateDictLike,
} from './state-dict';

export { hasattr, wrapModule };

type Hook = (...args: any[]) => any;
const hasOwn = (o: object, k: PropertyKey) => Object.prototype.hasOwnProperty.call(o, k);

const namedModulesSig = signature('named_modules(memo=None, prefix="", remove_duplicate=True)');
const namedMembersSig = signature('named_parameters(prefix="", recurse=True, remove_duplicate=True)');
const recurseSig = signature('parameters(recurse=True)');
const stateDictSig = signature('state_dict(destination=None, prefix="", keep_vars=False)');
const loadSig = signature('load_state_dict(state_dict, strict=True, assign=False)');
const bufferSig = signature('register_buffer(name, tensor, persistent=True)');
const preHookSig = signature('register_forward_pre_hook(hook, *, prepend=False, with_kwargs=False)');
const hookSig = signature('register_forward_hook(hook, *, prepend=False, with_kwargs=False, always_call=False)');

// Called with every new module; the engine process sets it while a TypeScript model file runs, to record where
// each module was created. Nothing else sets it.
let creationHook: ((module: Module) => void) | undefined;
export function setModuleCreationHook(hook: ((module: Module) => void) | undefined): void {
  creationHook = hook;
}

function hidden(o: object, key: string, value: unknown): void {
  Object.defineProperty(o, key, { value, writable: true, enumerable: false, configurable: true });
}

/** Python's _addindent: indent every line but the first. */
export function addIndent(s: string, spaces: number): string {
  const lines = s.split('\n');
  if (lines.length === 1) return s;
  return lines[0] + '\n' + lines.slice(1).map((l) => ' '.repeat(spaces) + l).join('\n');
}

export class Module {
  /** state_dict()._metadata version of this class (BatchNorm has 2). */
  static _version = 1;

  declare training: boolean;
  declare _parameters: Map<string, Parameter | null>;
  declare _buffers: Map<string, Tensor | null>;
  declare _non_persistent_buffers_set: Set<string>;
  declare _modules: Map<string, Module | null>;
  declare _forward_pre_hooks: HookMap;
  declare _forward_pre_hooks_with_kwargs: Set<number>;
  declare _forward_hooks: HookMap;
  declare _forward_hooks_with_kwargs: Set<number>;
  declare _forward_hooks_always_called: Set<number>;
  declare _state_dict_hooks: HookMap;
  declare _state_dict_pre_hooks: HookMap;
  declare _load_state_dict_pre_hooks: HookMap;
  declare _load_state_dict_post_hooks: HookMap;

  constructor() {
    this.training = true;
    for (const k of ['_parameters', '_buffers', '_modules', '_forward_pre_hooks', '_forward_hooks', '_state_dict_hooks',
      '_state_dict_pre_hooks', '_load_state_dict_pre_hooks', '_load_state_dict_post_hooks']) hidden(this, k, new Map());
    for (const k of ['_non_persistent_buffers_set', '_forward_pre_hooks_with_kwargs', '_forward_hooks_with_kwargs',
      '_forward_hooks_always_called']) hidden(this, k, new Set());
    const module = wrapModule(this);
    creationHook?.(module);
    return module;
  }

  // ---- registration ----

  register_parameter(name: string, param: Parameter | null): void {
    if (typeof name !== 'string') throw new TypeError(`parameter name should be a string. Got ${typename(name)}`);
    if (name.includes('.')) throw new KeyError('parameter name can\'t contain "."');
    if (name === '') throw new KeyError('parameter name can\'t be empty string ""');
    if (hasattr(this, name) && !this._parameters.has(name)) throw new KeyError(`attribute '${name}' already exists`);
    if (param != null && !(param instanceof Parameter))
      throw new TypeError(`cannot assign '${typename(param)}' object to parameter '${name}' (torch.nn.Parameter or None required)`);
    if (hasOwn(this, name)) delete (this as any)[name];
    this._parameters.set(name, param ?? null);
  }

  register_buffer(...args: unknown[]): void {
    const { name, tensor, persistent } = bufferSig.bind(args);
    if (typeof name !== 'string') throw new TypeError(`buffer name should be a string. Got ${typename(name)}`);
    if (name.includes('.')) throw new KeyError('buffer name can\'t contain "."');
    if (name === '') throw new KeyError('buffer name can\'t be empty string ""');
    if (hasattr(this, name) && !this._buffers.has(name)) throw new KeyError(`attribute '${name}' already exists`);
    if (tensor != null && !(tensor instanceof Tensor))
      throw new TypeError(`cannot assign '${typename(tensor)}' object to buffer '${name}' (torch Tensor or None required)`);
    if (hasOwn(this, name)) delete (this as any)[name];
    this._buffers.set(name, tensor ?? null);
    if (persistent) this._non_persistent_buffers_set.delete(name);
    else this._non_persistent_buffers_set.add(name);
  }

  add_module(name: string, module: Module | null): void {
    if (module != null && !(module instanceof Module)) throw new TypeError(`${typename(module)} is not a Module subclass`);
    if (typeof name !== 'string') throw new TypeError(`module name should be a string. Got ${typename(name)}`);
    if (hasattr(this, name) && !this._modules.has(name)) throw new KeyError(`attribute '${name}' already exists`);
    if (name.includes('.')) throw new KeyError(`module name can't contain ".", got: ${name}`);
    if (name === '') throw new KeyError('module name can\'t be empty string ""');
    if (hasOwn(this, name)) delete (this as any)[name];
    this._modules.set(name, module ?? null);
  }

  register_module(name: string, module: Module | null): void { this.add_module(name, module); }

  // ---- forward and hooks ----

  forward(..._args: any[]): any {
    throw new NotImplementedError(`Module [${this._get_name()}] is missing the required "forward" function`);
  }

  /** Python's `module(*args, **kwargs)`: forward with the pre- and post-hooks around it. */
  call(...args: any[]): any {
    if (!this._forward_pre_hooks.size && !this._forward_hooks.size && !globalForwardPreHooks.size && !globalForwardHooks.size)
      return this.forward(...args);
    return callWithHooks(this, args);
  }

  register_forward_pre_hook(...args: unknown[]): RemovableHandle {
    const { hook, prepend, with_kwargs } = preHookSig.bind(args);
    const handle = addHook(this._forward_pre_hooks, hook, prepend, [this._forward_pre_hooks_with_kwargs]);
    if (with_kwargs) this._forward_pre_hooks_with_kwargs.add(handle.id);
    return handle;
  }

  register_forward_hook(...args: unknown[]): RemovableHandle {
    const { hook, prepend, with_kwargs, always_call } = hookSig.bind(args);
    const handle = addHook(this._forward_hooks, hook, prepend, [this._forward_hooks_with_kwargs, this._forward_hooks_always_called]);
    if (with_kwargs) this._forward_hooks_with_kwargs.add(handle.id);
    if (always_call) this._forward_hooks_always_called.add(handle.id);
    return handle;
  }

  /** hook(module, state_dict, prefix, local_metadata) after this module's entries are saved; may return a new dict. */
  register_state_dict_post_hook(hook: Hook): RemovableHandle { return addHook(this._state_dict_hooks, hook, false); }
  /** hook(module, prefix, keep_vars) before this module's entries are saved. */
  register_state_dict_pre_hook(hook: Hook): RemovableHandle { return addHook(this._state_dict_pre_hooks, hook, false); }
  /** hook(module, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs). */
  register_load_state_dict_pre_hook(hook: Hook): RemovableHandle { return addHook(this._load_state_dict_pre_hooks, hook, false); }
  /** hook(module, incompatible_keys) after this module and its children are loaded. */
  register_load_state_dict_post_hook(hook: Hook): RemovableHandle { return addHook(this._load_state_dict_post_hooks, hook, false); }

  // ---- traversal (generators, PyTorch's order and de-duplication) ----

  *named_modules(...args: unknown[]): Generator<[string, Module]> {
    const a = namedModulesSig.bind(args);
    const memo: Set<Module> = a.memo ?? new Set();
    const prefix: string = a.prefix;
    if (memo.has(this)) return;
    if (a.remove_duplicate) memo.add(this);
    yield [prefix, this];
    for (const [name, module] of this._modules) {
      if (module === null) continue;
      yield* module.named_modules(memo, prefix + (prefix ? '.' : '') + name, a.remove_duplicate);
    }
  }

  *modules(): Generator<Module> {
    for (const [, m] of this.named_modules()) yield m;
  }

  *named_children(): Generator<[string, Module]> {
    const memo = new Set<Module>();
    for (const [name, module] of this._modules) {
      if (module !== null && !memo.has(module)) {
        memo.add(module);
        yield [name, module];
      }
    }
  }

  *children(): Generator<Module> {
    for (const [, m] of this.named_children()) yield m;
  }

  *named_parameters(...args: unknown[]): Generator<[string, Parameter]> {
    const a = namedMembersSig.bind(args);
    yield* this._named_members((m) => m._parameters, a.prefix, a.recurse, a.remove_duplicate) as Generator<[string, Parameter]>;
  }

  *parameters(...args: unknown[]): Generator<Parameter> {
    for (const [, p] of this.named_parameters({ recurse: recurseSig.bind(args).recurse })) yield p;
  }

  *named_buffers(...args: unknown[]): Generator<[string, Tensor]> {
    const a = namedMembersSig.bind(args);
    yield* this._named_members((m) => m._buffers, a.prefix, a.recurse, a.remove_duplicate);
  }

  *buffers(...args: unknown[]): Generator<Tensor> {
    for (const [, b] of this.named_buffers({ recurse: recurseSig.bind(args).recurse })) yield b;
  }

  *_named_members<T>(members: (m: Module) => Map<string, T | null>, prefix = '', recurse = true, removeDuplicate = true): Generator<[string, T]> {
    const memo = new Set<T>();
    const modules: Iterable<[string, Module]> = recurse ? this.named_modules(null, prefix, removeDuplicate) : [[prefix, this]];
    for (const [modulePrefix, module] of modules) {
      for (const [k, v] of members(module)) {
        if (v === null || memo.has(v)) continue;
        if (removeDuplicate) memo.add(v);
        yield [modulePrefix + (modulePrefix ? '.' : '') + k, v];
      }
    }
  }

  // ---- state ----

  state_dict(...args: unknown[]): StateDict {
    const a = stateDictSig.bind(args);
    return saveStateDict(this, a.destination, a.prefix, a.keep_vars);
  }

  load_state_dict(...args: unknown[]): IncompatibleKeys {
    // a lone plain object is the state dict itself, not keyword arguments
    const alone = args.length === 1 && isKwargs(args[0]) && !('state_dict' in (args[0] as object));
    const a = loadSig.bind(alone ? [args[0], {}] : args);
    return loadStateDict(this, a.state_dict as StateDictLike, a.strict, a.assign);
  }

  /** Copies this module's own entries into destination (override to customise, as in PyTorch). */
  _save_to_state_dict(destination: StateDict, prefix: string, keep_vars: boolean): void {
    for (const [name, p] of this._parameters) if (p !== null) destination.set(prefix + name, keep_vars ? p : p.detach());
    for (const [name, b] of this._buffers)
      if (b !== null && !this._non_persistent_buffers_set.has(name)) destination.set(prefix + name, keep_vars ? b : b.detach());
    if (overridesModuleMethod(this, 'get_extra_state')) destination.set(prefix + '_extra_state', this.get_extra_state());
  }

  _load_from_state_dict(
    state_dict: StateDict, prefix: string, local_metadata: Record<string, unknown>, strict: boolean,
    missing_keys: string[], unexpected_keys: string[], error_msgs: string[],
  ): void {
    loadOwnEntries(this, state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs);
  }

  get_extra_state(): any {
    throw new Error('Reached a code path in Module.get_extra_state() that should never be called.');
  }
  set_extra_state(_state: unknown): void {
    throw new Error('Reached a code path in Module.set_extra_state() that should never be called.');
  }

  // ---- mode and mutation ----

  apply(fn: (m: Module) => void): this {
    for (const m of this.children()) m.apply(fn);
    fn(this);
    return this;
  }

  train(mode: boolean = true): this {
    if (typeof mode !== 'boolean') throw new ValueError('training mode is expected to be boolean');
    this.training = mode;
    for (const m of this.children()) m.train(mode);
    return this;
  }

  eval(): this { return this.train(false); }

  requires_grad_(requires_grad = true): this {
    for (const p of this.parameters()) p.requires_grad_(requires_grad);
    return this;
  }

  /** There is no autograd: parameters never hold gradients, so there is nothing to reset. */
  zero_grad(_set_to_none = true): void {}

  /** Converts every parameter and buffer in place (parameters keep their identity, so tied weights stay tied). */
  _apply(fn: (t: Tensor) => Tensor): this {
    for (const m of this.children()) m._apply(fn);
    for (const p of this._parameters.values()) if (p !== null) p.data = fn(p);
    for (const [k, b] of this._buffers) if (b !== null) this._buffers.set(k, fn(b));
    return this;
  }

  /** module.to(dtype) / .to(tensor) / .to('cpu'): floating parameters and buffers change dtype; devices are ignored. */
  to(...args: unknown[]): this {
    let dtype: DType | null = null;
    for (const a of args) {
      const d = a instanceof Tensor ? a.dtype : isKwargs(a) ? a.dtype : a;
      if (typeof d === 'string' && d !== 'cpu' && !d.startsWith('cuda') && d !== 'mps' && d !== 'meta') dtype = checkDType(d);
    }
    if (dtype === null) return this;
    const target = dtype;
    return this._apply((t) => (t.is_floating_point() ? t.type(target) : t));
  }
  type(dst_type: DType): this { return this._apply((t) => t.type(dst_type)); }
  float(): this { return this._apply((t) => (t.is_floating_point() ? t.float() : t)); }
  double(): this { return this._apply((t) => (t.is_floating_point() ? t.double() : t)); }
  half(): this { return this._apply((t) => (t.is_floating_point() ? t.half() : t)); }
  bfloat16(): this { return this._apply((t) => (t.is_floating_point() ? t.bfloat16() : t)); }
  cpu(): this { return this; }
  cuda(): this { return this; }

  // ---- lookup by dotted path ----

  get_submodule(target: string): Module {
    if (target === '') return this;
    let mod: Module = this;
    for (const item of target.split('.')) {
      if (!hasattr(mod, item)) throw new AttributeError(mod._get_name() + ' has no attribute `' + item + '`');
      mod = (mod as any)[item];
      if (!(mod instanceof Module)) throw new AttributeError('`' + item + '` is not an nn.Module');
    }
    return mod;
  }

  set_submodule(target: string, module: Module, strict = false): void {
    if (target === '') throw new ValueError('Cannot set the submodule without a target name!');
    const atoms = target.split('.');
    if (!(module instanceof Module)) throw new ValueError(`\`module\` is not an nn.Module, found ${typename(module)}`);
    const parent = atoms.length === 1 ? this : this.get_submodule(atoms.slice(0, -1).join('.'));
    const last = atoms[atoms.length - 1];
    if (strict && !hasattr(parent, last)) throw new AttributeError(parent._get_name() + ' has no attribute `' + last + '`');
    if (hasattr(parent, last) && !((parent as any)[last] instanceof Module))
      throw new AttributeError('`' + last + '` is not an nn.Module');
    (parent as any)[last] = module;
  }

  get_parameter(target: string): Parameter {
    const { mod, name } = this.splitTarget(target);
    if (!hasattr(mod, name)) throw new AttributeError(mod._get_name() + ' has no attribute `' + name + '`');
    const param = (mod as any)[name];
    if (!(param instanceof Parameter)) throw new AttributeError('`' + name + '` is not an nn.Parameter');
    return param;
  }

  get_buffer(target: string): Tensor {
    const { mod, name } = this.splitTarget(target);
    if (!hasattr(mod, name)) throw new AttributeError(mod._get_name() + ' has no attribute `' + name + '`');
    if (!mod._buffers.has(name)) throw new AttributeError('`' + name + '` is not a buffer');
    return (mod as any)[name];
  }

  private splitTarget(target: string): { mod: Module; name: string } {
    const dot = target.lastIndexOf('.');
    return { mod: this.get_submodule(dot < 0 ? '' : target.slice(0, dot)), name: target.slice(dot + 1) };
  }

  // ---- printing ----

  extra_repr(): string { return ''; }

  _get_name(): string { return this.constructor.name; }

  /** repr(module), identical to PyTorch 2.x's Module.__repr__. */
  toString(): string {
    const extra = this.extra_repr();
    const extraLines = extra ? extra.split('\n') : [];
    const childLines = [...this._modules].map(([key, m]) => `(${key}): ${addIndent(m === null ? 'None' : m.toString(), 2)}`);
    const lines = [...extraLines, ...childLines];
    let main = this._get_name() + '(';
    if (lines.length) {
      if (extraLines.length === 1 && childLines.length === 0) main += extraLines[0];
      else main += '\n  ' + lines.join('\n  ') + '\n';
    }
    return main + ')';
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string { return this.toString(); }
}

(Module.prototype as unknown as Record<symbol, boolean>)[MODULE_BRAND] = true;
