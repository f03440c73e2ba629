"""nn.TransformerDecoder (two batch-first layers, final LayerNorm) attending to an encoder memory."""
import torch
import torch.nn as nn


def build():
    layer = nn.TransformerDecoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
    return nn.TransformerDecoder(layer, num_layers=2, norm=nn.LayerNorm(16))


def example_input():
    torch.manual_seed(6)
    tgt = torch.randn(2, 4, 16)
    memory = torch.randn(2, 6, 16)
    return tgt, memory


def example_kwargs():
    # causal target mask: 0 on and below the diagonal, -inf above
    return {"tgt_mask": torch.triu(torch.full((4, 4), float("-inf")), diagonal=1)}
