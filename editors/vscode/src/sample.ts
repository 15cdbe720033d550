/** The note the walkthrough opens: a few lines a team might really write, with terms to find. */
export const SAMPLE_NOTE = `# Release notes: support assistant

- Prompts now live in the prompt registry; the service loads the \`production\` model alias at start-up.
- Streaming is on by default: TTFT dropped from 1.9 s to 420 ms at p50.
- A nightly LLM-as-a-judge run scores a sample of traffic against the golden dataset.
`;

/** Where the cursor goes: on TTFT (line 4, zero-based 3). */
export const SAMPLE_TERM_POSITION = { line: 3, character: SAMPLE_NOTE.split('\n')[3]!.indexOf('TTFT') + 1 };

/**
 * The sample's one document: read-only (served by a content provider under
 * the `llmops-sample` scheme), so opening it again reuses the same tab and
 * closing it never asks to save (issue 23, item 5).
 */
export const SAMPLE_PATH = '/Release notes (sample).md';
