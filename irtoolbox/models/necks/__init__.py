"""Necks: modules placed between or around trunks."""
from .info_accum import InfoAccum

__all__ = ['InfoAccum']
