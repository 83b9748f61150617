// A button that runs a dashboard action: disabled while it runs, optionally asks to confirm
// first, and shows the server's message when the action is refused.
import { useState } from "preact/hooks";

/** Runs an action; resolves with the refusal's message, or null when done. */
export type RunAction = () => Promise<string | null>;

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
  const go = async (): Promise<void> => {
    setAsking(false);
    setBusy(true);
    setError(null);
    const refusal = await run();
    setBusy(false);
    setError(refusal);
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
