// Credentials in URLs: a private buildpack is often named `https://user:token@host/bp.zip`. The
// builder needs the URL as given (result.json keeps the key as the contract says), but nothing else
// we write may carry the userinfo: logs, staging metadata, the SBOM, hook events, OCI labels,
// `droplet inspect`. Those use the redacted form, `https://***@host/bp.zip`.

/** What replaces the userinfo of a URL: `*` is a valid userinfo character, so the result still parses. */
export const REDACTED_USERINFO = '***';

// scheme://userinfo@ — userinfo is everything up to the last `@` before the first `/`, `?` or `#`.
const URL_WITH_USERINFO = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^/?#\s@]*@)+/g;

/** `https://user:token@host/x` → `https://***@host/x`; anything else unchanged. */
export function redactUrl(url: string): string {
  return url.replace(URL_WITH_USERINFO, `$1${REDACTED_USERINFO}@`);
}

/** Every URL with userinfo inside a free text (an error message, a log line), redacted. */
export function redactUrlsIn(text: string): string {
  return text.replace(URL_WITH_USERINFO, `$1${REDACTED_USERINFO}@`);
}

/** Whether a URL carries userinfo (a user name, a password or a token). */
export function hasUserinfo(url: string): boolean {
  URL_WITH_USERINFO.lastIndex = 0;
  const found = URL_WITH_USERINFO.test(url);
  URL_WITH_USERINFO.lastIndex = 0;
  return found;
}
