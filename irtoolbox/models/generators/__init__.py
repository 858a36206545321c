"""Unconditional generators whose latent space a restorer can search."""
from .stylegan2 import StyleGAN2Generator
from .stylegan_like import StyleGANLikeGenerator

__all__ = ['StyleGAN2Generator', 'StyleGANLikeGenerator']
