// RNN, LSTM and GRU (torch/nn/modules/rnn.py): PyTorch's parameter names (weight_ih_l0, ..._reverse),
// gate order (LSTM i, f, g, o; GRU r, z, n), multi-layer and bidirectional forward, inter-layer dropout.
import { signature } from '../../args';
import * as F from '../../functional';
import { cat, stack } from '../../ops/shape';
import { Tensor } from '../../tensor';
import * as init from '../init';
import { Module } from '../module';
import { emptyParameter, Parameter } from '../parameter';
import { fmt, num, str, unwrapFloat, ValueError } from '../python';

type Mode = 'LSTM' | 'GRU' | 'RNN_TANH' | 'RNN_RELU';
type State = { h: Tensor; c?: Tensor };

abstract class RNNBase extends Module {
  declare mode: Mode;
  declare input_size: number;
  declare hidden_size: number;
  declare num_layers: number;
  declare bias: boolean;
  declare batch_first: boolean;
  declare dropout: number;
  declare bidirectional: boolean;
  declare proj_size: number;
  declare _flat_weights_names: string[];
  declare _all_weights: string[][];

  constructor(mode: Mode, a: Record<string, any>) {
    super();
    const dropout = unwrapFloat(a.dropout);
    if (typeof dropout !== 'number' || dropout < 0 || dropout > 1)
      throw new ValueError('dropout should be a number in range [0, 1] representing the probability of an element being zeroed');
    if (!Number.isInteger(a.hidden_size)) throw new TypeError(`hidden_size should be of type int, got: ${typeof a.hidden_size}`);
    if (a.hidden_size <= 0) throw new ValueError('hidden_size must be greater than zero');
    if (a.num_layers <= 0) throw new ValueError('num_layers must be greater than zero');
    const projSize: number = a.proj_size ?? 0;
    if (projSize < 0) throw new ValueError('proj_size should be a positive integer or zero to disable projections');
    if (projSize >= a.hidden_size) throw new ValueError('proj_size has to be smaller than hidden_size');
    this.mode = mode;
    this.input_size = a.input_size;
    this.hidden_size = a.hidden_size;
    this.num_layers = a.num_layers;
    this.bias = a.bias;
    this.batch_first = a.batch_first;
    this.dropout = num(this, 'dropout', dropout, true);
    this.bidirectional = a.bidirectional;
    this.proj_size = projSize;
    const dirs = a.bidirectional ? 2 : 1;
    const gate = { LSTM: 4, GRU: 3, RNN_TANH: 1, RNN_RELU: 1 }[mode] * a.hidden_size;
    const outSize = projSize > 0 ? projSize : a.hidden_size;
    this._flat_weights_names = [];
    this._all_weights = [];
    for (let layer = 0; layer < a.num_layers; layer++) {
      for (let d = 0; d < dirs; d++) {
        const inSize = layer === 0 ? a.input_size : outSize * dirs;
        const suffix = d === 1 ? '_reverse' : '';
        const params: [string, Parameter][] = [
          [`weight_ih_l${layer}${suffix}`, emptyParameter([gate, inSize], a.dtype)],
          [`weight_hh_l${layer}${suffix}`, emptyParameter([gate, outSize], a.dtype)],
        ];
        if (a.bias) {
          params.push([`bias_ih_l${layer}${suffix}`, emptyParameter([gate], a.dtype)]);
          params.push([`bias_hh_l${layer}${suffix}`, emptyParameter([gate], a.dtype)]);
        }
        if (projSize > 0) params.push([`weight_hr_l${layer}${suffix}`, emptyParameter([projSize, a.hidden_size], a.dtype)]);
        for (const [name, p] of params) (this as any)[name] = p;
        this._flat_weights_names.push(...params.map(([n]) => n));
        this._all_weights.push(params.map(([n]) => n));
      }
    }
    this.reset_parameters();
  }

  reset_parameters(): void {
    const stdv = this.hidden_size > 0 ? 1.0 / Math.sqrt(this.hidden_size) : 0;
    for (const w of this.parameters()) init.uniform_(w, -stdv, stdv);
  }

  get all_weights(): Parameter[][] { return this._all_weights.map((names) => names.map((n) => (this as any)[n])); }

  override extra_repr(): string {
    let s = `${this.input_size}, ${this.hidden_size}`;
    if (this.proj_size !== 0) s += `, proj_size=${this.proj_size}`;
    if (this.num_layers !== 1) s += `, num_layers=${this.num_layers}`;
    if (this.bias !== true) s += `, bias=${str(this.bias)}`;
    if (this.batch_first !== false) s += `, batch_first=${str(this.batch_first)}`;
    if (this.dropout !== 0) s += `, dropout=${fmt(this, 'dropout')}`;
    if (this.bidirectional !== false) s += `, bidirectional=${str(this.bidirectional)}`;
    return s;
  }

  /** One direction of one layer over the whole (L, N, in) sequence. */
  private runDirection(x: Tensor, layer: number, reverse: boolean, state: State): { out: Tensor; state: State } {
    const sfx = `l${layer}${reverse ? '_reverse' : ''}`;
    const self = this as any;
    const wih: Tensor = self[`weight_ih_${sfx}`], whh: Tensor = self[`weight_hh_${sfx}`];
    const bih: Tensor | null = this.bias ? self[`bias_ih_${sfx}`] : null, bhh: Tensor | null = this.bias ? self[`bias_hh_${sfx}`] : null;
    const whr: Tensor | null = this.proj_size > 0 ? self[`weight_hr_${sfx}`] : null;
    const xw = F.linear(x, wih, bih); // input projections for every step at once
    const steps = x.shape[0];
    const outs: Tensor[] = new Array(steps);
    let { h, c } = state;
    for (let s = 0; s < steps; s++) {
      const t = reverse ? steps - 1 - s : s;
      const gi = xw.select(0, t), gh = F.linear(h, whh, bhh);
      if (this.mode === 'LSTM') {
        const [i, f, g, o] = gi.add(gh).chunk(4, -1);
        c = f.sigmoid().mul(c!).add(i.sigmoid().mul(g.tanh()));
        h = o.sigmoid().mul(c.tanh());
        if (whr) h = F.linear(h, whr);
      } else if (this.mode === 'GRU') {
        const [ri, zi, ni] = gi.chunk(3, -1), [rh, zh, nh] = gh.chunk(3, -1);
        const r = ri.add(rh).sigmoid(), z = zi.add(zh).sigmoid();
        const n = ni.add(r.mul(nh)).tanh();
        h = n.add(z.mul(h.sub(n)));
      } else {
        const pre = gi.add(gh);
        h = this.mode === 'RNN_TANH' ? pre.tanh() : pre.relu();
      }
      outs[t] = h;
    }
    return { out: stack(outs), state: { h, c } };
  }

  /** Runs the stack over (L, N, H_in); hx is (layers * dirs, N, H) (and cx for LSTM). */
  protected runLayers(input: Tensor, hx: Tensor, cx: Tensor | null): [Tensor, Tensor, Tensor | null] {
    const dirs = this.bidirectional ? 2 : 1;
    const hn: Tensor[] = [], cn: Tensor[] = [];
    let x = input;
    for (let layer = 0; layer < this.num_layers; layer++) {
      const outs: Tensor[] = [];
      for (let d = 0; d < dirs; d++) {
        const idx = layer * dirs + d;
        const r = this.runDirection(x, layer, d === 1, { h: hx.select(0, idx), c: cx?.select(0, idx) });
        outs.push(r.out);
        hn.push(r.state.h);
        if (r.state.c) cn.push(r.state.c);
      }
      x = dirs === 1 ? outs[0] : cat(outs, 2);
      if (this.dropout > 0 && this.training && layer < this.num_layers - 1) x = F.dropout(x, this.dropout, true);
    }
    return [x, stack(hn), cx ? stack(cn) : null];
  }

  /** Shapes the input to (L, N, H_in) and builds the default zero state; returns how to undo it. */
  protected prepare(input: Tensor): { x: Tensor; batched: boolean; batch: number } {
    const batched = input.ndim === 3;
    if (input.ndim !== 2 && input.ndim !== 3)
      throw new ValueError(`${this._get_name()}: Expected input to be 2D or 3D, got ${input.ndim}D tensor instead`);
    if (input.shape[input.ndim - 1] !== this.input_size)
      throw new Error(`input.size(-1) must be equal to input_size. Expected ${this.input_size}, got ${input.shape[input.ndim - 1]}`);
    let x = batched ? input : input.unsqueeze(this.batch_first ? 0 : 1);
    if (this.batch_first) x = x.transpose(0, 1);
    return { x, batched, batch: x.shape[1] };
  }

  protected finish(out: Tensor, batched: boolean): Tensor {
    let y = this.batch_first ? out.transpose(0, 1) : out;
    if (!batched) y = y.squeeze(this.batch_first ? 0 : 1);
    return y;
  }

  protected checkHidden(h: Tensor, expected: number[], what = 'Expected hidden size'): void {
    if (h.ndim !== expected.length || h.shape.some((s, i) => s !== expected[i]))
      throw new Error(`${what} (${expected.join(', ')}), got [${h.shape.join(', ')}]`);
  }

  protected zeros(batch: number, size: number, like: Tensor): Tensor {
    return Tensor.empty([this.num_layers * (this.bidirectional ? 2 : 1), batch, size], like.dtype);
  }
}

const lstmSig = signature('LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None)');

export class LSTM extends RNNBase {
  constructor(...args: unknown[]) { super('LSTM', lstmSig.bind(args)); }

  /** Returns [output, [h_n, c_n]]. */
  override forward(input: Tensor, hx: [Tensor, Tensor] | null = null): [Tensor, [Tensor, Tensor]] {
    const { x, batched, batch } = this.prepare(input);
    const outSize = this.proj_size > 0 ? this.proj_size : this.hidden_size;
    let h0: Tensor, c0: Tensor;
    if (hx === null) {
      h0 = this.zeros(batch, outSize, x);
      c0 = this.zeros(batch, this.hidden_size, x);
    } else {
      [h0, c0] = batched ? hx : [hx[0].unsqueeze(1), hx[1].unsqueeze(1)];
      const layers = this.num_layers * (this.bidirectional ? 2 : 1);
      this.checkHidden(h0, [layers, batch, outSize], 'Expected hidden[0] size');
      this.checkHidden(c0, [layers, batch, this.hidden_size], 'Expected hidden[1] size');
    }
    const [out, hn, cn] = this.runLayers(x, h0, c0);
    const squeeze = (t: Tensor) => (batched ? t : t.squeeze(1));
    return [this.finish(out, batched), [squeeze(hn), squeeze(cn!)]];
  }
}

abstract class SingleStateRNN extends RNNBase {
  /** Returns [output, h_n]. */
  override forward(input: Tensor, hx: Tensor | null = null): [Tensor, Tensor] {
    const { x, batched, batch } = this.prepare(input);
    let h0: Tensor;
    if (hx === null) h0 = this.zeros(batch, this.hidden_size, x);
    else {
      h0 = batched ? hx : hx.unsqueeze(1);
      this.checkHidden(h0, [this.num_layers * (this.bidirectional ? 2 : 1), batch, this.hidden_size]);
    }
    const [out, hn] = this.runLayers(x, h0, null);
    return [this.finish(out, batched), batched ? hn : hn.squeeze(1)];
  }
}

const gruSig = signature('GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None)');

export class GRU extends SingleStateRNN {
  constructor(...args: unknown[]) { super('GRU', gruSig.bind(args)); }
}

const rnnSig = signature('RNN(input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True, batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None)');

export class RNN extends SingleStateRNN {
  declare nonlinearity: string;
  constructor(...args: unknown[]) {
    const a = rnnSig.bind(args);
    if (a.nonlinearity !== 'tanh' && a.nonlinearity !== 'relu')
      throw new ValueError(`Unknown nonlinearity '${a.nonlinearity}'. Select from 'tanh' or 'relu'.`);
    super(a.nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', a);
    this.nonlinearity = a.nonlinearity;
  }
}
