#!/usr/bin/env python3
"""Runs the console's browser tests: python3 tests/console/run.py --docket build/release/docket

Exits 0 when every test passed, 1 otherwise (2 for a usage error)."""

import argparse
import os
import signal
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


def ensure_selenium():
    """Debian's python3-selenium lives in /usr/lib/python3/dist-packages: when the
    python3 on PATH is another one (pyenv, a venv), run again with Debian's."""
    try:
        import selenium  # noqa: F401
        return
    except ImportError:
        pass
    system = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(system) and os.access(system, os.X_OK) \
            and not os.environ.get("DOCKET_CONSOLE_REEXEC"):
        os.environ["DOCKET_CONSOLE_REEXEC"] = "1"
        os.execv(system, [system, os.path.abspath(__file__)] + sys.argv[1:])
    sys.stderr.write("run.py: no selenium module: install python3-selenium (apt-get install python3-selenium)\n")
    sys.exit(2)


def main():
    parser = argparse.ArgumentParser(description="docket console browser tests")
    parser.add_argument("--docket", required=True, help="the docket binary to serve with")
    parser.add_argument("--console-dir", default=os.environ.get("DOCKET_CONSOLE_DIR"),
                        help="serve the console from this folder (docket serve --console-dir); "
                             "default: $DOCKET_CONSOLE_DIR, else the files built into the binary")
    parser.add_argument("--artifacts", default=None,
                        help="screenshots and failure artifacts (default: $DOCKET_CONSOLE_ARTIFACTS "
                             "or build/console-artifacts)")
    parser.add_argument("--keep", action="store_true", help="keep the service's temporary folder")
    parser.add_argument("-k", dest="patterns", action="append", default=[],
                        help="run only tests whose name contains this (may repeat)")
    args = parser.parse_args()
    if not os.access(args.docket, os.X_OK):
        parser.error("--docket %s is not an executable" % args.docket)

    ensure_selenium()
    sys.dont_write_bytecode = True   # no __pycache__ in the source tree
    sys.path.insert(0, HERE)
    import harness
    harness.Settings.docket = os.path.abspath(args.docket)
    harness.Settings.console_dir = os.path.abspath(args.console_dir) if args.console_dir else None
    if args.artifacts:
        harness.Settings.artifacts = os.path.abspath(args.artifacts)
    harness.Settings.keep_work = args.keep
    os.makedirs(harness.Settings.artifacts, exist_ok=True)
    # the failure artifacts of an earlier run would mislead
    import shutil
    for name in os.listdir(harness.Settings.artifacts):
        if name.startswith("ConsoleTests."):
            shutil.rmtree(os.path.join(harness.Settings.artifacts, name), ignore_errors=True)

    def stop(signum, frame):  # ctest's timeout, ^C: leave no server or browser behind
        try:
            harness.Suite.stop()
        finally:
            os._exit(1)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)

    loader = unittest.TestLoader()
    if args.patterns:
        loader.testNamePatterns = ["*%s*" % p for p in args.patterns]
    import test_console
    suite = loader.loadTestsFromModule(test_console)
    result = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    print("artifacts: %s" % harness.Settings.artifacts)
    return 0 if result.wasSuccessful() and result.testsRun > 0 else 1


if __name__ == "__main__":
    if not any(a == "--docket" or a.startswith("--docket=") for a in sys.argv[1:]) and \
            not any(a in ("-h", "--help") for a in sys.argv[1:]):
        sys.stderr.write("usage: run.py --docket PATH [--console-dir DIR] [-k NAME]\n")
        sys.exit(2)
    sys.exit(main())
