"""nn.MultiheadAttention alone (cross-attention shapes), returning (output, head-averaged weights)."""
import torch
import torch.nn as nn


def build():
    return nn.MultiheadAttention(embed_dim=16, num_heads=4, batch_first=True)


def example_input():
    torch.manual_seed(7)
    query = torch.randn(2, 3, 16)
    key = torch.randn(2, 5, 16)
    value = torch.randn(2, 5, 16)
    return query, key, value


def example_kwargs():
    return {"need_weights": True}
