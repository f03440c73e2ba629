// TS mirror of scripts/goldens/models/mha.py: nn.MultiheadAttention alone.
import { nn } from '../../../src/engine';

export const build = (): nn.Module => new nn.MultiheadAttention({ embed_dim: 16, num_heads: 4, batch_first: true });
