#!/usr/bin/env python3
"""Counts the individual test cases in the test.xml files under one or more bazel-testlogs trees.

Prints one line, `N passed, N failed`, so a CI run that executed nothing shows 0 passed.
A test target whose XML has no <testcase> (a crash before the runner wrote anything) counts as
one failed case. `--check NAME=STATUS` adds a check that ran outside Bazel (e.g. the fuzz smoke
run) as one case: passed when STATUS is 0. Exit status 1 when anything failed or nothing ran.
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
    args = sys.argv[1:]
    checks = [arg for arg in args if arg.startswith("--check=")]
    roots = [pathlib.Path(arg) for arg in args if arg not in checks] or [pathlib.Path("bazel-testlogs")]
    passed = failed = 0
    failures = []
    for check in checks:
        name, _, status = check[len("--check="):].partition("=")
        if status == "0":
            passed += 1
        else:
            failed += 1
            failures.append(f"{name} (exit status {status})")
    for root in roots:
        if not root.exists():
            print(f"{root} does not exist", file=sys.stderr)
            failed += 1
            failures.append(f"{root}: no test logs")
            continue
        p, f, names = count(root.resolve())
        passed, failed = passed + p, failed + f
        failures.extend(names)
    for name in failures[:50]:
        print(f"FAILED: {name}")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
