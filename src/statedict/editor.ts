// An in-memory state dict with undo/redo. The source file is never written; `saveAs` (export.ts) writes
// the current state to a file the user names.
import { EditableStateDict, StateDictValue } from './convert';
import { applyEdit, describeEdit, Edit, EditResult } from './edits';

interface HistoryEntry {
  readonly edit: Edit;
  readonly before: EditableStateDict;
  readonly after: EditableStateDict;
}

export class StateDictEditor {
  private current: EditableStateDict;
  private readonly done: HistoryEntry[] = [];
  private undone: HistoryEntry[] = [];

  /** `source` is the file the state dict came from; exports refuse to overwrite it. */
  constructor(initial: EditableStateDict, readonly source?: string) {
    this.current = new Map(initial);
  }

  get stateDict(): ReadonlyMap<string, StateDictValue> { return this.current; }
  get canUndo(): boolean { return this.done.length > 0; }
  get canRedo(): boolean { return this.undone.length > 0; }
  /** True when the current state differs from the initial one by at least one applied edit. */
  get isModified(): boolean { return this.done.length > 0; }
  /** Applied edits, oldest first. */
  get history(): readonly Edit[] { return this.done.map((h) => h.edit); }
  get undoLabel(): string | undefined { return this.done.length ? describeEdit(this.done[this.done.length - 1].edit) : undefined; }
  get redoLabel(): string | undefined { return this.undone.length ? describeEdit(this.undone[this.undone.length - 1].edit) : undefined; }

  /** Applies an edit (throwing leaves everything as it was) and clears the redo stack. */
  apply(edit: Edit): EditResult {
    const result = applyEdit(this.current, edit);
    this.done.push({ edit, before: this.current, after: result.stateDict });
    this.undone = [];
    this.current = result.stateDict;
    return result;
  }

  undo(): Edit | undefined {
    const entry = this.done.pop();
    if (!entry) return undefined;
    this.undone.push(entry);
    this.current = entry.before;
    return entry.edit;
  }

  redo(): Edit | undefined {
    const entry = this.undone.pop();
    if (!entry) return undefined;
    this.done.push(entry);
    this.current = entry.after;
    return entry.edit;
  }
}
