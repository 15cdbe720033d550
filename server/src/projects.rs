//! Which open documents belong to a project that depends on an LLM library
//! (see `llmops_core::matcher::project_uses_llm`). The answer needs the
//! disk (manifests up to three folders down), so it is looked up with the
//! state unlocked, and it is checked again when a manifest changes: adding
//! `openai` to `pyproject.toml` turns the project's hints on without
//! reopening its files.
//!
//! The first check of a project runs in the background, off the ordered
//! path: a file opened meanwhile is held back from publication (nothing is
//! published for it until its project's answer is in), while other
//! messages go on being read. The check itself reads within a budget (see
//! `project_uses_llm`), so the wait is bounded.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use llmops_core::matcher::{LlmProjects, project_uses_llm};

use crate::state::{Shared, matcher_for};

/// Whether the file at `path` belongs to an LLM project, if its project
/// was checked; else `None`, and a check runs in the background (one per
/// project), after which the project's open documents are published.
pub fn llm_project(shared: &Arc<Shared>, path: &Path) -> Option<bool> {
    let root = {
        let mut state = shared.lock();
        let Some(root) = LlmProjects::root_of(path, &state.roots) else {
            return Some(false);
        };
        if let Some(known) = state.llm_projects.known(&root) {
            return Some(known);
        }
        if !state.llm_projects.start_check(&root) {
            return None;
        }
        root
    };
    let shared = shared.clone();
    tokio::task::spawn_blocking(move || {
        crate::state::assert_no_state_lock("reading manifests");
        let uses_llm = project_uses_llm(&root);
        apply(&shared, vec![(root, uses_llm)]);
    });
    None
}

/// Records what checks found, rescans the open documents whose answer
/// changed and publishes those that waited for it.
fn apply(shared: &Shared, checked: Vec<(PathBuf, bool)>) {
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
        let waited = state.awaiting_project.remove(key);
        if uses_llm != open.doc.llm_project() {
            let matcher = matcher_for(&open.content, &state.settings, open.doc.text().len());
            open.doc.set_llm_project(uses_llm, matcher);
            changed.push(key.clone());
        } else if waited {
            changed.push(key.clone());
        }
    }
    shared.touch(state, &changed);
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
        apply(&shared, checked);
    });
}
