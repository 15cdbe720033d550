//! End-to-end tests: each one talks to a server over the LSP wire format
//! exactly as an editor does. The server runs in this process by default
//! (`support`); the few tests that need the real binary say why.

mod support;

mod authoring;
mod backpressure;
mod bounds;
mod ci_formats;
mod cli;
mod completion;
mod course;
#[cfg(unix)]
mod data_folder;
#[cfg(target_os = "linux")]
mod document_memory;
mod editor_ux;
#[cfg(target_os = "linux")]
mod explicit_paths;
#[cfg(target_os = "linux")]
mod full_disk;
mod hostile;
#[cfg(target_os = "linux")]
mod ignore_files;
mod imports;
mod invariants;
mod language;
mod learning;
mod notebooks;
mod pack_files;
#[cfg(unix)]
mod pack_sources;
mod packs;
mod policy;
mod practices;
mod pull;
#[cfg(target_os = "linux")]
mod reload_storm;
mod robustness;
mod scoped_packs;
mod snapshots;
mod soak;
mod symbols;
mod team_vocabulary;
mod terminal;
mod workspace_budget;
