from .residual_cnn import ResidualCNN

__all__ = ['ResidualCNN']
