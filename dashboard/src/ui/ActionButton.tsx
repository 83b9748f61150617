// A button that runs a dashboard action: disabled while it runs, optionally asks to confirm
// first, and shows the server's message when the action is refused (or what it did, when the
// action says so).
import { useState } from "preact/hooks";

/** Runs an action; resolves with the refusal's message, or null when done ({done} to say what it did). */
export type RunAction = () => Promise<string | null | { readonly done: string }>;

interface Props {
  readonly label: string;
  /** Names what it acts on, for screen readers ("Stop worker"). */
  readonly title: string;
  readonly run: RunAction;
  readonly disabled?: boolean;
  /** When set, a second click on "Confirm" is needed; the text says what will happen. */
  readonly confirm?: string;
  readonly tone?: "danger" | "plain";
}

export function ActionButton({ label, title, run, disabled = false, confirm, tone = "plain" }: Props) {
  const [busy, setBusy] = useState(false);
  const [asking, setAsking] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const go = async (): Promise<void> => {
    setAsking(false);
    setBusy(true);
    setError(null);
    setDone(null);
    const outcome = await run();
    setBusy(false);
    if (typeof outcome === "string" || outcome === null) setError(outcome);
    else setDone(outcome.done);
  };
  return (
    <span class="action">
      {asking ? (
        <span class="confirm" role="group" aria-label={title}>
          <span>{confirm}</span>
          <button type="button" class="danger" onClick={() => void go()}>
            Confirm
          </button>
          <button type="button" onClick={() => setAsking(false)}>
            Cancel
          </button>
        </span>
      ) : (
        <button type="button" class={tone === "danger" ? "danger" : ""} aria-label={title} disabled={disabled || busy} onClick={() => (confirm === undefined ? void go() : setAsking(true))}>
          {busy ? "…" : label}
        </button>
      )}
      {done !== null && (
        <span class="muted action-done" role="status">
          {done}
        </span>
      )}
      {error !== null && (
        <span class="error action-error" role="alert">
          {error}
          <button type="button" class="link" aria-label="dismiss" onClick={() => setError(null)}>
            ×
          </button>
        </span>
      )}
    </span>
  );
}
