import * as assert from 'node:assert/strict';
import fc from 'fast-check';
import { torch } from '../../../src/engine';
import * as F from '../../../src/engine/functional';
import { Tensor } from '../../../src/engine/tensor';

const values = (t: Tensor) => Array.from(t.toArray());
const close = (a: number[], b: number[], tol = 1e-4) => {
  assert.equal(a.length, b.length);
  a.forEach((v, i) => assert.ok(Math.abs(v - b[i]) <= tol * (1 + Math.abs(b[i])), `element ${i}: ${v} vs ${b[i]}`));
};
/** A float32 tensor of the shape with small deterministic values. */
const wave = (shape: number[], phase = 0) => {
  const n = shape.reduce((a, b) => a * b, 1);
  return torch.arange(n, { dtype: 'float32' }).mul(0.37).add(phase).sin().reshape(shape);
};

/** Direct-loop convolution over NCHW with explicit [top, bottom, left, right] zero padding. */
function naiveConv2d(x: Tensor, w: Tensor, stride: number[], pads: number[], dilation: number[], groups: number): number[] {
  const [n, c, h, wd] = x.shape, [o, cg, kh, kw] = w.shape;
  const xv = values(x), wv = values(w);
  const oh = Math.floor((h + pads[0] + pads[1] - dilation[0] * (kh - 1) - 1) / stride[0]) + 1;
  const ow = Math.floor((wd + pads[2] + pads[3] - dilation[1] * (kw - 1) - 1) / stride[1]) + 1;
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let oc = 0; oc < o; oc++) for (let y = 0; y < oh; y++) for (let z = 0; z < ow; z++) {
    let s = 0;
    const g = Math.floor(oc / (o / groups));
    for (let ic = 0; ic < cg; ic++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const iy = y * stride[0] - pads[0] + i * dilation[0], ix = z * stride[1] - pads[2] + j * dilation[1];
      if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
      s += xv[((b * c + g * cg + ic) * h + iy) * wd + ix] * wv[((oc * cg + ic) * kh + i) * kw + j];
    }
    out.push(s);
  }
  return out;
}

describe('engine: torch.nn.functional', () => {
  it('binds positional and keyword arguments like Python', () => {
    const x = wave([1, 2, 5, 5]), w = wave([3, 2, 3, 3], 1), b = wave([3], 2);
    const positional = F.conv2d(x, w, b, 2, 1);
    close(values(F.conv2d(x, w, b, { stride: 2, padding: 1 })), values(positional));
    close(values(F.conv2d(x, w, { bias: b, padding: [1, 1], stride: [2, 2] })), values(positional));
    assert.throws(() => F.conv2d(x, w, b, 2, { stride: 2 }), { name: 'TypeError', message: "conv2d() got multiple values for argument 'stride'" });
    assert.throws(() => F.conv2d(x, w, { strides: 2 }), { name: 'TypeError', message: "conv2d() got an unexpected keyword argument 'strides'" });
  });

  it('conv2d matches direct loops, including padding="same" with even kernels (extra padding after)', () => {
    const config = fc.record({
      c: fc.integer({ min: 1, max: 2 }), groups: fc.integer({ min: 1, max: 2 }), o: fc.integer({ min: 1, max: 2 }),
      kh: fc.integer({ min: 1, max: 4 }), kw: fc.integer({ min: 1, max: 4 }), h: fc.integer({ min: 4, max: 6 }), w: fc.integer({ min: 4, max: 6 }),
      dh: fc.integer({ min: 1, max: 2 }), dw: fc.integer({ min: 1, max: 2 }), same: fc.boolean(), sh: fc.integer({ min: 1, max: 2 }),
    });
    fc.assert(fc.property(config, (k) => {
      const cin = k.c * k.groups, cout = k.o * k.groups;
      const x = wave([2, cin, k.h, k.w]), w = wave([cout, k.c, k.kh, k.kw], 0.5);
      const stride = k.same ? [1, 1] : [k.sh, 1], dilation = [k.dh, k.dw];
      let pads = [1, 1, 0, 0];
      if (k.same) {
        const th = k.dh * (k.kh - 1), tw = k.dw * (k.kw - 1);
        pads = [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)];
      }
      if (k.h + pads[0] + pads[1] < k.dh * (k.kh - 1) + 1 || k.w + pads[2] + pads[3] < k.dw * (k.kw - 1) + 1) return;
      const out = F.conv2d(x, w, null, stride, k.same ? 'same' : [1, 0], dilation, k.groups);
      if (k.same) assert.deepEqual(out.size().slice(2), [k.h, k.w]);
      close(values(out), naiveConv2d(x, w, stride, pads, dilation, k.groups));
    }), { numRuns: 80 });
  });

  it('pad: reflect, replicate and circular read the mirrored, clamped and wrapped positions', () => {
    fc.assert(fc.property(fc.integer({ min: 2, max: 6 }), fc.integer({ min: -1, max: 3 }), fc.integer({ min: -1, max: 3 }), (n, l, r) => {
      const x = torch.arange(n, { dtype: 'float32' }).reshape(1, 1, n);
      const src = (j: number, mode: string) => {
        if (mode === 'replicate') return Math.min(Math.max(j, 0), n - 1);
        if (mode === 'circular') return ((j % n) + n) % n;
        const period = 2 * (n - 1), m = ((j % period) + period) % period;
        return m >= n ? period - m : m;
      };
      for (const mode of ['reflect', 'replicate', 'circular']) {
        if (mode === 'reflect' && (l >= n || r >= n)) continue; // PyTorch rejects these
        if (mode === 'circular' && (l > n || r > n)) continue;
        const expected = Array.from({ length: n + l + r }, (_, k) => src(k - l, mode));
        assert.deepEqual(values(F.pad(x, [l, r], mode)), expected, mode);
      }
      const constant = values(F.pad(x, [l, r], { value: -1 }));
      assert.deepEqual(constant, Array.from({ length: n + l + r }, (_, k) => (k - l >= 0 && k - l < n ? k - l : -1)));
    }));
  });

  it('max_pool2d output size follows the ceil_mode rule and windows hold the maxima', () => {
    fc.assert(fc.property(fc.integer({ min: 3, max: 8 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 1 }), fc.boolean(),
      (size, k, s, p, ceil) => {
        if (p > k / 2) return;
        const x = wave([1, 1, size, size]);
        let expected = Math.floor((size + 2 * p - k + (ceil ? s - 1 : 0)) / s) + 1;
        if (ceil && (expected - 1) * s >= size + p) expected--;
        const [out, idx] = F.max_pool2d(x, k, s, p, { ceil_mode: ceil, return_indices: true }) as Tensor[];
        assert.deepEqual(out.size(), [1, 1, expected, expected]);
        const xv = values(x);
        values(idx).forEach((flat, i) => assert.equal(values(out)[i], xv[flat]));
      }));
  });

  it('adaptive pooling uses windows [floor(i*in/out), ceil((i+1)*in/out))', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 9 }), fc.integer({ min: 1, max: 6 }), (n, out) => {
      const x = wave([1, 1, n]);
      const xv = values(x);
      const win = (i: number) => xv.slice(Math.floor((i * n) / out), Math.ceil(((i + 1) * n) / out));
      close(values(F.adaptive_avg_pool1d(x, out)), Array.from({ length: out }, (_, i) => win(i).reduce((a, b) => a + b) / win(i).length));
      close(values(F.adaptive_max_pool1d(x, out) as Tensor), Array.from({ length: out }, (_, i) => Math.max(...win(i))));
    }));
  });

  it('interpolate nearest reads floor(dst * in / out); bilinear with align_corners keeps the corners', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 12 }), (n, out) => {
      const x = torch.arange(n, { dtype: 'float32' }).reshape(1, 1, n);
      const scale = Math.fround(Math.fround(n) / out);
      const expected = Array.from({ length: out }, (_, j) => (out === n ? j : out === 2 * n ? j >> 1 : Math.min(Math.floor(Math.fround(j * scale)), n - 1)));
      assert.deepEqual(values(F.interpolate(x, out)), expected);
    }));
    const img = wave([1, 1, 3, 4]);
    const up = F.interpolate(img, { size: [5, 7], mode: 'bilinear', align_corners: true });
    const iv = values(img), uv = values(up);
    close([uv[0], uv[6], uv[28], uv[34]], [iv[0], iv[3], iv[8], iv[11]]);
  });

  it('dropout: identity in eval, seeded masks in training, kept values scaled by 1/(1-p)', () => {
    const x = torch.ones(4000);
    assert.equal(F.dropout(x, 0.3, false), x);
    torch.manual_seed(7);
    const a = F.dropout(x, 0.3);
    torch.manual_seed(7);
    const b = F.dropout(x, 0.3);
    assert.deepEqual(values(a), values(b));
    const kept = values(a).filter((v) => v !== 0);
    kept.forEach((v) => assert.ok(Math.abs(v - 1 / 0.7) < 1e-6));
    assert.ok(Math.abs(kept.length / 4000 - 0.7) < 0.05, `kept ${kept.length}`);
    const channels = values(F.dropout2d(torch.ones(2, 50, 3, 3), 0.5).sum([2, 3]));
    channels.forEach((s) => assert.ok(s === 0 || Math.abs(s - 18) < 1e-4, 'whole channels are dropped'));
    assert.throws(() => F.dropout(x, 1.5), { name: 'ValueError', message: 'dropout probability has to be between 0 and 1, but got 1.5' });
  });

  it('batch_norm: training normalises with batch statistics and moves running stats by momentum (unbiased variance)', () => {
    const x = wave([4, 3, 2, 2]);
    const rm = torch.zeros(3), rv = torch.ones(3);
    const out = F.batch_norm(x, rm, rv, { training: true, momentum: 0.25 });
    close(values(out.mean([0, 2, 3])), [0, 0, 0], 1e-5);
    close(values(out.var([0, 2, 3], { unbiased: false })), [1, 1, 1], 1e-3);
    const mean = x.mean([0, 2, 3]), unbiased = x.var([0, 2, 3]);
    close(values(rm), values(mean.mul(0.25)));
    close(values(rv), values(unbiased.mul(0.25).add(0.75)));
    const evalOut = F.batch_norm(x, rm, rv);
    close(values(evalOut), values(x.sub(rm.reshape(1, 3, 1, 1)).div(rv.add(1e-5).sqrt().reshape(1, 3, 1, 1))));
  });

  it('softmax without dim picks dim 0 for 0-, 1- and 3-d inputs, else dim 1', () => {
    for (const shape of [[], [4], [2, 3, 4], [2, 3], [2, 3, 2, 2]]) {
      const x = wave(shape);
      const dim = [0, 1, 3].includes(shape.length) ? 0 : 1;
      close(values(F.softmax(x)), values(F.softmax(x, dim)));
      close(values(torch.softmax(x, dim)), values(x.softmax(dim)));
    }
  });

  it('scaled_dot_product_attention: is_causal equals an explicit lower-triangular bool mask', () => {
    const q = wave([2, 3, 4]), k = wave([2, 5, 4], 1), v = wave([2, 5, 2], 2);
    const mask = torch.ones([3, 5], { dtype: 'bool' }).tril();
    close(values(F.scaled_dot_product_attention(q, k, v, { is_causal: true })), values(F.scaled_dot_product_attention(q, k, v, mask)));
    const manual = torch.softmax(torch.matmul(q, k.transpose(-2, -1)).mul(0.5), -1);
    close(values(F.scaled_dot_product_attention(q, k, v)), values(torch.matmul(manual, v)));
  });

  it('cross_entropy: probability targets equal to one-hot rows match class-index targets', () => {
    const logits = wave([4, 5]), target = torch.tensor([0, 3, 4, 1]);
    const probs = F.one_hot(target, 5).float();
    close(values(F.cross_entropy(logits, probs)), values(F.cross_entropy(logits, target)));
    close(values(F.cross_entropy(logits, target, { reduction: 'none' })),
      values(F.nll_loss(F.log_softmax(logits, 1), target, { reduction: 'none' })));
    close(values(F.cross_entropy(logits, probs, { label_smoothing: 0.2 })), values(F.cross_entropy(logits, target, { label_smoothing: 0.2 })));
  });

  it('embedding with max_norm rescales the rows it reads, in place', () => {
    const weight = torch.tensor([[3, 4], [0.3, 0.4], [6, 8]], { dtype: 'float32' });
    const out = F.embedding(torch.tensor([0, 1]), weight, { max_norm: 1 });
    close(values(out), [0.6, 0.8, 0.3, 0.4], 1e-5);
    close(values(weight), [0.6, 0.8, 0.3, 0.4, 6, 8], 1e-5);
  });
});
