// Circuit breakers per provider/model: state, since when, when an open one half-opens, and a
// Reset for an operator who knows the provider is back (breaker.reset).
import type { BreakerView } from "../../../src/events/projection.js";
import { stateTone } from "../model/agent-controls.js";
import { clock, duration } from "../model/format.js";
import type { ActionRequest } from "../model/messages.js";
import { ActionButton } from "./ActionButton.js";

interface Props {
  readonly breakers: readonly BreakerView[];
  readonly now: number;
  readonly canReset: boolean;
  readonly act: (request: ActionRequest) => Promise<string | null>;
}

export function Breakers({ breakers, now, canReset, act }: Props) {
  return (
    <section class="card" aria-labelledby="breakers-h">
      <h2 id="breakers-h">Circuit breakers</h2>
      {breakers.length === 0 ? (
        <p class="muted">No breaker has tripped: every provider is closed (healthy).</p>
      ) : (
        <table class="breakers">
          <thead>
            <tr>
              <th scope="col">Provider / model</th>
              <th scope="col">State</th>
              <th scope="col">Since</th>
              <th scope="col">Retry</th>
              <th scope="col">Reason</th>
              {canReset && <th scope="col">Action</th>}
            </tr>
          </thead>
          <tbody>
            {breakers.map((b) => (
              <tr key={`${b.provider}/${b.model ?? ""}`}>
                <th scope="row">
                  {b.provider}
                  {b.model !== null && <span class="muted">/{b.model}</span>}
                </th>
                <td>
                  <span class={`state tone-${stateTone(b.state)}`}>{b.state}</span>
                </td>
                <td class="mono">{clock(b.since)}</td>
                <td class="mono">{b.state === "open" && b.retryAt !== null ? (b.retryAt > now ? `in ${duration(b.retryAt - now)}` : "now") : "–"}</td>
                <td class="ellipsis" title={b.reason ?? ""}>
                  {b.reason ?? ""}
                </td>
                {canReset && (
                  <td>
                    <ActionButton
                      label="Reset"
                      title={`Reset the breaker of ${b.provider}/${b.model ?? "*"}`}
                      disabled={b.state === "closed" || b.model === null}
                      run={() => act({ action: "breaker.reset", provider: b.provider, model: b.model ?? "" })}
                    />
                  </td>
                )}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
