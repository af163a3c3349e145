#!/usr/bin/python3
"""Runs Debian's wapiti 3.0.4 with one fix: its exclusion patterns (-x)
end in r'\Z(?ms)', which Python 3.11 refuses ("global flags not at the
start"), so any -x crashed the crawl. Same arguments as wapiti."""
import re
import sys

import wapitiCore.net.crawler as crawler


def wildcard_translate(pattern):
    return re.compile("(?ms)" + "".join(".*" if c == "*" else re.escape(c) for c in pattern) + r"\Z")


crawler.wildcard_translate = wildcard_translate
from wapitiCore.main.wapiti import wapiti_main  # noqa: E402

sys.argv[0] = "wapiti"
sys.exit(wapiti_main())
