// TS mirror of scripts/goldens/models/gru_classifier.py.
import { nn, torch } from '../../../src/engine';
import type { Tensor } from '../../../src/engine/tensor';

export class GRUClassifier extends nn.Module {
  declare embedding: nn.Embedding; declare gru: nn.GRU; declare fc: nn.Linear;
  constructor(vocab = 20, emb = 8, hidden = 12, classes = 3) {
    super();
    this.embedding = new nn.Embedding(vocab, emb);
    this.gru = new nn.GRU(emb, hidden, { num_layers: 2, batch_first: true, bidirectional: true });
    this.fc = new nn.Linear(2 * hidden, classes);
  }
  override forward(tokens: Tensor): Tensor {
    const [, h] = this.gru.call(this.embedding.call(tokens));
    const last = torch.cat([h.select(0, -2), h.select(0, -1)], 1); // top layer, both directions
    return this.fc.call(last);
  }
}

export const build = (): nn.Module => new GRUClassifier();
