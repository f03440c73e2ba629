// A state dict grouped by key prefix: `features.0.weight` lies under features > 0. Groups keep the order in
// which the file first mentions them and carry the totals of the tensors below them.
import type { CheckpointTreeNode } from '../../protocol/inspector';

export interface TensorDescription {
  readonly dtype: string;
  readonly shape: readonly number[];
  readonly byteLength: number;
}

export function groupByPrefix(tensors: Iterable<readonly [string, TensorDescription]>): CheckpointTreeNode[] {
  const root: CheckpointTreeNode = { name: '', path: '', tensors: 0, numel: 0, bytes: 0, children: [] };
  const index = new Map<string, CheckpointTreeNode>();
  for (const [key, tensor] of tensors) {
    const numel = tensor.shape.reduce((a, b) => a * b, 1);
    const segments = key.split('.');
    let node = root;
    for (let depth = 0; depth < segments.length; depth++) {
      const segment = segments[depth];
      const path = segments.slice(0, depth + 1).join('.');
      let child = index.get(path);
      if (!child) {
        child = { name: segment, path, tensors: 0, numel: 0, bytes: 0, children: [] };
        index.set(path, child);
        node.children.push(child);
      }
      node.tensors++;
      node.numel += numel;
      node.bytes += tensor.byteLength;
      node = child;
    }
    node.tensors++;
    node.numel += numel;
    node.bytes += tensor.byteLength;
    node.tensor = { dtype: tensor.dtype, shape: [...tensor.shape], bytes: tensor.byteLength };
  }
  return root.children;
}

/** The node at a dotted path (a group prefix or a tensor key). */
export function findNode(nodes: readonly CheckpointTreeNode[], path: string): CheckpointTreeNode | undefined {
  for (const node of nodes) {
    if (node.path === path) return node;
    if (path.startsWith(`${node.path}.`)) return findNode(node.children, path);
  }
  return undefined;
}
