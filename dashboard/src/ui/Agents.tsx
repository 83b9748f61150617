// Every agent: state (coloured), uptime, run and restarts, last exit, pid, calls, tokens and
// spend, with Stop / Restart / Start when the supervisor allows them.
import type { AgentView } from "../../../src/events/projection.js";
import { agentControls, stateTone } from "../model/agent-controls.js";
import type { AgentExtra } from "../model/dashboard-state.js";
import { count, duration, exitText, formatUsd } from "../model/format.js";
import type { ActionRequest, DashboardInfo } from "../model/messages.js";
import { ActionButton } from "./ActionButton.js";

const UP = new Set(["starting", "running", "hung"]);

interface Props {
  readonly agents: readonly AgentView[];
  readonly extras: ReadonlyMap<string, AgentExtra>;
  readonly info: DashboardInfo | null;
  readonly now: number;
  readonly act: (request: ActionRequest) => Promise<string | null>;
}

export function Agents({ agents, extras, info, now, act }: Props) {
  const readOnly = info === null || info.readOnly || info.actions.length === 0;
  return (
    <section class="card" aria-labelledby="agents-h">
      <h2 id="agents-h">Agents</h2>
      {agents.length === 0 ? (
        <p class="muted">No agent yet.</p>
      ) : (
        <div class="scroll-x">
          <table class="agents">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">State</th>
                <th scope="col">Uptime</th>
                <th scope="col" class="num">
                  Run
                </th>
                <th scope="col" class="num">
                  Restarts
                </th>
                <th scope="col">Last exit</th>
                <th scope="col" class="num">
                  PID
                </th>
                <th scope="col" class="num">
                  Calls
                </th>
                <th scope="col" class="num" title="allowed / modified / redacted / denied">
                  A / M / R / D
                </th>
                <th scope="col" class="num">
                  Tokens in / out
                </th>
                <th scope="col" class="num">
                  Spend
                </th>
                {!readOnly && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {agents.map((a) => {
                const extra = extras.get(a.agentId);
                const infoAgent = info?.agents.find((x) => x.agentId === a.agentId);
                const controls = agentControls(a.state, infoAgent, info?.actions ?? [], readOnly);
                const exit = extra?.lastExit ?? null;
                const exitShown = exit !== null ? exitText(exit) : "";
                return (
                  <tr key={a.agentId} data-agent={a.agentId}>
                    <th scope="row">
                      {a.agentId}
                      {infoAgent?.kind === "joined" && <span class="tag">joined</span>}
                    </th>
                    <td>
                      <span class={`state tone-${stateTone(a.state)}`} data-testid="agent-state">
                        {a.state}
                      </span>
                      {a.reason !== null && a.reason !== "" && (
                        <div class="sub ellipsis" title={a.reason}>
                          {a.reason}
                        </div>
                      )}
                    </td>
                    <td class="mono">{UP.has(a.state) ? duration(now - (extra?.runStartedAt ?? a.since)) : "–"}</td>
                    <td class="num">{a.run}</td>
                    <td class="num">{a.restarts}</td>
                    <td class="ellipsis" title={exit?.reason ?? ""}>
                      {exit === null ? "–" : exit.reason === null ? exitShown : exit.reason.includes(exitShown) ? exit.reason : `${exitShown} · ${exit.reason}`}
                    </td>
                    <td class="num mono">{a.pid ?? "–"}</td>
                    <td class="num">{count(a.calls)}</td>
                    <td class="num" data-testid="agent-outcomes">
                      <span class="tone-ok-text">{count(a.allowed)}</span> / <span class="tone-warn-text">{count(a.modified)}</span> / <span class="tone-warn-text">{count(a.redacted)}</span> /{" "}
                      <span class="tone-bad-text">{count(a.denied)}</span>
                    </td>
                    <td class="num">
                      {count(a.inputTokens)} / {count(a.outputTokens)}
                    </td>
                    <td class="num mono">{formatUsd(a.costMicros)}</td>
                    {!readOnly && (
                      <td class="actions">
                        <ActionButton
                          label="Stop"
                          title={`Stop ${a.agentId}`}
                          tone="danger"
                          confirm={`Stop ${a.agentId}?`}
                          disabled={!controls.stop}
                          run={() => act({ action: "agent.stop", agentId: a.agentId })}
                        />
                        <ActionButton label="Restart" title={`Restart ${a.agentId}`} disabled={!controls.restart} run={() => act({ action: "agent.restart", agentId: a.agentId })} />
                        <ActionButton label="Start" title={`Start ${a.agentId}`} disabled={!controls.start} run={() => act({ action: "agent.start", agentId: a.agentId })} />
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
