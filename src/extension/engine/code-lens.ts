// CodeLens above each nn.Module class and model factory: "Explore" before evaluation, then
// "Explore · 75,839 params" once the engine built that entry. Runs torchExplorer.explore for the entry.
import * as vscode from 'vscode';
import type { OutlineIndex } from '../outline-index';
import type { EngineService } from './engine-service';
import type { ModelStore } from './model-store';

export const EXPLORE_COMMAND = 'torchExplorer.explore';

export class ExploreCodeLensProvider implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  private readonly subs: vscode.Disposable[];

  constructor(private readonly index: OutlineIndex, private readonly store: ModelStore, private readonly engine: EngineService) {
    this.subs = [store.onDidChange(() => this.changed.fire()), index.onDidChange(() => this.changed.fire()),
      engine.onDidChangeTrust(() => this.changed.fire()), this.changed];
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!vscode.workspace.getConfiguration('torchExplorer').get<boolean>('codeLens', true)) return [];
    const outline = this.index.outlineOfDocument(doc);
    const restricted = !!this.engine.gateReason();
    const lens = (name: string, line: number) => {
      const facts = this.store.model(doc.uri, name)?.facts;
      const params = facts ? ` · ${facts.answer.totalParams.toLocaleString('en-US')} params` : '';
      const title = restricted ? 'Explore (Restricted Mode: outline only)' : `Explore${params}`;
      return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
        title, command: EXPLORE_COMMAND, arguments: [doc.uri, name],
        tooltip: restricted ? 'Model files do not run in an untrusted workspace.' : `Build ${name} in the engine and show it in the Models view`,
      });
    };
    return [
      ...outline.classes.map((c) => lens(c.name, c.nameRange.startLine)),
      ...outline.factories.map((f) => lens(f.name, f.nameRange.startLine)),
    ];
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
  }
}
