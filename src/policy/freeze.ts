// Policies get read-only inputs: a policy that tries to change a call in place fails loudly
// (TypeError in strict mode) instead of silently corrupting what the next policy sees.

/** Freezes a JSON-like value and everything inside it; returns it. */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item !== "object" || item === null || Object.isFrozen(item)) continue;
    Object.freeze(item);
    if (Array.isArray(item)) {
      for (const child of item) if (typeof child === "object" && child !== null) stack.push(child);
    } else if (!ArrayBuffer.isView(item)) {
      for (const key of Object.keys(item)) {
        const child = (item as Record<string, unknown>)[key];
        if (typeof child === "object" && child !== null) stack.push(child);
      }
    }
  }
  return value;
}
