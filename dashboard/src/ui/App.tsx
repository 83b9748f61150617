// The dashboard: fetches /api/info, follows the stream into one DashboardState, and lays out
// the sections. Actions go through /api/actions; their outcome comes back on the stream as
// control.action events (and the refusal's message next to the button).
import { useEffect, useMemo, useState } from "preact/hooks";
import { resetSummary } from "../model/budget-reset.js";
import { DashboardState } from "../model/dashboard-state.js";
import type { ActionReply, ActionRequest, DashboardInfo } from "../model/messages.js";
import { ApiError, fetchInfo, postAction } from "../net/api.js";
import { StreamConnection, type ConnectionStatus } from "../net/connection.js";
import { Activity } from "./Activity.js";
import { Agents } from "./Agents.js";
import { Breakers } from "./Breakers.js";
import { Budgets } from "./Budgets.js";
import { CallDetail } from "./CallDetail.js";
import { CallsTable } from "./CallsTable.js";
import { Charts } from "./Charts.js";
import { Header } from "./Header.js";
import { useNow } from "./hooks.js";
import { OutputTail } from "./OutputTail.js";

interface Props {
  readonly token: string;
  readonly onRefused: (why: string) => void;
}

export function App({ token, onRefused }: Props) {
  const empty = useMemo(() => new DashboardState(), []);
  const [connection, setConnection] = useState<StreamConnection | null>(null);
  // The connection's state (it may switch to a fuller one once a history replay caught up).
  const state = connection?.state ?? empty;
  const [rev, setRev] = useState(0);
  const [conn, setConn] = useState<{ status: ConnectionStatus; detail: string }>({ status: "connecting", detail: "" });
  const [info, setInfo] = useState<DashboardInfo | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [selected, setSelected] = useState<string | null>(null);
  const now = useNow(1000);

  // Info first (it says where the stream is and what may be done), then the stream.
  useEffect(() => {
    let stream: StreamConnection | null = null;
    let timer: number | undefined;
    let gone = false;
    const begin = (): void => {
      fetchInfo(token).then(
        (i) => {
          if (gone) return;
          setInfo(i);
          setProblem(null);
          const opened = new StreamConnection({
            token,
            eventsPath: i.eventsPath,
            replayHistory: i.mode === "state",
            onChange: () => setRev((r) => r + 1),
            onStatus: (status, detail) => (status === "unauthorized" ? onRefused(detail) : setConn({ status, detail })),
            tokenAccepted: () =>
              fetchInfo(token).then(
                () => true,
                (e: unknown) => !(e instanceof ApiError && e.status === 401),
              ),
          });
          stream = opened;
          setConnection(opened);
          opened.start();
        },
        (e: unknown) => {
          if (gone) return;
          if (e instanceof ApiError && e.status === 401) return onRefused("The supervisor refused this token (it is fresh for each run).");
          setProblem(e instanceof Error ? e.message : String(e));
          timer = window.setTimeout(begin, 3000);
        },
      );
    };
    begin();
    return () => {
      gone = true;
      window.clearTimeout(timer);
      stream?.close();
    };
  }, [token]);

  // Agents' capabilities follow their states: refresh the info shortly after they change.
  const agents = [...state.projection.agents.values()];
  const agentKey = agents.map((a) => `${a.agentId}:${a.state}:${a.run}`).join(",");
  useEffect(() => {
    if (info === null || agentKey === "") return;
    const timer = window.setTimeout(() => fetchInfo(token).then(setInfo, () => undefined), 250);
    return () => window.clearTimeout(timer);
  }, [agentKey]);

  // The server's answer, or the refusal as "CODE: message".
  const send = async (request: ActionRequest): Promise<ActionReply | string> => {
    try {
      return await postAction(token, request);
    } catch (e) {
      return e instanceof ApiError ? `${e.code}: ${e.message}` : String(e);
    }
  };
  const act = async (request: ActionRequest): Promise<string | null> => {
    const reply = await send(request);
    return typeof reply === "string" ? reply : null;
  };
  const resetBudget = async (scope: string): Promise<string | { done: string }> => {
    const reply = await send({ action: "budget.reset", scopes: [scope] });
    return typeof reply === "string" ? reply : { done: resetSummary(scope, reply.reset ?? []) };
  };

  const series = useMemo(() => state.timeline.series(Date.now()), [now, rev === 0]);
  const p = state.projection;
  const readOnly = info === null || info.readOnly || info.actions.length === 0;
  void rev;
  return (
    <div class="page">
      <Header supervisor={p.supervisor} info={info} status={conn.status} detail={conn.detail} lastSeq={state.lastSeq} storeError={p.storeError} />
      {problem !== null && (
        <div class="banner error" role="alert">
          Cannot reach the supervisor: {problem} (retrying)
        </div>
      )}
      <main class="grid">
        <Agents agents={agents} extras={state.extras} info={info} now={now} act={act} />
        <div class="row2">
          <Budgets
            budgets={[...p.budgets.values()]}
            warnAt={info?.budgetWarnAt ?? []}
            canEdit={!readOnly && (info?.actions.includes("budget.set") ?? false)}
            canReset={!readOnly && (info?.actions.includes("budget.reset") ?? false)}
            act={act}
            reset={resetBudget}
          />
          <Breakers breakers={[...p.breakers.values()]} now={now} canReset={!readOnly && (info?.actions.includes("breaker.reset") ?? false)} act={act} />
        </div>
        <Charts series={series} />
        <div class={selected === null ? "calls-area" : "calls-area with-detail"}>
          <CallsTable calls={() => state.calls()} rev={rev} total={p.calls.size} max={state.limits.maxCalls} selected={selected} onSelect={setSelected} />
          {selected !== null && <CallDetail key={selected} callId={selected} call={p.calls.get(selected)} token={token} onClose={() => setSelected(null)} />}
        </div>
        <div class="row2">
          <OutputTail agents={state.output.agents()} lines={(id) => state.output.lines(id)} rev={rev} whole={state.lastSeq !== null && state.snapshots === 0} />
          <Activity items={state.activity.items} />
        </div>
      </main>
    </div>
  );
}
