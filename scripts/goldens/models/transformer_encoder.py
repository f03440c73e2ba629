"""nn.TransformerEncoder with three batch-first layers."""
import torch
import torch.nn as nn


def build():
    layer = nn.TransformerEncoderLayer(d_model=16, nhead=4, dim_feedforward=32, batch_first=True)
    return nn.TransformerEncoder(layer, num_layers=3)


def example_input():
    torch.manual_seed(5)
    return torch.randn(2, 5, 16)
