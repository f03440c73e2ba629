// The inspector webview: one view at a time (a tensor or a module), replaced on every `init` from the host.
import '@vscode-elements/elements/dist/vscode-badge/index.js';
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-textfield/index.js';
import type { InspectorMessage, InspectorRequest } from '../../src/protocol/inspector';
import { clear, codicon, h } from './dom';
import { renderModule } from './module-view';
import { TensorView } from './tensor-view';
import { post as postRaw } from './vscode-api';
import './inspector.css';

const root = document.getElementById('root') as HTMLElement;
const post = (message: InspectorRequest) => postRaw(message);
let currentId = -1;
let tensorView: TensorView | undefined;

function show(message: InspectorMessage & { type: 'init' }): void {
  currentId = message.tensorId;
  tensorView = undefined;
  clear(root);
  window.scrollTo(0, 0);
  if (message.kind === 'tensor') {
    tensorView = new TensorView(message.tensorId, message.tensor, message.heatmapChannels, message.pageLimit, post);
    root.append(tensorView.element);
    tensorView.start();
  } else if (message.kind === 'module') {
    const open = message.canInspectTensors ? (name: string) => post({ type: 'inspectTensor', name }) : undefined;
    root.append(renderModule(message.module, open));
    post({ type: 'rendered', tensorId: message.tensorId, part: 'module' });
  } else {
    root.append(h('div', { class: 'notice' }, codicon('info'), ' ', message.message));
  }
}

window.addEventListener('message', (event: MessageEvent<InspectorMessage>) => {
  const message = event.data;
  if (message.type === 'init') show(message);
  else if (message.tensorId !== currentId) return; // an answer about what was shown before
  else if (message.type === 'error' && !tensorView) root.append(h('div', { class: 'error' }, codicon('error'), ' ', message.message));
  else tensorView?.onMessage(message);
});

root.append(h('div', { class: 'muted' }, 'Loading…'));
post({ type: 'ready' });
