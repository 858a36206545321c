"""Test a trained restoration model: metrics per test set (and per group).

    python tools/test.py CONFIG CHECKPOINT [--out-dir DIR] [--work-dir DIR] [--verbose]
                                           [--cfg-options k=v ...] [--launcher ...]
"""
import argparse
from typing import Optional

from irtoolbox.utils.launch import (
    add_common_args,
    check_output_folder,
    check_restores_images,
    finish_distributed,
    load_config,
    one_line_errors,
    setup_launcher,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Test an irtoolbox model')
    parser.add_argument('config', help='config file')
    parser.add_argument('checkpoint', help="checkpoint file, or 'none' for a model whose "
                                           'weights the config names (the latent restorer)')
    parser.add_argument('--out-dir', help='write the restored images to this folder')
    add_common_args(parser)
    return parser.parse_args()


def checkpoint_to_load(cfg, checkpoint: str) -> Optional[str]:
    """The file ``load_from`` reads; ``None`` for ``'none'``, which only a model
    that reads its own weights from files its config names may take (scoring an
    untrained restorer would report figures of nothing)."""
    import os.path as osp

    from irtoolbox.models.restorers.latent_restorer import LatentRestorer
    from irtoolbox.registry import MODELS
    if checkpoint.lower() == 'none':
        model_type = cfg.model.get('type')
        model_cls = MODELS.get(model_type) if isinstance(model_type, str) else model_type
        if not (isinstance(model_cls, type) and issubclass(model_cls, LatentRestorer)):
            raise ValueError(f"checkpoint 'none' is for models whose config names their "
                             f'weights (LatentRestorer); {model_type} needs a checkpoint')
        return None
    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint not found: {checkpoint}')
    return checkpoint


def main() -> None:
    args = parse_args()
    with one_line_errors('test.py'):

        from irtoolbox.engine.runner import StrictLoadRunner
        from irtoolbox.utils.checkpoint import install_safe_checkpointing

        # explicit, before any load: resume/load_from/init_cfg go through the allowlist
        install_safe_checkpointing(unsafe=args.unsafe_load)
        cfg = load_config(args.config, args.cfg_options, args.work_dir)
        if args.verbose:
            cfg.log_verbose = True  # the start-up report on the console too (StrictLoadRunner)
        cfg.load_from = checkpoint_to_load(cfg, args.checkpoint)
        cfg.resume = False
        if args.out_dir:
            check_output_folder(args.out_dir, '--out-dir')
            check_restores_images(cfg, 'tools/test.py --out-dir')
            cfg.custom_hooks = list(cfg.get('custom_hooks', [])) + [
                dict(type='SaveRestoredImagesHook', out_dir=args.out_dir)]
        setup_launcher(cfg, args.launcher, args.local_rank)
        runner = StrictLoadRunner.from_cfg(cfg)  # strict load_from/resume
        runner.test()
        finish_distributed()


if __name__ == '__main__':
    main()
