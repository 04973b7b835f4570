"""fuzz_target(): one fuzz target, built two ways by Bazel.

Each target is a .cc defining LLVMFuzzerTestOneInput. Under the normal g++ build it links
replay_main.cc, so
  //fuzz:<name>              is a binary that runs given corpus files once (tags = ["fuzz"]);
  //fuzz:<name>_corpus_test  replays fuzz/corpus/<name>/ under `bazel test`: every seed and
                             every past crash input stays a regression test.
Real fuzzing (clang, libFuzzer, ASan+UBSan) happens outside Bazel: scripts/fuzz.
"""

load("@rules_cc//cc:defs.bzl", "cc_binary", "cc_test")

def fuzz_target(name, srcs, deps = []):
    corpus = "corpus/" + name
    cc_binary(
        name = name,
        srcs = srcs,
        deps = deps + [":replay_main"],
        tags = ["fuzz"],
    )
    cc_test(
        name = name + "_corpus_test",
        size = "small",
        srcs = srcs,
        deps = deps + [":replay_main"],
        data = native.glob([corpus + "/**"]),
        args = ["fuzz/" + corpus],
        tags = ["fuzz"],
    )
