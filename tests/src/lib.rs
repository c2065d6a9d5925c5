//! Test-only package: the workspace-level end-to-end tests live in `tests/tests/`.
//! This library is empty on purpose; it exists so Cargo has a target to attach them to.
#![forbid(unsafe_code)]
