"""Torch Explorer's own requests on evaluated files (entries, instantiation); not part of PyTorch's API."""
