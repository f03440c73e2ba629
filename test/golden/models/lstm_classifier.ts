// TS mirror of scripts/goldens/models/lstm_classifier.py.
import { nn } from '../../../src/engine';
import type { Tensor } from '../../../src/engine/tensor';

export class LSTMClassifier extends nn.Module {
  declare embedding: nn.Embedding; declare lstm: nn.LSTM; declare fc: nn.Linear;
  constructor(vocab = 20, emb = 8, hidden = 12, classes = 3) {
    super();
    this.embedding = new nn.Embedding(vocab, emb, { padding_idx: 0 });
    this.lstm = new nn.LSTM(emb, hidden, { num_layers: 2, batch_first: true, bidirectional: true });
    this.fc = new nn.Linear(2 * hidden, classes);
  }
  override forward(tokens: Tensor): Tensor {
    const [out] = this.lstm.call(this.embedding.call(tokens));
    return this.fc.call(out.select(1, -1));
  }
}

export const build = (): nn.Module => new LSTMClassifier();
