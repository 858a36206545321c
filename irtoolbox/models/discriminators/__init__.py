"""Discriminators for adversarial training."""
from .patchgan import PatchDiscriminator

__all__ = ['PatchDiscriminator']
