"""Train a restoration model from a config file.

    python tools/train.py CONFIG [--work-dir DIR] [--resume [auto|PATH]] [--amp] [--verbose]
                                 [--cfg-options k=v ...] [--launcher none|pytorch|slurm]
"""
import argparse

from mmengine.config import Config

from irtoolbox.utils.launch import (
    add_common_args,
    finish_distributed,
    load_config,
    one_line_errors,
    setup_launcher,
)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description='Train an irtoolbox model')
    parser.add_argument('config', help='config file')
    parser.add_argument('--resume', nargs='?', const='auto', default=None,
                        help="resume from the latest checkpoint in the work dir ('auto', the "
                             'default when the flag is given alone) or from a checkpoint path')
    parser.add_argument('--amp', action='store_true', help='mixed precision (needs CUDA)')
    add_common_args(parser)
    return parser.parse_args()


def apply_training_flags(cfg: Config, args: argparse.Namespace) -> None:
    """Turn --resume and --amp into the config keys the Runner reads."""
    if args.resume == 'auto':
        cfg.resume, cfg.load_from = True, None
    elif args.resume is not None:
        cfg.resume, cfg.load_from = True, args.resume
    if args.amp:
        import torch
        if not torch.cuda.is_available():
            raise RuntimeError('--amp needs a CUDA GPU; this machine has none')
        cfg.optim_wrapper.type = 'AmpOptimWrapper'
        cfg.optim_wrapper.setdefault('loss_scale', 'dynamic')


def main() -> None:
    args = parse_args()
    with one_line_errors('train.py'):
        from irtoolbox.engine.runner import StrictLoadRunner
        from irtoolbox.utils.checkpoint import install_safe_checkpointing

        # explicit, before any load: resume/load_from/init_cfg go through the allowlist
        install_safe_checkpointing(unsafe=args.unsafe_load)
        cfg = load_config(args.config, args.cfg_options, args.work_dir)
        if args.verbose:
            cfg.log_verbose = True  # the start-up report on the console too (StrictLoadRunner)
        apply_training_flags(cfg, args)
        setup_launcher(cfg, args.launcher, args.local_rank)
        runner = StrictLoadRunner.from_cfg(cfg)  # strict load_from/resume
        runner.train()
        finish_distributed()


if __name__ == '__main__':
    main()
