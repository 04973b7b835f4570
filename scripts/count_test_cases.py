#!/usr/bin/env python3
"""Counts the individual test cases in the test.xml files under a bazel-testlogs tree.

Prints one line, `N passed, N failed`, so a CI run that executed nothing shows 0 passed.
A test target whose XML has no <testcase> (a crash before the runner wrote anything) counts as
one failed case. Exit status 1 when anything failed or nothing ran.
"""
import pathlib
import sys
import xml.etree.ElementTree as ET


def count(root: pathlib.Path):
    passed = failed = 0
    failures = []
    for xml_file in sorted(root.rglob("test.xml")):
        try:
            tree = ET.parse(xml_file)
        except ET.ParseError as error:
            failed += 1
            failures.append(f"{xml_file}: unreadable ({error})")
            continue
        cases = list(tree.iter("testcase"))
        if not cases:
            failed += 1
            failures.append(f"{xml_file}: no test cases recorded")
            continue
        for case in cases:
            if case.get("status") == "notrun" or case.find("skipped") is not None:
                continue
            if case.find("failure") is not None or case.find("error") is not None:
                failed += 1
                failures.append(f"{case.get('classname')}.{case.get('name')}")
            else:
                passed += 1
    return passed, failed, failures


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "bazel-testlogs")
    if not root.exists():
        print(f"{root} does not exist", file=sys.stderr)
        print("0 passed, 0 failed")
        return 1
    passed, failed, failures = count(root.resolve())
    for name in failures[:50]:
        print(f"FAILED: {name}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
