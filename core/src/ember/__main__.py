"""``python -m ember plugins``: list installed plugins with versions and status."""

from __future__ import annotations

import argparse
import json
import sys


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m ember", description="ember command line")
    sub = p.add_subparsers(dest="cmd")
    pl = sub.add_parser("plugins", help="list installed plugins")
    pl.add_argument("--json", action="store_true", help="machine-readable output")
    pl.add_argument("--load", action="store_true", help="import every plugin to check it")
    args = p.parse_args(argv)
    if args.cmd != "plugins":
        p.print_help()
        return 2
    from . import _plugins
    reg = _plugins.registry()
    if args.load:
        for ep in reg.eps:
            reg.load_ep(ep)
    info = _plugins.plugins()
    if args.json:
        print(json.dumps(info, indent=2))
        return 0
    if not info:
        print("no ember plugins installed" + ("" if reg.autoload else
                                              " (EMBER_PLUGIN_AUTOLOAD=0: autoload off)"))
        return 0
    w = max(len(i["name"]) for i in info)
    for i in info:
        dist = f"{i['distribution']} {i['version']}" if i["distribution"] else "-"
        line = f"{i['name']:<{w}}  {dist:<24} {i['status']}"
        if i["error"]:
            line += f": {i['error']}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
