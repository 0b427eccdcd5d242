/**
 * Secrets never reach logs, errors, responses or manifests. Error text from dump tools (stderr) is reduced to
 * its tail and scrubbed of the known secrets and of common credential shapes before it is stored anywhere.
 */
export const REDACTED = '[redacted]';

const CREDENTIAL_SHAPES: readonly RegExp[] = [
  /(:\/\/[^:/\s@]+:)[^@\s]+@/g, // scheme://user:password@host
  /\b(password|passwd|pwd|secret|token)(\s*[=:]\s*)("[^"]*"|'[^']*'|\S+)/gi,
];

export function redact(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= 3) out = out.split(secret).join(REDACTED);
  }
  out = out.replace(CREDENTIAL_SHAPES[0] as RegExp, `$1${REDACTED}@`);
  out = out.replace(CREDENTIAL_SHAPES[1] as RegExp, `$1$2${REDACTED}`);
  return out;
}

/** The last `maxChars` characters of `text`, cut at a line start when possible. */
export function tail(text: string, maxChars = 2000): string {
  if (text.length <= maxChars) return text.trim();
  const cut = text.slice(-maxChars);
  const newline = cut.indexOf('\n');
  return (newline >= 0 && newline < cut.length - 1 ? cut.slice(newline + 1) : cut).trim();
}

export function redactedTail(text: string, secrets: readonly string[], maxChars = 2000): string {
  // Redact before cutting so that a secret split by the cut cannot survive in pieces.
  return tail(redact(text, secrets), maxChars);
}
