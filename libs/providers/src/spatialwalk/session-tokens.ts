import { ProviderError } from '../provider-error';
import { RetryRule, VendorHttp } from '../http/vendor-http';
import { tokenAnswerKind } from './spatialwalk-failures';

export interface SessionToken {
  token: string;
  /** Unix seconds. */
  expireAt: number;
}

interface TokenAnswer {
  sessionToken?: unknown;
}

/**
 * SpatialWalk's console: trades the API key for a session token that opens ingress
 * sockets until `expireAt` (`POST {console}/session-tokens`).
 */
export class SessionTokens {
  constructor(
    private readonly provider: string,
    private readonly http: VendorHttp,
    private readonly consoleUrl: string,
    private readonly rule: RetryRule | undefined,
  ) {}

  async issue(apiKey: string, expireAt: number, signal?: AbortSignal): Promise<SessionToken> {
    const { body, requestId } = await this.http.request<TokenAnswer>({
      method: 'POST',
      url: `${this.consoleUrl.replace(/\/+$/, '')}/session-tokens`,
      // VendorHttp sends content-type: application/json with a JSON body (naming it again doubles it).
      headers: { 'X-Api-Key': apiKey },
      json: { expireAt },
      rule: this.rule,
      classify: tokenAnswerKind,
      signal,
    });
    const token = body?.sessionToken;
    if (typeof token !== 'string' || !token) {
      throw new ProviderError(`${this.provider}: POST /session-tokens answered without a sessionToken`, {
        kind: 'rejected',
        provider: this.provider,
        vendorRequestId: requestId,
      });
    }
    return { token, expireAt };
  }
}
