"""Checks a part's author can run: irtoolbox's own and an extension package's.

:func:`house_style_problems` checks a class against the "A part" rules of
``docs/contributing.md``; :func:`default_mismatches` compares each documented
default with ``inspect.signature``.
"""
from .house_style import args_entries, default_mismatches, house_style_problems, init_params

__all__ = ['args_entries', 'default_mismatches', 'house_style_problems', 'init_params']
