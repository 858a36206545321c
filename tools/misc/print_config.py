"""Print a config after inheritance and overrides: python tools/misc/print_config.py CONFIG"""
import argparse

from mmengine.config import DictAction

from irtoolbox.utils.launch import load_config, one_line_errors


def main() -> None:
    parser = argparse.ArgumentParser(description='Print the full config')
    parser.add_argument('config', help='config file')
    parser.add_argument('--cfg-options', nargs='+', default=None,
                        action=DictAction,
                        help='override config keys')
    args = parser.parse_args()
    with one_line_errors('print_config.py'):
        cfg = load_config(args.config, args.cfg_options, work_dir=None)
        print(cfg.pretty_text)


if __name__ == '__main__':
    main()
