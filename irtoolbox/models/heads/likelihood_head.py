"""DL-Net's likelihood head (Guo et al., "Deep Likelihood Network for Image
Restoration with Multiple Degradation Levels", Sec. III-C, Eq. 4-5, Fig. 2b).

The reference network is f = h o g; the backbone is g and returns z0 = g(y);
this head holds h (:class:`ImageOutputLayer`) and refines z by K - 1 steps of
Adam on the fidelity of Eq. 4,

    L(z) = sum_i ||(W_i h(z_i))↓t - y_i||^2 / (2 sigma_i^2) / N,

each image's term divided by its number of observed pixels (the released
code; ``normalize='entries'`` divides by pixels x channels instead; see
:mod:`.observation_model`, which builds W, t, sigma per sample from its
recorded degradation). With g_k = dL/dz at z_{k-1} (Eq. 5):

    m_k = b1 m_{k-1} + (1 - b1) g_k,     v_k = b2 v_{k-1} + (1 - b2) g_k^2,
    m^_k = m_k / (1 - b1^k),             v^_k = v_k / (1 - b2^k),
    z_k = z_{k-1} - gamma m^_k / sqrt(max(v^_k, 1e-16)).

Eq. 5 prints the bias correction as ``1 - beta`` (no power k); the released
code and Adam use ``1 - beta^k``, as here. The output is h(z_{K-1}): the
K-th gradient would only update a z nobody reads, so K = 1 is exactly the
reference network and the first step moves z by ``-gamma sign(g_1)``.

Each step's gradient is written out as ``h^T(dL/dh(z))``
(:meth:`ImageOutputLayer.input_gradient`,
:meth:`ObservationModel.fidelity_gradient`), so training's unrolled graph is
an ordinary forward graph whose backward carries the second-order terms
(through h only: g runs once), and inference, which detaches and updates in
place, needs no grad mode: it refines inside ``torch.no_grad()`` too (the
Runner's val/test loops). The head has no parameters of its own beyond h,
which is the reference network's last layer.

Without data samples (``model.forward_tensor(t)`` of ``irtoolbox.apis``) or
without recorded degradations, W is unknown: the head returns h(z0) (K = 1,
the reference network) and warns once; ``on_missing='error'`` raises instead.
"""
import math
import warnings
from typing import Any, Callable, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmengine.model import BaseModule

from irtoolbox.degradations.observation_model import ObservationModel, has_degradation
from irtoolbox.models.batch_context import optional_batch_context
from irtoolbox.models.layers.phase_deconv import PhaseDeconv, channels_last_copy
from irtoolbox.models.part_protocol import part_attribute
from irtoolbox.registry import MODELS


class _FlooredRsqrt(torch.autograd.Function):
    """``rsqrt(max(v, floor))`` whose backward masks the gradient with one
    ``threshold_backward`` pass (autograd's clamp backward builds a comparison
    and a ``where``, the slowest op of the unrolled training step on CPU)."""

    @staticmethod
    def forward(ctx: Any, v: torch.Tensor, floor: float) -> torch.Tensor:
        out = torch.rsqrt(v.clamp(min=floor))
        ctx.save_for_backward(v, out)
        ctx.floor = floor
        return out

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> Tuple[torch.Tensor, None]:
        v, out = ctx.saved_tensors
        # d rsqrt(x)/dx = -x^(-3/2) / 2; no gradient where the floor holds.
        grad_v = grad * out * out * out * -0.5
        return torch.ops.aten.threshold_backward(grad_v, v, ctx.floor), None


@MODELS.register_module()
class LikelihoodHead(BaseModule):
    """h(z) with K - 1 recursive Adam updates of z on the per-sample likelihood.

    Args:
        output_layer: config of h (an :class:`ImageOutputLayer` by default type).
            Required.
        num_steps: K, the number of forward passes of h. Default: 5.
        step_size: gamma, Adam's learning rate on z (1e-3 inpainting, 1e-2
            interpolation in the paper). Default: 1e-3.
        betas: Adam's (beta1, beta2). Default: (0.9, 0.999).
        v_floor: the floor of v^ under the square root. Default: 1e-16.
        paste_observed: at inference, return ``M y + (1 - M) x`` for mask
            degradations (Tables VI-VII, XI). Default: False.
        on_missing: ``'plain'`` (K = 1 with a warning) or ``'error'`` when a
            batch comes without recorded degradations. Default: ``'plain'``.
        chunk_size: samples refined together on CPU (each sample's refinement
            is independent of the others'; chunks keep a step's tensors in the
            CPU caches: ``docs/benchmarks.md``). None, and on other devices:
            the whole batch at once. Default: 4.
        normalize: each image's fidelity divided by its observed ``'pixels'``
            (the released code) or ``'entries'`` (pixels x channels).
            Default: ``'pixels'``.
        init_cfg: mmengine initialisation config. Default: None.
    """

    context_reads = ('inputs', 'data_samples')

    def __init__(self, output_layer: dict, num_steps: int = 5, step_size: float = 1e-3,
                 betas: Tuple[float, float] = (0.9, 0.999), v_floor: float = 1e-16,
                 paste_observed: bool = False, on_missing: str = 'plain',
                 chunk_size: Optional[int] = 4, normalize: str = 'pixels',
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        self.normalize = normalize
        if int(num_steps) < 1:
            raise ValueError(f'LikelihoodHead: num_steps (K) must be >= 1, got {num_steps}')
        if on_missing not in ('plain', 'error'):
            raise ValueError(f"LikelihoodHead: on_missing must be 'plain' or 'error', "
                             f'got {on_missing!r}')
        cfg = dict(output_layer)
        cfg.setdefault('type', 'ImageOutputLayer')
        self.output_layer = MODELS.build(cfg)
        self.num_steps = int(num_steps)
        self.step_size = float(step_size)
        self.betas = (float(betas[0]), float(betas[1]))
        self.v_floor = float(v_floor)
        self.paste_observed = bool(paste_observed)
        self.on_missing = on_missing
        if chunk_size is not None and int(chunk_size) < 1:
            raise ValueError(f'LikelihoodHead: chunk_size must be >= 1 or None, got {chunk_size}')
        self.chunk_size = None if chunk_size is None else int(chunk_size)
        self.out_channels = part_attribute(self.output_layer, 'out_channels')
        self.scale = part_attribute(self.output_layer, 'scale')  # h's upscaling is the head's
        self._warned = False

    def h(self, z: torch.Tensor, inputs: Optional[torch.Tensor]) -> torch.Tensor:
        """The sub-network h (activation, conv, [bicubic skip of the input])."""
        return self.output_layer(z, inputs)

    def observation(self, inputs: Optional[torch.Tensor],
                    data_samples: Optional[Sequence[Any]]) -> Optional[ObservationModel]:
        """The batch's W (None when the samples carry no recorded degradation)."""
        if inputs is not None and data_samples and all(has_degradation(s) for s in data_samples):
            return ObservationModel(data_samples, inputs, self.normalize)
        if self.num_steps > 1:
            if self.on_missing == 'error':
                raise ValueError('LikelihoodHead: the batch has no recorded degradation_params '
                                 '(needed for W); run it through Degrade or set '
                                 "on_missing='plain' for the reference network's output")
            if not self._warned:
                warnings.warn('LikelihoodHead: no recorded degradations in the batch, so no '
                              'likelihood: returning the reference network output (K = 1)')
                self._warned = True
        return None

    def refine(self, z0: torch.Tensor, inputs: torch.Tensor,
               observation: ObservationModel) -> torch.Tensor:
        """z_{K-1}: K - 1 Adam steps on the fidelity from z0 (Eq. 4-5).

        Each sample's z only meets its own term of the fidelity and Adam is
        element-wise, so the batch is refined ``chunk_size`` samples at a
        time: the same arithmetic, with z, m, v and the gradients of a chunk
        small enough to stay in the CPU's caches across the step's passes.
        """
        n = z0.shape[0]
        # The cache argument is a CPU one: elsewhere one chunk, the whole batch.
        size = self.chunk_size if self.chunk_size and z0.device.type == 'cpu' else n
        if size >= n:
            return self.refine_rows(z0, inputs, observation)
        return torch.cat([
            self.refine_rows(z0[i:i + size], None if inputs is None else inputs[i:i + size],
                             observation.rows(i, i + size))
            for i in range(0, n, size)])

    def refine_rows(self, z0: torch.Tensor, inputs: Optional[torch.Tensor],
                    observation: ObservationModel) -> torch.Tensor:
        """:meth:`refine` on one chunk of the batch.

        Each step's gradient is ``h^T(dL/dh(z))``, written out as tensor ops
        (:meth:`ImageOutputLayer.input_gradient` and
        :meth:`ObservationModel.fidelity_gradient`), so in training the
        unrolled graph is the ordinary forward graph of those ops and
        backpropagation through it gives the second-order terms.
        """
        unrolled = self.training and torch.is_grad_enabled()
        if unrolled:
            # NCHW: backpropagating through h's phase convs (oneDNN) costs more than
            # through the native kernels the NCHW path runs (benchmarks/).
            z = z0
        elif z0.dim() == 4 and z0.device.type == 'cpu':
            # a detached NHWC copy (h's phase convs run fastest on it), updated in place
            z = channels_last_copy(z0.detach())
        else:  # a detached copy, updated in place
            z = z0.detach().clone()
        m = v = None
        with torch.set_grad_enabled(unrolled):
            gradient = self.fidelity_gradient_fn(z, inputs, observation, unrolled)
            for k in range(1, self.num_steps):
                z, m, v = self.adam_step(z, gradient(z), m, v, k, in_place=not unrolled)
        return z

    def fidelity_gradient_fn(self, z: torch.Tensor, inputs: Optional[torch.Tensor],
                             observation: ObservationModel,
                             create_graph: bool) -> Callable[[torch.Tensor], torch.Tensor]:
        """The map z -> dL/dz of one chunk: ``h^T(dL/dh(z))``.

        For masks and an h whose transposed conv runs in output phases
        (inference on CPU), the residual ``M (h(z) - y)`` is formed in h's phase
        grid: the same numbers without interleaving h's output and splitting
        the residual back, each step.
        """
        layer = self.output_layer
        deconv = None if create_graph else layer.phase_deconv(z)
        if deconv is not None and observation.mask_only and layer.global_skip is None:
            return self.phase_grid_gradient_fn(deconv, observation)

        def generic_gradient(z: torch.Tensor) -> torch.Tensor:
            grad_out = observation.fidelity_gradient(self.h(z, inputs), create_graph=create_graph)
            return layer.input_gradient(z, grad_out, inputs, create_graph=create_graph)
        return generic_gradient

    def phase_grid_gradient_fn(self, deconv: PhaseDeconv, observation: ObservationModel
                               ) -> Callable[[torch.Tensor], torch.Tensor]:
        """:meth:`fidelity_gradient_fn` for masks, the residual in h's phase grid:
        ``h^T(w M (h(z) - y)) = act'(z) * conv^T(split(w M) * (conv(act(z)) - split(y - b)))``
        with ``split`` the phase grid of an image and ``w`` the per-image weight."""
        layer = self.output_layer
        out_hw = (deconv.plans[0].out_len, deconv.plans[1].out_len)
        h, w = observation.out_hw(out_hw)
        pad = (0, out_hw[1] - w, 0, out_hw[0] - h)  # the padding has no residual
        target, weight = F.pad(observation.y, pad), F.pad(observation.grad_weight, pad)
        if layer.conv.bias is not None:
            target = target - layer.conv.bias.view(1, -1, 1, 1)
        target = deconv.split(target)
        weight = deconv.split(weight.expand(-1, layer.conv.out_channels, -1, -1))

        def gradient(z: torch.Tensor) -> torch.Tensor:
            residual = (deconv.phases(layer.act(z)) - target) * weight
            return layer.activation_gradient(z, deconv.adjoint_of_phases(residual))
        return gradient

    def adam_step(self, z: torch.Tensor, grad: torch.Tensor, m: Optional[torch.Tensor],
                  v: Optional[torch.Tensor], k: int, in_place: bool = False
                  ) -> Tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """One update of Eq. 5; returns (z_k, m_k, v_k).

        The bias corrections are folded into scalars, which is the same
        arithmetic with fewer tensor passes (they dominate the step's cost):
        ``m^ / sqrt(max(v^, f)) = c_k m / sqrt(max(v, f (1 - b2^k)))`` with
        ``c_k = sqrt(1 - b2^k) / (1 - b1^k)``. ``in_place`` overwrites z, m, v
        (inference: no graph to keep).
        """
        beta1, beta2 = self.betas
        bias2 = 1 - beta2 ** k
        step = self.step_size * math.sqrt(bias2) / (1 - beta1 ** k)
        if m is None:  # m_0 = v_0 = 0
            m, v = (1 - beta1) * grad, (1 - beta2) * grad * grad
        elif in_place:
            m, v = m.lerp_(grad, 1 - beta1), v.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        else:
            m, v = torch.lerp(m, grad, 1 - beta1), torch.lerp(v, grad * grad, 1 - beta2)
        if in_place:  # rsqrt: half the time of sqrt on CPU
            scale = v.clamp(min=self.v_floor * bias2).rsqrt_()
            return z.addcmul_(m, scale, value=-step), m, v
        return torch.addcmul(z, m, _FlooredRsqrt.apply(v, self.v_floor * bias2),
                             value=-step), m, v

    def forward(self, features: torch.Tensor, inputs: Optional[torch.Tensor] = None,
                data_samples: Optional[Sequence[Any]] = None) -> torch.Tensor:
        """features: ``N x C_z x h x w`` z0 = g(y), before its activation;
        inputs: ``N x C x H x W`` normalised, padded degraded batch y;
        data_samples: the batch's samples with ``degradation_params``. When both
        are ``None`` they come from the restorer's batch context
        (:mod:`irtoolbox.models.batch_context`: ``inputs``, ``data_samples``).

        Returns: ``N x C x sH x sW`` restoration h(z_{K-1}), normalised like the inputs.
        """
        context = optional_batch_context()
        if inputs is None and data_samples is None and context is not None:
            inputs, data_samples = context.inputs, context.data_samples
        observation = self.observation(inputs, data_samples) if self.num_steps > 1 or (
            self.paste_observed and not self.training) else None
        z = features
        if observation is not None and self.num_steps > 1:
            z = self.refine(features, inputs, observation)
        out = self.h(z, inputs)
        if self.paste_observed and not self.training and observation is not None:
            out = self.paste(out, observation)
        return out

    def forward_observed(self, features: torch.Tensor, inputs: torch.Tensor,
                         observation: ObservationModel) -> torch.Tensor:
        """:meth:`forward` with the observation given instead of built from data
        samples (an exported graph's extra inputs, :meth:`ObservationModel.from_masks`).

        The same Eq. 4-5 as plain out-of-place tensor ops on the whole NCHW batch
        (no chunks, no in-place update, no phase grid, no autograd), so that the
        K - 1 steps trace into a graph; they differ from :meth:`forward`'s by
        float rounding only. features, inputs: as :meth:`forward`; observation:
        a mask-only one. Returns: ``N x C x H x W`` restoration h(z_{K-1}).
        """
        problem = self.traced_refinement_problem()
        if problem is not None:
            raise ValueError(f'LikelihoodHead.forward_observed: {problem}')
        if not observation.mask_only:
            raise ValueError('LikelihoodHead.forward_observed: needs a mask-only observation')
        z = features.contiguous()  # NCHW: h's plain (transposed) conv, not the phase grid
        m = v = None
        for k in range(1, self.num_steps):
            z, m, v = self.adam_step(z, self.traced_gradient(z, inputs, observation), m, v, k)
        out = self.h(z, inputs)
        return self.paste(out, observation) if self.paste_observed else out

    def traced_gradient(self, z: torch.Tensor, inputs: torch.Tensor,
                        observation: ObservationModel) -> torch.Tensor:
        """dL/dz = h^T(dL/dh(z)) in closed form
        (:meth:`ImageOutputLayer.traceable_input_gradient`), as tensor ops a graph holds."""
        out = self.h(z, inputs)
        return self.output_layer.traceable_input_gradient(
            z, observation.fidelity_gradient(out), out)

    def traced_refinement_problem(self) -> Optional[str]:
        """Why the refinement cannot run as plain tensor ops, or None when it can
        (K = 1, or h's transpose has a closed form)."""
        problem = None if self.num_steps == 1 else \
            self.output_layer.traceable_transpose_problem()
        return None if problem is None else \
            f'{problem}: its gradient needs autograd, which a graph does not have'

    @staticmethod
    def paste(out: torch.Tensor, observation: ObservationModel) -> torch.Tensor:
        """``M y + (1 - M) x`` on the unpadded region (mask degradations only)."""
        mask = observation.observed_mask()
        if mask is None:
            raise ValueError('LikelihoodHead(paste_observed=True) needs mask degradations '
                             '(BoxMask / BernoulliMask) in every sample')
        h, w = observation.in_hw
        if (h, w) == tuple(out.shape[-2:]):  # no padding: no slice (traceable)
            return mask * observation.y + (1 - mask) * out
        out = out.clone()
        out[..., :h, :w] = mask * observation.y + (1 - mask) * out[..., :h, :w]
        return out
