// The audit and activity list: operators' actions and notable events, newest first.
import { clock } from "../model/format.js";
import type { ActivityItem } from "../model/activity.js";

export function Activity({ items }: { items: readonly ActivityItem[] }) {
  const newest = items.slice().reverse();
  return (
    <section class="card" aria-labelledby="activity-h">
      <h2 id="activity-h">Activity &amp; audit</h2>
      {newest.length === 0 ? (
        <p class="muted">Nothing notable yet: actions, budget warnings, breaker changes and errors appear here.</p>
      ) : (
        <ol class="activity" data-testid="activity">
          {newest.map((item) => (
            <li key={item.seq} class={`level-${item.level}`} data-kind={item.kind}>
              <span class="mono muted">{clock(item.ts)}</span>
              <span class="kind">{item.kind}</span>
              <span class="text">{item.text}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
