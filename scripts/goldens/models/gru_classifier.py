"""Token classifier: Embedding -> 2-layer bidirectional GRU -> Linear on the final hidden states."""
import torch
import torch.nn as nn


class GRUClassifier(nn.Module):
    def __init__(self, vocab=20, emb=8, hidden=12, classes=3):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb)
        self.gru = nn.GRU(emb, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, classes)

    def forward(self, tokens):
        out, h = self.gru(self.embedding(tokens))
        last = torch.cat([h[-2], h[-1]], dim=1)  # top layer, forward and backward directions
        return self.fc(last)


def build():
    return GRUClassifier()


def example_input():
    torch.manual_seed(9)
    return torch.randint(0, 20, (2, 6), dtype=torch.int64)
