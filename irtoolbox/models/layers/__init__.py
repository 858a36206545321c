"""Small building blocks shared by backbones, necks and heads."""
from .subpix_upsamp import SubPixUpsamp

__all__ = ['SubPixUpsamp']
