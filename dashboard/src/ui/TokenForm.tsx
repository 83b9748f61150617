// Asks for the access token when the page was opened without one (the URL `iron run` prints
// carries it after `#token=`).
import { useState } from "preact/hooks";

export function TokenForm({ problem, onToken }: { problem: string | null; onToken: (token: string) => void }) {
  const [value, setValue] = useState("");
  return (
    <main class="token-page">
      <form
        class="card token-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim() !== "") onToken(value.trim());
        }}
      >
        <h1>iron dashboard</h1>
        <p>
          This supervisor needs its access token. Open the URL <code>iron run</code> printed (it ends in <code>#token=…</code>), or paste the token here (<code>.iron/stream.json</code> holds it too).
        </p>
        {problem !== null && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
        <label>
          Access token
          <input type="password" autocomplete="off" spellcheck={false} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
        </label>
        <button type="submit" class="primary" disabled={value.trim() === ""}>
          Open
        </button>
      </form>
    </main>
  );
}
