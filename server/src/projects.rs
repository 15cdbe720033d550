//! Which open documents belong to a project that depends on an LLM library
//! (see `llmops_core::matcher::project_uses_llm`). The answer needs the
//! disk (manifests up to three folders down), so it is looked up with the
//! state unlocked, and it is checked again when a manifest changes: adding
//! `openai` to `pyproject.toml` turns the project's hints on without
//! reopening its files.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use llmops_core::matcher::{LlmProjects, project_uses_llm};

use crate::state::{Shared, matcher_for};

/// Whether the file at `path` belongs to an LLM project. Reads manifests
/// only the first time its project is seen, and never under the state lock.
pub fn llm_project(shared: &Shared, path: &Path) -> bool {
    let (root, known) = {
        let state = shared.lock();
        let Some(root) = LlmProjects::root_of(path, &state.roots) else {
            return false;
        };
        let known = state.llm_projects.known(&root);
        (root, known)
    };
    if let Some(known) = known {
        return known;
    }
    crate::state::assert_no_state_lock("reading manifests");
    let uses_llm = project_uses_llm(&root);
    shared.lock().llm_projects.record(root, uses_llm);
    uses_llm
}

/// Manifests changed on disk: checks their projects again (in the
/// background, the state unlocked while reading) and rescans the open
/// documents whose answer changed.
pub fn manifests_changed(shared: &Arc<Shared>, manifests: Vec<PathBuf>) {
    if manifests.is_empty() {
        return;
    }
    let shared = shared.clone();
    tokio::task::spawn_blocking(move || {
        let stale: Vec<PathBuf> = {
            let mut state = shared.lock();
            manifests
                .iter()
                .flat_map(|m| state.llm_projects.forget_manifest(m))
                .collect()
        };
        if stale.is_empty() {
            return;
        }
        let checked: Vec<(PathBuf, bool)> = stale
            .into_iter()
            .map(|root| {
                crate::state::assert_no_state_lock("reading manifests");
                let uses_llm = project_uses_llm(&root);
                (root, uses_llm)
            })
            .collect();
        let mut state = shared.lock();
        let state = &mut *state;
        for (root, uses_llm) in checked {
            state.llm_projects.record(root, uses_llm);
        }
        let mut changed = Vec::new();
        for (key, open) in &mut state.docs {
            let Some(path) = &open.path else { continue };
            let Some(root) = LlmProjects::root_of(path, &state.roots) else {
                continue;
            };
            let Some(uses_llm) = state.llm_projects.known(&root) else {
                continue;
            };
            if uses_llm != open.doc.llm_project() {
                let matcher = matcher_for(&open.content, &state.settings, open.doc.text().len());
                open.doc.set_llm_project(uses_llm, matcher);
                changed.push(key.clone());
            }
        }
        shared.touch(state, &changed);
    });
}
