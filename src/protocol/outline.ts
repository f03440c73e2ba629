// The static outline of a Python file: what tree-sitter can tell about nn.Module classes without running
// anything. Plain data (no vscode, no Node), shared by the extension host, the engine process and webviews;
// the engine's evaluated results will point back at these ranges.

/** 0-based, end exclusive; the same numbers as a vscode.Range. */
export interface OutlineRange {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
}

/** Coarse layer kind, picked from the constructor's name; decides the icon. */
export type LayerKind =
  | 'container' // Sequential, ModuleList, ModuleDict
  | 'conv'
  | 'linear'
  | 'norm'
  | 'activation'
  | 'pool'
  | 'dropout'
  | 'recurrent'
  | 'attention'
  | 'embedding'
  | 'parameter' // nn.Parameter: a tensor, not a module
  | 'module' // a module class defined in the workspace
  | 'other';

/** `self.<name> = <constructor>(<args>)`, or one module inside a container constructor's arguments. */
export interface OutlineAssignment {
  /** attribute name (`features`), or the index/key inside a container (`0`, `'conv'`) */
  name: string;
  /** the called expression as written: `nn.Conv2d`, `torch.nn.Linear`, `ResBlock` */
  constructorName: string;
  /** its last dotted segment: `Conv2d` */
  typeName: string;
  /** the argument list's source text without the parentheses, whitespace collapsed */
  args: string;
  /** the call's source text as written (may span lines) */
  text: string;
  kind: LayerKind;
  /** the whole statement (or the call, for a container's entry) */
  range: OutlineRange;
  /** the attribute name after `self.` (or the call, for a container's entry) */
  nameRange: OutlineRange;
  /** modules listed inside a container constructor (Sequential positional args, ModuleList([...])) */
  children: OutlineAssignment[];
}

export interface OutlineClass {
  name: string;
  /** base class expressions as written: `nn.Module`, `Backbone` */
  bases: string[];
  range: OutlineRange;
  nameRange: OutlineRange;
  /** `self.x = Call(...)` in the class's methods, in source order */
  assignments: OutlineAssignment[];
}

/** A function whose return value is a module (a module class of the workspace or an `nn.X`). */
export interface OutlineFactory {
  name: string;
  /** parameter list as written, without parentheses */
  params: string;
  /** the constructors it returns: `ResNet`, `nn.Sequential` */
  returns: string[];
  range: OutlineRange;
  nameRange: OutlineRange;
}

/** `model = Net(...)` at module level (also inside a top-level `if`). */
export interface OutlineInstance {
  name: string;
  constructorName: string;
  args: string;
  range: OutlineRange;
  nameRange: OutlineRange;
}

export interface FileOutline {
  /** URI string of the file */
  uri: string;
  /** nn.Module subclasses only */
  classes: OutlineClass[];
  factories: OutlineFactory[];
  instances: OutlineInstance[];
  /** tree-sitter recovered from syntax errors at these places */
  errors: OutlineRange[];
}
