"""Runs a test module's unittest cases and writes a JUnit XML file where Bazel asks for one.

Bazel writes a one-case test.xml for a test that writes none, so CI's count of test cases
(scripts/count_test_cases.py) would see one case per py_test. Writing $XML_OUTPUT_FILE with one
<testcase> per test method makes every case count, as GoogleTest's XML does for C++.

Thread-safety: call main() once, from the test's __main__.
"""
from __future__ import annotations

import os
import sys
import time
import unittest
import xml.etree.ElementTree as ET
from typing import Any


class _RecordingResult(unittest.TextTestResult):
    """A text result that also remembers each case's outcome and duration."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.cases: list[tuple[unittest.TestCase, str, str, float]] = []
        self._began = 0.0

    def startTest(self, test: unittest.TestCase) -> None:
        self._began = time.monotonic()
        super().startTest(test)

    def _note(self, test: unittest.TestCase, outcome: str, text: str = "") -> None:
        self.cases.append((test, outcome, text, time.monotonic() - self._began))

    def addSuccess(self, test: unittest.TestCase) -> None:
        super().addSuccess(test)
        self._note(test, "passed")

    def addFailure(self, test: unittest.TestCase, err: Any) -> None:
        super().addFailure(test, err)
        self._note(test, "failure", self._exc_info_to_string(err, test))

    def addError(self, test: unittest.TestCase, err: Any) -> None:
        super().addError(test, err)
        self._note(test, "error", self._exc_info_to_string(err, test))

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:
        super().addSkip(test, reason)
        self._note(test, "skipped", reason)


def _write_xml(path: str, suite_name: str, result: _RecordingResult) -> None:
    suites = ET.Element("testsuites")
    suite = ET.SubElement(suites, "testsuite", name=suite_name, tests=str(len(result.cases)),
                          failures=str(len(result.failures)), errors=str(len(result.errors)))
    for test, outcome, text, seconds in result.cases:
        case = ET.SubElement(suite, "testcase", classname=type(test).__name__,
                             name=test._testMethodName, time=f"{seconds:.3f}")
        if outcome in ("failure", "error", "skipped"):
            ET.SubElement(case, outcome, message=text.splitlines()[-1] if text else "").text = text
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def main(module_name: str = "__main__") -> None:
    """Runs every test in the module; exits 0 only when all passed."""
    suite = unittest.defaultTestLoader.loadTestsFromModule(sys.modules[module_name])
    runner = unittest.TextTestRunner(resultclass=_RecordingResult, verbosity=2)
    result = runner.run(suite)
    assert isinstance(result, _RecordingResult)
    xml_path = os.environ.get("XML_OUTPUT_FILE")
    if xml_path:
        _write_xml(xml_path, os.path.basename(sys.argv[0]), result)
    sys.exit(0 if result.wasSuccessful() else 1)
