"""Checks a part's author can run: irtoolbox's own and an extension package's.

:func:`house_style_problems` checks a class against the "A part" rules of
``docs/contributing.md``.
"""
from .house_style import args_entries, house_style_problems, init_params

__all__ = ['args_entries', 'house_style_problems', 'init_params']
