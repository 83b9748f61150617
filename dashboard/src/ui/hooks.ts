// Small hooks shared by the components.
import { useEffect, useState } from "preact/hooks";

/** The current time, refreshed every `ms` (uptimes and countdowns tick with it). */
export function useNow(ms = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), ms);
    return () => clearInterval(timer);
  }, [ms]);
  return now;
}
