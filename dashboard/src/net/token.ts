// The access token: taken from the URL's fragment (`#token=…`, never sent to any server),
// kept in this tab's sessionStorage, and removed from the visible URL so it is neither
// bookmarked nor seen over a shoulder.
const KEY = "iron.dashboard.token";

/** The token from the fragment (moved to sessionStorage) or from an earlier visit of this tab. */
export function takeToken(): string | null {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const fromUrl = fragment.get("token");
  if (fromUrl !== null && fromUrl !== "") {
    saveToken(fromUrl);
    fragment.delete("token");
    const rest = fragment.toString();
    history.replaceState(null, "", `${location.pathname}${location.search}${rest === "" ? "" : `#${rest}`}`);
    return fromUrl;
  }
  return readStored();
}

export function saveToken(token: string): void {
  try {
    sessionStorage.setItem(KEY, token);
  } catch {
    // Storage refused (private mode): the token lives only as long as the page.
  }
}

export function forgetToken(): void {
  try {
    sessionStorage.removeItem(KEY);
  } catch {
    // Nothing was stored.
  }
}

function readStored(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}
