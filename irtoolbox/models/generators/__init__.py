"""Unconditional generators whose latent space a restorer can search."""
from .stylegan2 import StyleGAN2Generator

__all__ = ['StyleGAN2Generator']
