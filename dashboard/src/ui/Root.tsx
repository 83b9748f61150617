// Holds the token: asks for it when the page has none (or the supervisor refused it), then
// shows the dashboard.
import { useState } from "preact/hooks";
import { forgetToken, saveToken, takeToken } from "../net/token.js";
import { App } from "./App.js";
import { TokenForm } from "./TokenForm.js";

export function Root() {
  const [token, setToken] = useState<string | null>(() => takeToken());
  const [refused, setRefused] = useState<string | null>(null);
  if (token === null) {
    return (
      <TokenForm
        problem={refused}
        onToken={(t) => {
          saveToken(t);
          setRefused(null);
          setToken(t);
        }}
      />
    );
  }
  return (
    <App
      key={token}
      token={token}
      onRefused={(why) => {
        forgetToken();
        setRefused(why);
        setToken(null);
      }}
    />
  );
}
