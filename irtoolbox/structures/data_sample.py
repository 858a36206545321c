"""The sample that travels from the pipeline through the model to the metrics.

Fields (tensors, C x H x W, float32 in [0, 1], in the sample's channel order):

- ``gt_img``: the ground truth (absent for inference on user images).
- ``pred_img``: the restored image, set by ``Restorer.predict``.
- ``input_img``: the degraded input, set by ``Restorer.predict`` only with
  ``test_cfg=dict(keep_input=True)`` (a metric's ``pred_key='input_img'``
  scores the do-nothing baseline).

Metainfo (plain values, kept through collation): ``img_path``, ``gt_path``,
``sample_idx``, ``channel_order`` ('rgb' or 'bgr'), ``ori_shape``,
``input_shape`` (the unpadded H, W of the model input), and the degradation
that produced the input: ``degradation_name``, ``degradation_level``,
``degradation_params``. Metrics group results by any metainfo key.
"""
from mmengine.structures import BaseDataElement


class RestorationDataSample(BaseDataElement):
    """A data element for restoration with the fields documented above."""
