"""Unconditional generators whose latent space a restorer can search."""
from .stylegan_like import StyleGANLikeGenerator

__all__ = ['StyleGANLikeGenerator']
