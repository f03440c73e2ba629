"""Token classifier: Embedding -> 2-layer bidirectional LSTM -> Linear on the last time step."""
import torch
import torch.nn as nn


class LSTMClassifier(nn.Module):
    def __init__(self, vocab=20, emb=8, hidden=12, classes=3):
        super().__init__()
        self.embedding = nn.Embedding(vocab, emb, padding_idx=0)
        self.lstm = nn.LSTM(emb, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.fc = nn.Linear(2 * hidden, classes)

    def forward(self, tokens):
        out, (h, c) = self.lstm(self.embedding(tokens))
        return self.fc(out[:, -1, :])


def build():
    return LSTMClassifier()


def example_input():
    torch.manual_seed(8)
    return torch.randint(0, 20, (2, 6), dtype=torch.int64)
