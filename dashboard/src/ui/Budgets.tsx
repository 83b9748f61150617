// Spend against each budget as a bar (spent solid, held by calls in flight lighter), ticks at
// the warning thresholds, coloured once past a warning or exhausted; an inline editor sets
// the limit (budget.set), and Reset (confirmed) sets the spend back to zero (budget.reset).
import type { BudgetRow } from "../../../src/events/projection.js";
import { useState } from "preact/hooks";
import { formatUsd } from "../model/format.js";
import type { ActionRequest } from "../model/messages.js";
import { ActionButton, type RunAction } from "./ActionButton.js";

interface Props {
  readonly budgets: readonly BudgetRow[];
  readonly warnAt: readonly number[];
  readonly canEdit: boolean;
  readonly canReset: boolean;
  readonly act: (request: ActionRequest) => Promise<string | null>;
  /** Resets a scope's spend: the refusal, or what was reset. */
  readonly reset: (scope: string) => ReturnType<RunAction>;
}

/** ok / warn / bad: under every threshold, past one, or nothing left. */
function level(row: BudgetRow, warnAt: readonly number[]): "ok" | "warn" | "bad" {
  if (row.limit === null) return "ok";
  const used = row.limit === 0 ? 1 : row.spent / row.limit;
  if (used >= 1) return "bad";
  const first = Math.min(...(warnAt.length > 0 ? warnAt : [0.8]));
  return used >= first || row.warned !== null ? "warn" : "ok";
}

export function Budgets({ budgets, warnAt, canEdit, canReset, act, reset }: Props) {
  return (
    <section class="card" aria-labelledby="budgets-h">
      <h2 id="budgets-h">Budgets</h2>
      {budgets.length === 0 && <p class="muted">No budget yet (one appears with the first call).</p>}
      <ul class="budgets">
        {budgets.map((row) => (
          <BudgetLine key={row.scope} row={row} warnAt={warnAt} canEdit={canEdit} canReset={canReset} act={act} reset={reset} />
        ))}
      </ul>
    </section>
  );
}

function BudgetLine({ row, warnAt, canEdit, canReset, act, reset }: { row: BudgetRow; warnAt: readonly number[] } & Pick<Props, "canEdit" | "canReset" | "act" | "reset">) {
  const [editing, setEditing] = useState(false);
  const [value, setValue] = useState("");
  const [error, setError] = useState<string | null>(null);
  const pct = (micros: number): number => (row.limit === null ? 0 : row.limit === 0 ? 100 : Math.min(100, (micros / row.limit) * 100));
  const spent = pct(row.spent);
  const held = Math.max(0, Math.min(100 - spent, pct(row.spent + row.reserved) - spent));
  const tone = level(row, warnAt);
  const save = async (): Promise<void> => {
    const text = value.trim().replace(/^\$/, "");
    const limitUsd = text === "" ? null : Number(text);
    if (limitUsd !== null && (!Number.isFinite(limitUsd) || limitUsd < 0)) {
      setError(`expected an amount in USD like 0.50 (or empty for no limit), got ${JSON.stringify(value)}`);
      return;
    }
    const refusal = await act({ action: "budget.set", scope: row.scope, limitUsd });
    setError(refusal);
    if (refusal === null) setEditing(false);
  };
  return (
    <li class={`budget tone-${tone}`} data-scope={row.scope}>
      <div class="budget-head">
        <span class="scope">{row.scope}</span>
        <span class="mono">
          {row.limit === null
            ? `${formatUsd(row.spent)} spent · no limit`
            : `${formatUsd(row.spent)} of ${formatUsd(row.limit)} · ${(row.limit === 0 ? 100 : (row.spent / row.limit) * 100).toFixed(1)}%`}
          {row.reserved > 0 && <span class="muted"> · {formatUsd(row.reserved)} held</span>}
        </span>
        {canEdit && !editing && (
          <button
            type="button"
            class="link"
            aria-label={`Edit the limit of ${row.scope}`}
            onClick={() => {
              setValue(row.limit === null ? "" : String(row.limit / 1_000_000));
              setError(null);
              setEditing(true);
            }}
          >
            edit limit
          </button>
        )}
        {canReset && <ActionButton label="Reset" title={`Reset the spend of ${row.scope}`} confirm={`Set the spend of ${row.scope} back to $0?`} tone="danger" run={() => reset(row.scope)} />}
      </div>
      {row.limit !== null && (
        <div
          class="bar"
          role="meter"
          aria-label={`${row.scope} spend`}
          aria-valuemin={0}
          aria-valuemax={row.limit}
          aria-valuenow={Math.min(row.spent, row.limit)}
          aria-valuetext={`${formatUsd(row.spent)} of ${formatUsd(row.limit)}`}
        >
          <div class="bar-spent" style={{ width: `${spent}%` }} />
          <div class="bar-held" style={{ left: `${spent}%`, width: `${held}%` }} />
          {warnAt.map((t) => (
            <div key={t} class="bar-tick" style={{ left: `${t * 100}%` }} title={`warns at ${Math.round(t * 100)}%`} />
          ))}
        </div>
      )}
      {editing && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <label>
            Limit (USD, empty for none)
            <input type="text" inputMode="decimal" value={value} onInput={(e) => setValue(e.currentTarget.value)} size={10} />
          </label>
          <button type="submit" class="primary">
            Save
          </button>
          <button type="button" onClick={() => setEditing(false)}>
            Cancel
          </button>
        </form>
      )}
      {error !== null && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
