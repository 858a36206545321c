"""Output heads (none yet: the backbones produce the image themselves)."""
