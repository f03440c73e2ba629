// The engine's status-bar item: starting / ready / busy / failed / Restricted Mode, with a tooltip saying why,
// and a click that shows the engine's output channel.
import * as vscode from 'vscode';
import type { EngineService, EngineStatus } from './engine-service';

export const SHOW_ENGINE_OUTPUT = 'torchExplorer.showEngineOutput';

export function statusText(s: EngineStatus): { text: string; tooltip: string; warning: boolean; error: boolean } {
  const restarts = s.restarts ? `\n\nRestarted ${s.restarts} time(s) after a crash or cancel.` : '';
  const click = '\n\nClick to show the engine log.';
  switch (s.state) {
    case 'idle':
      return { text: '$(circle-outline) Torch', tooltip: `Torch Explorer engine: not started (it starts when a model is explored).${restarts}${click}`, warning: false, error: false };
    case 'starting':
      return { text: '$(loading~spin) Torch: starting', tooltip: `Torch Explorer engine: starting Python (Pyodide) in a sandboxed process…${click}`, warning: false, error: false };
    case 'busy':
      return { text: `$(loading~spin) Torch: ${s.detail ?? 'busy'}`, tooltip: `Torch Explorer engine: running ${s.detail ?? 'a request'}.${restarts}${click}`, warning: false, error: false };
    case 'ready': {
      const unsandboxed = s.sandbox && !s.sandbox.sandboxed;
      const how = unsandboxed
        ? `NOT sandboxed (${s.sandbox?.reason ?? 'unknown reason'}): model files run only because the workspace is trusted.`
        : 'sandboxed (Node permission model, no file, network or process access).';
      return {
        text: unsandboxed ? '$(warning) Torch: unsandboxed' : '$(check) Torch',
        tooltip: `Torch Explorer engine: ready${s.pythonVersion ? `, Python ${s.pythonVersion}` : ''}, ${how}` +
          `${s.kernels ? `\n\nKernels: ${s.kernels} (settings torchExplorer.kernels, torchExplorer.threads).` : ''}${restarts}${click}`,
        warning: !!unsandboxed, error: false,
      };
    }
    case 'failed':
      return { text: '$(error) Torch: failed', tooltip: `Torch Explorer engine failed: ${s.detail ?? 'unknown error'}\n\nIt is tried again on next use.${click}`, warning: false, error: true };
    case 'restricted':
      return { text: '$(shield) Torch: restricted', tooltip: `${s.detail ?? 'Restricted Mode'}${click}`, warning: false, error: false };
  }
}

export function registerEngineStatus(engine: EngineService): vscode.Disposable[] {
  const item = vscode.window.createStatusBarItem('torchExplorer.engine', vscode.StatusBarAlignment.Left, 10);
  item.name = 'Torch Explorer Engine';
  item.command = SHOW_ENGINE_OUTPUT;
  const update = (s: EngineStatus) => {
    const t = statusText(s);
    item.text = t.text;
    item.tooltip = t.tooltip;
    item.backgroundColor = t.error ? new vscode.ThemeColor('statusBarItem.errorBackground')
      : t.warning ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    item.show();
  };
  update(engine.status);
  return [
    item,
    engine.onDidChangeStatus(update),
    vscode.commands.registerCommand(SHOW_ENGINE_OUTPUT, () => engine.log.show(true)),
  ];
}
