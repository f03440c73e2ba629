// Engine objects live here; Python holds integer handles. One object always maps to the same id while the
// id is held, so Python's `a.weight is b.weight` holds after weight tying (the shim keeps id -> wrapper).
// Ids are never reused: a handle kept across a reset fails clearly instead of naming another object.
import type { SourceLocation } from '../../../protocol/engine';
import type { Module } from '../../../engine/nn';
import { EngineCallError } from '../bridge';

export class HandleTable {
  private nextId = 1;
  private readonly byId = new Map<number, object>();
  private ids = new WeakMap<object, number>();

  /** The id of obj, registering it on first sight. */
  idOf(obj: object): number {
    let id = this.ids.get(obj);
    if (id === undefined) {
      id = this.nextId++;
      this.ids.set(obj, id);
      this.byId.set(id, obj);
    }
    return id;
  }

  /** The id obj already has, without registering it. */
  peek(obj: object): number | undefined {
    return this.ids.get(obj);
  }

  get(id: unknown): object {
    const obj = typeof id === 'number' ? this.byId.get(id) : undefined;
    if (obj === undefined)
      throw new EngineCallError('RuntimeError', `engine handle ${String(id)} is no longer valid (it belongs to an earlier evaluation or was released)`);
    return obj;
  }

  has(id: number): boolean {
    return this.byId.has(id);
  }

  /** Python dropped its wrappers: the engine objects stay alive only where the engine itself holds them. */
  release(ids: readonly unknown[]): void {
    for (const id of ids) {
      if (typeof id !== 'number') continue;
      const obj = this.byId.get(id);
      if (obj === undefined) continue;
      this.byId.delete(id);
      this.ids.delete(obj);
    }
  }

  get size(): number {
    return this.byId.size;
  }

  reset(): void {
    this.byId.clear();
    this.ids = new WeakMap();
  }
}

export const handles = new HandleTable();

/** What the engine knows about a module that Python created. */
export interface ModuleMeta {
  /** Python class name when it differs from the engine class (a Python subclass). */
  pythonClass?: string;
  /** A Python object answers forward / extra_repr for this module. */
  pythonForward?: boolean;
  pythonExtraRepr?: boolean;
  /** Where the constructor was called and where the module was assigned (`self.features = ...`). */
  created?: SourceLocation;
  assigned?: SourceLocation;
}

const metadata = new WeakMap<Module, ModuleMeta>();

export function moduleMeta(m: Module): ModuleMeta | undefined {
  return metadata.get(m);
}

export function setModuleMeta(m: Module, meta: ModuleMeta): void {
  metadata.set(m, meta);
}

export function updateModuleMeta(m: Module, patch: Partial<ModuleMeta>): void {
  metadata.set(m, { ...metadata.get(m), ...patch });
}
