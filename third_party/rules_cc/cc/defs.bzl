# Offline stand-in for @rules_cc: Bazel 4 asks for it, Debian's package is too new for Bazel 4.
# Re-exports the native rules, which is all Bazel 4's own rules_cc did.
cc_library = native.cc_library
cc_binary = native.cc_binary
cc_test = native.cc_test
cc_import = native.cc_import
cc_toolchain = native.cc_toolchain
cc_toolchain_suite = native.cc_toolchain_suite
