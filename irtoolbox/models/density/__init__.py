"""Density models: the conditional PixelCNN++ degradation model and its samplers."""
from .pixelcnn import ConditionalPixelCNN

__all__ = ['ConditionalPixelCNN']
