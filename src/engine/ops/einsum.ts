// torch.einsum: one operand is permuted and summed; two operands contract through one batched GEMM
// (batch, kept-left, kept-right and contracted letters, as tensordot does); more operands pair up left to right.
import { numel } from '../shape';
import { Tensor } from '../tensor';
import { matmul } from './linalg';

interface Term { letters: string[] }

function parse(equation: string, operands: readonly Tensor[]): { inputs: Term[]; output: string[] } {
  const eq = equation.replace(/\s+/g, '');
  if (eq.includes('.')) throw new Error('einsum(): ellipsis (...) in the equation is not supported by this engine');
  const [lhs, rhs] = eq.split('->');
  const inputs = lhs.split(',').map((s) => ({ letters: [...s] }));
  if (inputs.length !== operands.length)
    throw new Error(`einsum(): more operands were provided than specified in the equation`);
  inputs.forEach((t, i) => {
    if (!t.letters.every((c) => /[a-zA-Z]/.test(c)))
      throw new Error(`einsum(): invalid subscript given at index ${lhs.indexOf(t.letters.find((c) => !/[a-zA-Z]/.test(c))!)} in the equation string, subscripts must be in [a-zA-Z]`);
    if (t.letters.length !== operands[i].ndim)
      throw new Error(`einsum(): the number of subscripts in the equation (${t.letters.length}) does not match the number of dimensions (${operands[i].ndim}) for operand ${i} and no ellipsis was given`);
    if (new Set(t.letters).size !== t.letters.length) throw new Error('einsum(): repeated subscripts within one operand are not supported by this engine');
  });
  let output: string[];
  if (rhs !== undefined) output = [...rhs];
  else {
    const counts = new Map<string, number>();
    for (const t of inputs) for (const c of t.letters) counts.set(c, (counts.get(c) ?? 0) + 1);
    output = [...counts.keys()].filter((c) => counts.get(c) === 1).sort();
  }
  return { inputs, output };
}

/** Sums away letters not in `keep`, returning the tensor and its remaining letters. */
function sumOut(t: Tensor, letters: string[], keep: Set<string>): [Tensor, string[]] {
  const drop = letters.map((c, i) => (keep.has(c) ? -1 : i)).filter((i) => i >= 0);
  if (drop.length === 0) return [t, letters];
  return [t.sum(drop), letters.filter((c) => keep.has(c))];
}

function contractPair(a: Tensor, la: string[], b: Tensor, lb: string[], needed: Set<string>): [Tensor, string[]] {
  [a, la] = sumOut(a, la, new Set([...needed, ...lb]));
  [b, lb] = sumOut(b, lb, new Set([...needed, ...la]));
  const batch = la.filter((c) => lb.includes(c) && needed.has(c));
  const contracted = la.filter((c) => lb.includes(c) && !needed.has(c));
  const left = la.filter((c) => !lb.includes(c)), right = lb.filter((c) => !la.includes(c));
  const size = (t: Tensor, l: string[], c: string) => t.shape[l.indexOf(c)];
  const sizeOf = (c: string) => (la.includes(c) ? size(a, la, c) : size(b, lb, c));
  for (const c of [...batch, ...contracted])
    if (size(a, la, c) !== size(b, lb, c) && size(a, la, c) !== 1 && size(b, lb, c) !== 1)
      throw new Error(`einsum(): operands do not broadcast with remapped shapes (original->remapped): [${a.shape.join(', ')}]->... and [${b.shape.join(', ')}]->...`);
  const dimOf = (c: string) => Math.max(la.includes(c) ? size(a, la, c) : 1, lb.includes(c) ? size(b, lb, c) : 1);
  const prod = (cs: string[]) => numel(cs.map(dimOf));
  const A = a.permute([...batch, ...left, ...contracted].map((c) => la.indexOf(c)))
    .expand([...batch.map(dimOf), ...left.map(sizeOf), ...contracted.map(dimOf)])
    .reshape([prod(batch), prod(left), prod(contracted)]);
  const B = b.permute([...batch, ...contracted, ...right].map((c) => lb.indexOf(c)))
    .expand([...batch.map(dimOf), ...contracted.map(dimOf), ...right.map(sizeOf)])
    .reshape([prod(batch), prod(contracted), prod(right)]);
  const out = matmul(A, B).reshape([...batch.map(dimOf), ...left.map(sizeOf), ...right.map(sizeOf)]);
  return [out, [...batch, ...left, ...right]];
}

export function einsum(equation: string, ...rest: (Tensor | Tensor[])[]): Tensor {
  const operands = rest.length === 1 && Array.isArray(rest[0]) ? rest[0] : (rest as Tensor[]);
  const { inputs, output } = parse(equation, operands);
  let t = operands[0], letters = inputs[0].letters;
  for (let i = 1; i < operands.length; i++) {
    const needed = new Set([...output, ...inputs.slice(i + 1).flatMap((x) => x.letters)]);
    [t, letters] = contractPair(t, letters, operands[i], inputs[i].letters, needed);
  }
  [t, letters] = sumOut(t, letters, new Set(output));
  return t.permute(output.map((c) => letters.indexOf(c)));
}
