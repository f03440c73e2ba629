// Where the modules of a TypeScript/JavaScript model were created (`new nn.Conv2d(...)`) and assigned
// (`this.features = ...`), kept in the same ModuleMeta the Python side fills, so inspect reports both alike.
// While model code runs, the engine's module-creation hook reads the call stack: the frames of the module's
// own constructor chain (engine classes and the model's subclasses) are skipped; the next frame is the
// creation site when it is a workspace line. Modules the engine builds inside its own layers
// (a TransformerEncoderLayer's Linear) have an engine frame there and get no location, as in Python.
import { Module, setModuleCreationHook } from '../../../engine/nn/module';
import type { SourceLocation } from '../../../protocol/engine';
import { updateModuleMeta } from '../engine/handles';
import { captureFrames, type StackFrame } from './positions';
import type { WorkspaceModules } from './workspace-modules';

/** `new X` frame names of the module's constructors, from the engine's base classes to the most derived one. */
function constructorFrames(module: Module): string[] {
  const names: string[] = [];
  for (let proto = Object.getPrototypeOf(module); proto && proto !== Module.prototype; proto = Object.getPrototypeOf(proto)) {
    const name = Object.prototype.hasOwnProperty.call(proto, 'constructor') ? (proto.constructor as { name?: unknown }).name : undefined;
    names.push(typeof name === 'string' && name ? `new ${name}` : 'new <anonymous>');
  }
  return names.reverse();
}

/** The workspace line that called the constructor chain, if the caller is model code. */
function creationSite(frames: StackFrame[], module: Module, workspace: WorkspaceModules): SourceLocation | undefined {
  // In order, so that `new Tree(depth - 1)` inside Tree's constructor is placed in the outer Tree's constructor.
  // A class may have no frame (V8 can skip default constructors).
  let i = 0;
  for (const name of constructorFrames(module)) if (frames[i]?.fn === name) i++;
  const caller = frames[i];
  return caller && workspace.site(caller);
}

/**
 * The workspace line of an assignment into `_modules`: the first workspace frame, if only the engine's
 * attribute machinery (Proxy trap, setattr, add_module) lies between. A constructor frame in between means
 * the engine registered the child itself (Sequential's arguments, a layer's own submodules).
 */
function assignmentSite(frames: StackFrame[], workspace: WorkspaceModules): SourceLocation | undefined {
  for (const frame of frames) {
    const site = workspace.site(frame);
    if (site) return assignmentTarget(site, workspace);
    if (frame.fn?.startsWith('new ')) return undefined;
  }
  return undefined;
}

/** V8 points at the `=` of `this.features = ...`; the statement starts at its target, as in Python. */
function assignmentTarget(at: SourceLocation, workspace: WorkspaceModules): SourceLocation {
  const text = workspace.lineText(at.file, at.line);
  let i = (at.column ?? 0) - 1;
  if (text[i + 1] !== '=') return at;
  while (i >= 0 && text[i] === ' ') i--;
  while (i >= 0 && /[\w$.\]\[!?]/.test(text[i])) i--;
  return { ...at, column: i + 1 };
}

/** Wraps one module's `_modules.set` (an own property on that Map instance; Map.prototype stays untouched). */
function recordAssignments(module: Module, workspace: WorkspaceModules): void {
  const children = module._modules;
  const set = children.set;
  const recordingSet = function (this: Map<string, Module | null>, name: string, child: Module | null) {
    if (recording === workspace && child instanceof Module) {
      const site = assignmentSite(captureFrames(recordingSet), workspace);
      if (site) updateModuleMeta(child, { assigned: site });
    }
    return set.call(this, name, child);
  };
  Object.defineProperty(children, 'set', { value: recordingSet, writable: true, configurable: true, enumerable: false });
}

let recording: WorkspaceModules | undefined;

/** Runs `fn` (model code) with source recording on; the hook is off again afterwards, also for Python models. */
export function withModuleSources<T>(workspace: WorkspaceModules, fn: () => T): T {
  const outer = recording;
  recording = workspace;
  setModuleCreationHook((module) => {
    const created = creationSite(captureFrames(Module), module, workspace);
    if (created) updateModuleMeta(module, { created });
    recordAssignments(module, workspace);
  });
  try {
    return fn();
  } finally {
    recording = outer;
    if (!outer) setModuleCreationHook(undefined);
  }
}
