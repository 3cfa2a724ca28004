"""Trainers: one module per model family / detector (torch-based ones import torch lazily)."""
