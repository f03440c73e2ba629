// The workspace's static outlines: finds model files (settings torchExplorer.modelFiles / excludeFiles), parses
// each once per content, and re-resolves the whole workspace (base classes may live in other files) after
// debounced saves, creations and deletions.
import * as vscode from 'vscode';
import type { FileOutline } from '../protocol/outline';
import { PythonOutliner, resolveOutlines, type RawFile } from './outline';

const MAX_FILES = 5000;
const MAX_BYTES = 2_000_000; // generated or data files, not model code
const DEBOUNCE_MS = 300;

export async function createOutliner(extensionUri: vscode.Uri): Promise<PythonOutliner> {
  const read = (name: string) => vscode.workspace.fs.readFile(vscode.Uri.joinPath(extensionUri, 'out', 'extension', name));
  const [engine, python] = await Promise.all([read('web-tree-sitter.wasm'), read('tree-sitter-python.wasm')]);
  return PythonOutliner.create(engine, python);
}

export class OutlineIndex implements vscode.Disposable {
  private raw = new Map<string, RawFile>();
  private stamps = new Map<string, number>(); // mtime of each parsed file, to skip unchanged ones on a rescan
  private resolved = new Map<string, FileOutline>();
  private docCache = new Map<string, { version: number; outline: FileOutline }>();
  private pending = new Set<string>();
  private pendingRescan = false;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<void> = Promise.resolve();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires after the outlines changed (a scan or a debounced update finished). */
  readonly onDidChange = this.changed.event;
  private readonly disposables: vscode.Disposable[] = [this.changed];

  constructor(private readonly outliner: PythonOutliner, private readonly log: vscode.LogOutputChannel) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/*.py');
    this.disposables.push(
      watcher,
      watcher.onDidCreate(() => this.schedule()),
      watcher.onDidDelete(() => this.schedule()),
      watcher.onDidChange((uri) => this.schedule(uri)),
      vscode.workspace.onDidSaveTextDocument((doc) => { if (doc.languageId === 'python') this.schedule(doc.uri); }),
      vscode.workspace.onDidChangeConfiguration((e) => { if (e.affectsConfiguration('torchExplorer')) this.schedule(); }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.schedule()),
      vscode.workspace.onDidCloseTextDocument((doc) => this.docCache.delete(doc.uri.toString())),
    );
  }

  /** Model files that hold at least one nn.Module class or factory, sorted by path. */
  files(): FileOutline[] {
    return [...this.resolved.values()]
      .filter((f) => f.classes.length > 0 || f.factories.length > 0)
      .sort((a, b) => vscode.Uri.parse(a.uri).path.localeCompare(vscode.Uri.parse(b.uri).path));
  }

  /** The saved state of a file as the tree shows it. */
  get(uri: vscode.Uri): FileOutline | undefined {
    return this.resolved.get(uri.toString());
  }

  /** The outline of a document's current (maybe unsaved) text, resolved against the rest of the workspace. */
  outlineOfDocument(doc: vscode.TextDocument): FileOutline {
    const key = doc.uri.toString();
    const cached = this.docCache.get(key);
    if (cached && cached.version === doc.version) return cached.outline;
    const files = new Map(this.raw);
    files.set(key, this.outliner.parse(doc.getText()));
    const outline = resolveOutlines(files).get(key)!;
    this.docCache.set(key, { version: doc.version, outline });
    return outline;
  }

  /** Finds a module class or factory by name anywhere in the workspace (for hovers on uses). */
  findDefinition(name: string): { uri: string; outline: FileOutline } | undefined {
    for (const f of this.resolved.values()) {
      if (f.classes.some((c) => c.name === name) || f.factories.some((fn) => fn.name === name)) return { uri: f.uri, outline: f };
    }
    return undefined;
  }

  /** Full scan now (also what a settings change or a created/deleted file triggers, debounced). */
  rescan(): Promise<void> {
    this.pendingRescan = true;
    return this.flush();
  }

  private schedule(uri?: vscode.Uri): void {
    if (uri && this.raw.has(uri.toString())) this.pending.add(uri.toString());
    else this.pendingRescan = true; // new file, or one the globs may not cover: let findFiles decide
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => { this.timer = undefined; void this.flush(); }, DEBOUNCE_MS);
  }

  private flush(): Promise<void> {
    // one pass at a time; a pass started while another runs picks up everything pending
    this.running = this.running.then(() => this.pass()).catch((e) => this.log.error('outline refresh failed', e));
    return this.running;
  }

  private async pass(): Promise<void> {
    const rescan = this.pendingRescan;
    const uris = [...this.pending];
    this.pendingRescan = false;
    this.pending.clear();
    if (!rescan && uris.length === 0) return;
    const started = Date.now();
    if (rescan) {
      const found = await this.findModelFiles();
      const next = new Map<string, RawFile>();
      const nextStamps = new Map<string, number>();
      for (const uri of found) {
        const key = uri.toString();
        // unchanged on disk (same mtime): keep the parse
        const mtime = await vscode.workspace.fs.stat(uri).then((s) => s.mtime, () => -1);
        const keep = this.raw.get(key);
        nextStamps.set(key, mtime);
        next.set(key, keep && !uris.includes(key) && mtime === this.stamps.get(key) && mtime !== -1
          ? keep : await this.parseUri(uri));
      }
      this.raw = next;
      this.stamps = nextStamps;
    } else {
      for (const key of uris) {
        const uri = vscode.Uri.parse(key);
        this.stamps.set(key, await vscode.workspace.fs.stat(uri).then((st) => st.mtime, () => -1));
        this.raw.set(key, await this.parseUri(uri));
      }
    }
    this.resolved = resolveOutlines(this.raw);
    this.docCache.clear();
    this.log.info(`outline: ${this.raw.size} Python file(s), ${this.files().length} with modules (${rescan ? 'scan' : 'update'}, ${Date.now() - started} ms)`);
    this.changed.fire();
  }

  private async findModelFiles(): Promise<vscode.Uri[]> {
    if (!vscode.workspace.workspaceFolders?.length) return [];
    const config = vscode.workspace.getConfiguration('torchExplorer');
    const include = config.get<string>('modelFiles') || '**/*.py';
    const excludes = config.get<string[]>('excludeFiles') ?? [];
    const exclude = excludes.length ? `{${excludes.join(',')}}` : null;
    const found = await vscode.workspace.findFiles(include, exclude, MAX_FILES);
    if (found.length >= MAX_FILES) this.log.warn(`outline: stopped at ${MAX_FILES} files; narrow torchExplorer.modelFiles`);
    return found.filter((u) => u.path.endsWith('.py'));
  }

  /** The saved text: the tree shows files as saved; hovers use outlineOfDocument for unsaved text. */
  private async parseUri(uri: vscode.Uri): Promise<RawFile> {
    const empty: RawFile = { classes: [], functions: [], instances: [], errors: [] };
    try {
      const bytes = await vscode.workspace.fs.readFile(uri);
      if (bytes.byteLength > MAX_BYTES) return empty;
      return this.outliner.parse(new TextDecoder().decode(bytes));
    } catch (e) {
      this.log.warn(`outline: cannot read ${uri.toString()}: ${e instanceof Error ? e.message : String(e)}`);
      return empty;
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    this.outliner.dispose();
  }
}
