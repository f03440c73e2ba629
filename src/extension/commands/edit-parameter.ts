// torchExplorer.editParameter: change a parameter or buffer of a built model in place (fill with a value,
// zero, scale, or set a slice such as `0, :, 1:3`), undoable with torchExplorer.undoParameterEdit.
// Arguments for use without UI: (tensor item | model target, { name, op, value?, index? }).
import * as vscode from 'vscode';
import { parseIndex } from '../../statedict/slice';
import type { EngineRequests } from '../engine/engine-requests';
import type { LoadedModel, ModelStore } from '../engine/model-store';
import { nodeItem, resolveModel, runCommand, withEngineProgress, type CommandOutcome, type ModelTarget } from './command-support';

export type EditOp = 'fill' | 'zero' | 'scale' | 'set';
export interface EditArgs { name?: string; op?: EditOp; value?: number; index?: string }

const OPS: Array<{ label: string; op: EditOp; description: string }> = [
  { label: 'Fill', op: 'fill', description: 'every value becomes one number (tensor.fill_)' },
  { label: 'Zero', op: 'zero', description: 'every value becomes 0 (tensor.zero_)' },
  { label: 'Scale', op: 'scale', description: 'multiply every value (tensor.mul_)' },
  { label: 'Set slice', op: 'set', description: 'tensor[index] = value' },
];

export function registerEditParameter(store: ModelStore, requests: EngineRequests): vscode.Disposable[] {
  let lastEdited: LoadedModel | undefined;
  const edit = (target?: ModelTarget, given: EditArgs = {}): Promise<CommandOutcome<{ model: LoadedModel; name: string; changed: number }>> =>
    runCommand('Edit parameter', async () => {
      const model = await resolveModel({ store }, target);
      if (!model?.facts) throw new Error('build a model first (Explore, or choose an entry)');
      const tensors = [...model.facts.answer.parameters, ...model.facts.answer.buffers];
      let name = given.name ?? nodeItem(target).tensor;
      if (!name) {
        name = (await vscode.window.showQuickPick(tensors.map((t) => ({ label: t.name, description: `[${t.shape.join(', ')}] ${t.dtype}` })),
          { placeHolder: 'Which tensor?' }))?.label;
        if (!name) return undefined;
      }
      const rec = tensors.find((t) => t.name === name);
      if (!rec) throw new Error(`${model.entry} has no parameter or buffer ${name}`);
      const op = given.op ?? (await vscode.window.showQuickPick(OPS, { placeHolder: `Edit ${name}` }))?.op;
      if (!op) return undefined;
      let index = given.index;
      if (op === 'set' && index === undefined) {
        index = await vscode.window.showInputBox({ title: `Index into ${name} [${rec.shape.join(', ')}]`, prompt: 'Python index, e.g. 0, :, 1:3',
          validateInput: (t) => { try { parseIndex(t); return undefined; } catch (e) { return (e as Error).message; } } });
        if (index === undefined) return undefined;
      }
      if (index !== undefined) parseIndex(index); // a typo is an error here, not in the engine
      let value = given.value;
      if (op !== 'zero' && value === undefined) {
        const text = await vscode.window.showInputBox({ title: op === 'scale' ? 'Factor' : 'Value', value: op === 'scale' ? '0.5' : '0',
          validateInput: (t) => (Number.isFinite(Number(t)) && t.trim() !== '' ? undefined : 'a number') });
        if (text === undefined) return undefined;
        value = Number(text);
      }
      const chosen = name;
      const answer = await withEngineProgress(`Editing ${chosen}`, async (token) => {
        const handle = await store.live(model, { token });
        const result = await requests.editParameter(handle, { name: chosen, op, value, index }, { token });
        await store.reinspect(model, { token });
        return result;
      });
      lastEdited = model;
      return { model, name: chosen, changed: answer.changed };
    }, (r) => `${r.name}: ${r.changed.toLocaleString('en-US')} value(s) changed (Undo: Torch Explorer: Undo Parameter Edit)`);

  const undo = (target?: ModelTarget): Promise<CommandOutcome<string>> => runCommand('Undo parameter edit', async () => {
    const model = target ? await resolveModel({ store }, target) : lastEdited;
    if (!model) throw new Error('no parameter edit to undo');
    const result = await withEngineProgress('Undoing the last edit', async (token) => {
      const answer = await requests.undoEdit(await store.live(model, { token }), { token });
      await store.reinspect(model, { token });
      return answer;
    });
    if (!result.undone) throw new Error('nothing left to undo');
    return result.undone;
  }, (what) => `undone: ${what}`);

  return [
    vscode.commands.registerCommand('torchExplorer.editParameter', edit),
    vscode.commands.registerCommand('torchExplorer.undoParameterEdit', undo),
  ];
}
