// Who is calling: the client address Cloudflare vouches for, and the user agent (trimmed for storage).
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

const MAX_USER_AGENT_LENGTH = 256;

/** CF-Connecting-IP is set by Cloudflare's edge; X-Forwarded-For is client-controlled and ignored. */
export function clientInfo(request: Request): ClientInfo {
  const userAgent = request.headers.get('User-Agent');
  return {
    ip: request.headers.get('CF-Connecting-IP'),
    userAgent: userAgent ? userAgent.slice(0, MAX_USER_AGENT_LENGTH) : null,
  };
}
