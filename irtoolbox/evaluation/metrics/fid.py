"""FID over a test set (Heusel et al., "GANs trained by a two time-scale update
rule converge to a local Nash equilibrium", NeurIPS 2017, Sec. "Performance
measure"), with the InceptionV3 of the original code (``fid_inception.py``).

The 2048 pool features of every restored image and of every ground truth are
gathered over the whole test set (and across ranks); at the end a Gaussian is
fitted to each set and their Fréchet distance is reported::

    FID = ||mu_1 - mu_2||^2 + tr(S_1) + tr(S_2) - 2 tr((S_1 S_2)^(1/2))

in float64. With factors ``S_1 = X^T X`` and ``S_2 = Y^T Y``, the non-zero
eigenvalues of ``S_1 S_2`` are those of ``(Y X^T)^T (Y X^T)``, so
``tr((S_1 S_2)^(1/2))`` is the nuclear norm (sum of singular values) of
``Y X^T``. Over features, X and Y are the centred feature matrices divided by
``sqrt(N - 1)``: an ``N_2 x N_1`` product instead of 2048 x 2048 matrices, and
exact when the covariances are singular, as they are with fewer than 2049
images (a set against itself gives 0 to rounding), where pytorch-fid's
``scipy.linalg.sqrtm(S_1 S_2)`` is inaccurate; on full-rank covariances both
give the same value (tested). FID of so small a set is biased upwards (the
paper uses 50 000 images); compare FIDs of equal set sizes only.
"""
from typing import Any, Dict, List, Optional, Sequence

import numpy as np
import torch
from mmengine.evaluator import BaseMetric

from irtoolbox.registry import METRICS
from irtoolbox.utils.image_conventions import check_channel_order, describe_sample

from .base_restoration_metric import (
    BaseRestorationMetric,
    GroupBy,
    _normalise_group_by,
    _plain_group_value,
    _sorted_groups,
    lookup_key,
)
from .fid_inception import FIDInceptionV3
from .metric_weights import load_exact, load_state_dict, resolve_weights

FID_WEIGHTS_NAME = 'pt_inception-2015-12-05-6726825d.pth'
FID_WEIGHTS_SOURCE = ('https://github.com/mseitzer/pytorch-fid/releases/download/'
                      'fid_weights/pt_inception-2015-12-05-6726825d.pth (pytorch-fid)')


def _trace_sqrt_product(x: np.ndarray, y: np.ndarray) -> float:
    """``tr((X^T X Y^T Y)^(1/2))``: the nuclear norm of ``Y X^T``."""
    return float(np.linalg.svd(y @ x.T, compute_uv=False).sum())


def _factor(sigma: np.ndarray) -> np.ndarray:
    """``X`` with ``X^T X = sigma`` for a symmetric positive semi-definite ``sigma``."""
    values, vectors = np.linalg.eigh((sigma + sigma.T) / 2)
    return np.sqrt(np.clip(values, 0, None))[:, None] * vectors.T


def _distance(mu1: np.ndarray, x: np.ndarray, mu2: np.ndarray, y: np.ndarray) -> float:
    diff = mu1 - mu2
    return float(diff @ diff + np.sum(x * x) + np.sum(y * y) - 2 * _trace_sqrt_product(x, y))


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray, mu2: np.ndarray,
                     sigma2: np.ndarray) -> float:
    """Fréchet distance of two Gaussians given by means and covariances (float64)."""
    mu1, mu2 = np.asarray(mu1, np.float64), np.asarray(mu2, np.float64)
    return _distance(mu1, _factor(np.asarray(sigma1, np.float64)), mu2,
                     _factor(np.asarray(sigma2, np.float64)))


def feature_fid(features1: np.ndarray, features2: np.ndarray) -> float:
    """FID of two ``N x D`` feature sets (each needs at least 2 rows), as their Gaussians'."""
    if len(features1) < 2 or len(features2) < 2:
        raise ValueError(f'FID needs at least 2 images per set, got {len(features1)} and '
                         f'{len(features2)}')
    f1, f2 = np.asarray(features1, np.float64), np.asarray(features2, np.float64)
    mu1, mu2 = f1.mean(0), f2.mean(0)
    # X^T X = np.cov(f1, rowvar=False): centred rows over sqrt(N - 1)
    x, y = (f1 - mu1) / np.sqrt(len(f1) - 1), (f2 - mu2) / np.sqrt(len(f2) - 1)
    return _distance(mu1, x, mu2, y)


def load_fid_inception(path: str) -> FIDInceptionV3:
    """The FID InceptionV3 with pytorch-fid's published weights (its classifier dropped)."""
    model = FIDInceptionV3()
    state = {k: v for k, v in load_state_dict(path).items()
             if k not in FIDInceptionV3.unused_keys}
    load_exact(model, state, path)
    return model.eval()


@METRICS.register_module()
class FID(BaseMetric):
    """FID of the restored images (``pred_key``) against the ground truths, over the set.

    Args:
        weights_path: pytorch-fid's InceptionV3 weights; ``None`` means
            ``checkpoints/metrics/pt_inception-2015-12-05-6726825d.pth``.
        group_by: metainfo key(s) for one FID per group (as the other metrics;
            a group of fewer than 2 images gives NaN).
        pred_key: the sample field compared with ``gt_img`` ('input_img' for
            the degraded inputs' FID).
        device: where the network runs ('cpu' or 'cuda').
        prefix, collect_device, collect_dir: as mmengine's ``BaseMetric``.
    """

    metric_name = 'FID'
    default_prefix: Optional[str] = ''

    def __init__(self, weights_path: Optional[str] = None, group_by: GroupBy = None,
                 pred_key: str = 'pred_img', device: str = 'cpu',
                 prefix: Optional[str] = None, collect_device: str = 'cpu',
                 collect_dir: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix, collect_dir=collect_dir)
        self.weights_path = resolve_weights(weights_path, FID_WEIGHTS_NAME,
                                            'the FID InceptionV3 weights', FID_WEIGHTS_SOURCE)
        self.group_by = _normalise_group_by(group_by)
        self.pred_key = pred_key
        self.device = torch.device(device)
        self.network = load_fid_inception(self.weights_path).to(self.device)

    @torch.no_grad()
    def features(self, images: Sequence[np.ndarray], channel_order: str = 'rgb') -> np.ndarray:
        """``N x 2048`` float64 features of uint8 ``H x W x 3`` images."""
        rows = []
        for img in images:
            if img.ndim != 3 or img.shape[2] != 3:
                raise ValueError(f'FID takes 3-channel images, got shape {img.shape}')
            if channel_order == 'bgr':
                img = img[..., ::-1]
            x = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None].float() / 255
            rows.append(self.network(x.to(self.device)).double().cpu().numpy()[0])
        return np.stack(rows)

    def process(self, data_batch: Any, data_samples: Sequence[dict]) -> None:
        """Keep the features of each sample's two images and its group keys."""
        for sample in data_samples:
            # the per-image metrics' checks and messages (they use metric_name and pred_key only)
            images = BaseRestorationMetric._image_pair(self, sample)
            channel_order = sample.get('channel_order') or 'rgb'
            check_channel_order(channel_order, where=f' in the {describe_sample(sample)}')
            pred, gt = self.features(images, channel_order)
            keys = {key for spec in self.group_by for key in spec}
            self.results.append({
                'pred': pred, 'gt': gt,
                'groups': {key: _plain_group_value(key, lookup_key(sample, key))
                           for key in keys}})

    @staticmethod
    def _fid(records: List[dict]) -> float:
        if len(records) < 2:
            return float('nan')
        return feature_fid(np.stack([r['pred'] for r in records]),
                           np.stack([r['gt'] for r in records]))

    def compute_metrics(self, results: list) -> Dict[str, float]:
        """FID over all images, then one per value of each ``group_by`` spec."""
        metrics = {self.metric_name: self._fid(results)}
        for spec in self.group_by:
            groups: Dict[tuple, list] = {}
            for record in results:
                groups.setdefault(tuple(record['groups'][key] for key in spec), []).append(record)
            for group in _sorted_groups(groups):
                label = ','.join(f'{key}={value}' for key, value in zip(spec, group))
                metrics[f'{self.metric_name}/{label}'] = self._fid(groups[group])
        return metrics
