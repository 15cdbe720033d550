//! Compiles the built-in course into the compact form the server embeds
//! (`llmops_core::content::compile_builtin`: the packs parsed from
//! `content/builtin/*.toml` and written with postcard), so a start reads it
//! in a fraction of a millisecond instead of parsing 500 KB of TOML. The
//! TOML files stay the source of truth: `check` and the tests read them, and
//! `builtin::tests` proves the embedded form equals parsing them.
//!
//! Runs again whenever a built-in file changes: the files are compiled into
//! llmops-core (`include_str!`), a build dependency of this script, and the
//! folder is watched too. If the course does not load, the form is left
//! empty and the server parses the TOML at start, reporting the errors as
//! it always did.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=../content/builtin");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
        .join("builtin.postcard");
    let bytes = match llmops_core::content::compile_builtin() {
        Ok(bytes) => bytes,
        Err(errors) => {
            for error in errors.iter().take(10) {
                println!("cargo:warning=built-in course: {error}");
            }
            Vec::new()
        }
    };
    std::fs::write(&out, bytes).expect("writing the compiled course to OUT_DIR");
}
