// Layer constructors, extra_repr strings and behaviours that the model fixtures do not pin down.
import * as assert from 'node:assert/strict';
import { nn, torch } from '../../../src/engine';
import { PyFloat } from '../../../src/engine/dtype';
import { Tensor } from '../../../src/engine/tensor';

const F = nn.functional;
const close = (a: Tensor, b: Tensor, tol = 1e-5) => {
  assert.deepEqual([...a.shape], [...b.shape]);
  const x = a.toArray(), y = b.toArray();
  for (let i = 0; i < x.length; i++) assert.ok(Math.abs(x[i] - y[i]) <= tol + tol * Math.abs(y[i]), `element ${i}: ${x[i]} vs ${y[i]}`);
};

describe('nn layers: extra_repr', () => {
  it('prints like PyTorch 2.x', () => {
    const cases: [nn.Module, string][] = [
      [new nn.Conv2d(3, 8, [3, 5], { stride: 2, padding: [1, 2], bias: false }), 'Conv2d(3, 8, kernel_size=(3, 5), stride=(2, 2), padding=(1, 2), bias=False)'],
      [new nn.Conv2d(4, 4, 3, { padding: 'same', padding_mode: 'reflect', groups: 2, dilation: 2 }), 'Conv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), padding=same, dilation=(2, 2), groups=2, padding_mode=reflect)'],
      [new nn.Conv1d(2, 4, 3), 'Conv1d(2, 4, kernel_size=(3,), stride=(1,))'],
      [new nn.ConvTranspose2d(4, 2, 3, { stride: 2, output_padding: 1 }), 'ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))'],
      [new nn.BatchNorm1d(5, { momentum: null, affine: false, eps: 0.001 }), 'BatchNorm1d(5, eps=0.001, momentum=None, affine=False, track_running_stats=True)'],
      [new nn.LayerNorm(64), 'LayerNorm((64,), eps=1e-05, elementwise_affine=True)'],
      [new nn.GroupNorm(2, 4, { eps: 1e-6 }), 'GroupNorm(2, 4, eps=1e-06, affine=True)'],
      [new nn.RMSNorm([4, 8]), 'RMSNorm((4, 8), eps=None, elementwise_affine=True)'],
      [new nn.Embedding(10, 4, { max_norm: 1, norm_type: 1, sparse: true }), 'Embedding(10, 4, max_norm=1, norm_type=1, sparse=True)'],
      [new nn.Dropout(new PyFloat(0)), 'Dropout(p=0.0, inplace=False)'],
      [new nn.Dropout(0.1, true), 'Dropout(p=0.1, inplace=True)'],
      [new nn.LeakyReLU(), 'LeakyReLU(negative_slope=0.01)'],
      [new nn.LeakyReLU(0.2, true), 'LeakyReLU(negative_slope=0.2, inplace=True)'],
      [new nn.ELU(), 'ELU(alpha=1.0)'],
      [new nn.Hardtanh(), 'Hardtanh(min_val=-1.0, max_val=1.0)'],
      [new nn.ReLU6(true), 'ReLU6(inplace=True)'],
      [new nn.Softplus(), 'Softplus(beta=1.0, threshold=20.0)'],
      [new nn.Softmax(), 'Softmax(dim=None)'],
      [new nn.GELU('tanh'), "GELU(approximate='tanh')"],
      [new nn.SiLU(true), 'SiLU(inplace=True)'],
      [new nn.MaxPool2d(3, { stride: 1, padding: 1, ceil_mode: true }), 'MaxPool2d(kernel_size=3, stride=1, padding=1, dilation=1, ceil_mode=True)'],
      [new nn.AvgPool2d(2), 'AvgPool2d(kernel_size=2, stride=2, padding=0)'],
      [new nn.AdaptiveAvgPool2d([null, 7] as any), 'AdaptiveAvgPool2d(output_size=(None, 7))'],
      [new nn.Upsample({ size: [4, 4] }), "Upsample(size=(4, 4), mode='nearest')"],
      [new nn.Upsample({ scale_factor: [2, 3], mode: 'bilinear' }), "Upsample(scale_factor=(2.0, 3.0), mode='bilinear')"],
      [new nn.Flatten(0, 2), 'Flatten(start_dim=0, end_dim=2)'],
      [new nn.LSTM(4, 8, { batch_first: true }), 'LSTM(4, 8, batch_first=True)'],
      [new nn.GRU(4, 8, 3, { dropout: 0.5, bias: false }), 'GRU(4, 8, num_layers=3, bias=False, dropout=0.5)'],
      [new nn.LSTM(4, 8, { proj_size: 3 }), 'LSTM(4, 8, proj_size=3)'],
      [new nn.RNN(4, 8, { nonlinearity: 'relu' }), 'RNN(4, 8)'],
      [new nn.Identity(54, { unused: true }), 'Identity()'],
      [new nn.PReLU(3), 'PReLU(num_parameters=3)'],
    ];
    for (const [m, want] of cases) assert.equal(String(m), want);
  });
});

describe('nn layers: checks and messages', () => {
  it('Conv, Dropout, GroupNorm and RNN argument errors', () => {
    assert.throws(() => new nn.Conv2d(3, 4, 3, { groups: 2 }), { name: 'ValueError', message: 'in_channels must be divisible by groups' });
    assert.throws(() => new nn.Conv2d(4, 4, 3, { padding: 'same', stride: 2 }), { message: "padding='same' is not supported for strided convolutions" });
    assert.throws(() => new nn.Conv2d(4, 4, 3, { padding_mode: 'wrap' }),
      { message: "padding_mode must be one of {'zeros', 'reflect', 'replicate', 'circular'}, but got padding_mode='wrap'" });
    assert.throws(() => new nn.ConvTranspose2d(4, 4, 3, { padding_mode: 'reflect' }), { message: 'Only "zeros" padding mode is supported for ConvTranspose2d' });
    assert.throws(() => new nn.Dropout(1.5), { name: 'ValueError', message: 'dropout probability has to be between 0 and 1, but got 1.5' });
    assert.throws(() => new nn.GroupNorm(3, 4), { message: 'num_channels must be divisible by num_groups' });
    assert.throws(() => new nn.LSTM(4, 8, { proj_size: 8 }), { message: 'proj_size has to be smaller than hidden_size' });
    assert.throws(() => new nn.Linear(2, 3, { bais: false }), { name: 'TypeError', message: "Linear() got an unexpected keyword argument 'bais'" });
    assert.throws(() => new nn.BatchNorm2d(3).call(torch.zeros(2, 3)), { name: 'ValueError', message: 'expected 4D input (got 2D input)' });
  });
});

describe('nn layers: behaviour', () => {
  it('Conv2d padding modes equal F.pad followed by an unpadded conv; padding=same keeps the size', () => {
    torch.manual_seed(0);
    const x = torch.randn(1, 2, 5, 6);
    for (const mode of ['reflect', 'replicate', 'circular']) {
      const c = new nn.Conv2d(2, 3, 3, { padding: [1, 2], padding_mode: mode });
      close(c.call(x), F.conv2d(F.pad(x, [2, 2, 1, 1], { mode }), c.weight, c.bias));
    }
    const same = new nn.Conv2d(2, 3, [3, 4], { padding: 'same', dilation: 2 });
    assert.deepEqual(same.call(x).shape, [1, 3, 5, 6]);
  });

  it('BatchNorm: momentum=None is a cumulative average; track_running_stats=false has no buffers', () => {
    torch.manual_seed(1);
    const bn = new nn.BatchNorm1d(3, { momentum: null });
    const a = torch.randn(8, 3), b = torch.randn(8, 3);
    bn.call(a);
    bn.call(b);
    assert.equal(bn.num_batches_tracked!.item(), 2);
    close(bn.running_mean!, a.mean(0).add(b.mean(0)).div(2));
    const free = new nn.BatchNorm2d(2, { track_running_stats: false });
    assert.deepEqual([...free.named_buffers()], []);
    assert.deepEqual([...free.state_dict().keys()], ['weight', 'bias']);
    free.eval();
    assert.deepEqual(free.call(torch.randn(2, 2, 3, 3)).shape, [2, 2, 3, 3]);
  });

  it('MultiheadAttention with kdim/vdim has separate projections; masks and unbatched input work', () => {
    const mha = new nn.MultiheadAttention(8, 2, { kdim: 6, vdim: 4, add_bias_kv: true });
    assert.deepEqual([...mha.named_parameters()].map(([n, p]) => `${n}:${p.shape.join('x')}`),
      ['q_proj_weight:8x8', 'k_proj_weight:8x6', 'v_proj_weight:8x4', 'in_proj_bias:24', 'bias_k:1x1x8', 'bias_v:1x1x8', 'out_proj.weight:8x8', 'out_proj.bias:8']);
    const [out, w] = mha.call(torch.randn(3, 2, 8), torch.randn(5, 2, 6), torch.randn(5, 2, 4), { key_padding_mask: torch.zeros([2, 5], { dtype: 'bool' }) });
    assert.deepEqual([out.shape, w!.shape], [[3, 2, 8], [2, 3, 6]]);
    const self = new nn.MultiheadAttention(8, 2);
    const q = torch.randn(4, 8);
    const [o1, w1] = self.call(q, q, q, { attn_mask: nn.generate_square_subsequent_mask(4), average_attn_weights: false });
    assert.deepEqual([o1.shape, w1!.shape], [[4, 8], [2, 4, 4]]);
    assert.equal(w1!.index(0, 0, 3).item(), 0, 'masked positions get zero weight');
    const [, none] = self.call(q, q, q, { need_weights: false });
    assert.equal(none, null);
  });

  it('TransformerEncoder clones are independent deep copies with the same initial values', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dim_feedforward: 16, activation: 'gelu', norm_first: true });
    const enc = new nn.TransformerEncoder(layer, 2, { norm: new nn.LayerNorm(8) });
    const [l0, l1] = [...enc.layers] as nn.TransformerEncoderLayer[];
    assert.notEqual(l0.linear1.weight, l1.linear1.weight);
    assert.deepEqual(l0.linear1.weight.tolist(), layer.linear1.weight.tolist());
    assert.equal(l0.activation_relu_or_gelu, 2);
    assert.deepEqual(enc.call(torch.randn(5, 3, 8), { src_key_padding_mask: torch.zeros([3, 5], { dtype: 'bool' }) }).shape, [5, 3, 8]);
    const gelu = new nn.TransformerEncoderLayer(8, 2, { activation: new nn.GELU() });
    assert.ok(gelu.get_submodule('activation') instanceof nn.GELU, 'a Module activation is a registered child');
  });

  it('LSTM/GRU: unbatched input, explicit initial state, shape errors', () => {
    const lstm = new nn.LSTM(3, 5, { num_layers: 2 });
    const [out, [h, c]] = lstm.call(torch.randn(7, 3));
    assert.deepEqual([out.shape, h.shape, c.shape], [[7, 5], [2, 5], [2, 5]]);
    const gru = new nn.GRU(3, 5, { bidirectional: true, batch_first: true });
    const [o2, h2] = gru.call(torch.randn(2, 4, 3), torch.zeros(2, 2, 5));
    assert.deepEqual([o2.shape, h2.shape], [[2, 4, 10], [2, 2, 5]]);
    assert.throws(() => gru.call(torch.randn(2, 4, 3), torch.zeros(1, 2, 5)), { message: 'Expected hidden size (2, 2, 5), got [1, 2, 5]' });
    assert.throws(() => gru.call(torch.randn(2, 4, 2)), { message: 'input.size(-1) must be equal to input_size. Expected 3, got 2' });
  });

  it('Embedding.from_pretrained keeps the weights; ConvTranspose2d honours output_size', () => {
    const w = torch.randn(4, 2);
    const e = nn.Embedding.from_pretrained(w);
    assert.ok(e.weight.sharesStorage(w) && e.weight.requires_grad === false);
    const ct = new nn.ConvTranspose2d(1, 1, 3, { stride: 2, padding: 1 });
    assert.deepEqual(ct.call(torch.randn(1, 1, 4, 4), [8, 8]).shape, [1, 1, 8, 8]);
    assert.throws(() => ct.call(torch.randn(1, 1, 4, 4), [9, 9]), /requested an output size of \[9, 9\], but valid sizes range from \[7, 7\] to \[8, 8\]/);
    const ct1 = new nn.ConvTranspose1d(2, 3, 4, { stride: 2 });
    assert.equal(String(ct1), 'ConvTranspose1d(2, 3, kernel_size=(4,), stride=(2,))');
    assert.deepEqual(ct1.call(torch.randn(1, 2, 5)).shape, [1, 3, 12]);
  });
});
