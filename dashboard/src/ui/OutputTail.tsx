// The last lines an agent printed, stderr marked; follows the end unless the reader scrolled up.
import { useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { clock } from "../model/format.js";
import type { OutputLine } from "../model/output-tail.js";

interface Props {
  readonly agents: readonly string[];
  readonly lines: (agentId: string) => readonly OutputLine[];
  readonly rev: number;
  /** True when the page replayed the whole history: lines from before it opened are there too. */
  readonly whole: boolean;
}

export function OutputTail({ agents, lines, rev, whole }: Props) {
  const [chosen, setChosen] = useState<string>("");
  const agent = agents.includes(chosen) ? chosen : (agents[0] ?? "");
  const box = useRef<HTMLDivElement>(null);
  const follow = useRef(true);
  const shown = agent === "" ? [] : lines(agent);
  useLayoutEffect(() => {
    const el = box.current;
    if (el !== null && follow.current) el.scrollTop = el.scrollHeight;
  }, [rev, agent]);
  useEffect(() => {
    follow.current = true;
  }, [agent]);
  return (
    <section class="card" aria-labelledby="output-h">
      <div class="card-head">
        <h2 id="output-h">
          Output <span class="muted small">{whole ? "last lines on record" : "since the page connected"}</span>
        </h2>
        <label class="inline">
          Agent
          <select value={agent} onChange={(e) => setChosen(e.currentTarget.value)} disabled={agents.length === 0}>
            {agents.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div
        class="tail"
        role="log"
        ref={box}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so the keyboard can scroll it (WCAG 2.1.1).
        tabIndex={0}
        aria-label={`Last lines printed by ${agent || "no agent"}`}
        onScroll={(e) => {
          const el = e.currentTarget;
          follow.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
      >
        {shown.length === 0 && <p class="muted">{agents.length === 0 ? "No output yet (lines appear as agents print them)." : "Nothing printed yet."}</p>}
        {shown.map((l) => (
          <div key={l.seq} class={`line ${l.stream}`}>
            <span class="muted mono">{clock(l.ts)}</span>
            <span class="stream-tag" title={l.stream}>
              {l.stream === "stderr" ? "err" : "out"}
            </span>
            <span class="text">{l.line}</span>
          </div>
        ))}
      </div>
    </section>
  );
}
