// "View as": the Models view shows an evaluated model as the tree named_children() gives, or as the flat
// list one of PyTorch's module methods returns. Plain data; no vscode import.
import type { ModelFacts } from './model-facts';

export const VIEW_MODES = ['tree', 'modules', 'named_modules', 'children', 'parameters', 'named_parameters', 'state_dict'] as const;
export type ViewMode = (typeof VIEW_MODES)[number];

export const VIEW_MODE_LABELS: Record<ViewMode, string> = {
  tree: 'Module tree (named_children(), recursively)',
  modules: 'modules()',
  named_modules: 'named_modules()',
  children: 'children()',
  parameters: 'parameters()',
  named_parameters: 'named_parameters()',
  state_dict: 'state_dict()',
};

export const VIEW_MODE_DETAILS: Record<ViewMode, string> = {
  tree: 'modules with their parameters and buffers as leaves',
  modules: 'every module once, root first, unnamed',
  named_modules: 'every module once with its qualified name',
  children: 'the direct children of the root, unnamed',
  parameters: 'every parameter tensor once, unnamed',
  named_parameters: 'every parameter tensor once with its qualified name',
  state_dict: 'parameters and persistent buffers by key',
};

export function isViewMode(v: unknown): v is ViewMode {
  return typeof v === 'string' && (VIEW_MODES as readonly string[]).includes(v);
}

/** How many items the method returns for the model (the tree mode counts named_children()). */
export function modeCount(facts: ModelFacts, mode: ViewMode): number {
  const a = facts.answer;
  switch (mode) {
    case 'tree': case 'children': return a.children.length;
    case 'modules': case 'named_modules': return a.modules.length;
    case 'parameters': case 'named_parameters': return a.parameters.length;
    case 'state_dict': return a.stateDict.length;
  }
}
