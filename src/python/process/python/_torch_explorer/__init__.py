"""Torch Explorer's runtime inside Pyodide: sandbox lock-down, import layer, evaluation, engine bridge."""
