// torchExplorer.viewAs: show built models in the Models view as the tree of named_children() or as the
// flat list one of modules(), named_modules(), children(), parameters(), named_parameters(), state_dict()
// returns. Argument for use without UI: the mode name ('tree', 'named_modules', ...).
import * as vscode from 'vscode';
import { VIEW_MODES, VIEW_MODE_DETAILS, VIEW_MODE_LABELS, isViewMode, type ViewMode } from '../engine/view-modes';

export function registerViewAs(current: () => ViewMode, apply: (mode: ViewMode) => void): vscode.Disposable {
  return vscode.commands.registerCommand('torchExplorer.viewAs', async (given?: string): Promise<ViewMode | undefined> => {
    let mode = isViewMode(given) ? given : undefined;
    if (!mode) {
      const pick = await vscode.window.showQuickPick(VIEW_MODES.map((m) => ({
        label: `${m === current() ? '$(check) ' : ''}${VIEW_MODE_LABELS[m]}`, description: VIEW_MODE_DETAILS[m], mode: m,
      })), { placeHolder: 'View built models as…' });
      mode = pick?.mode;
    }
    if (mode) apply(mode);
    return mode;
  });
}
