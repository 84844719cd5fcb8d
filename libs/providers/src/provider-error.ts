import { CAPACITY_KINDS, PROVIDER_FAILURES, ProviderErrorCode, ProviderErrorDetails, ProviderFailureKind } from '@avatar/contracts';

export interface ProviderErrorInit {
  kind: ProviderFailureKind;
  provider: string;
  /** Overrides the kind's default. */
  retryable?: boolean;
  /** Seconds the vendor asked us to wait (Retry-After). */
  retryAfterS?: number;
  /** The vendor's id for the failed request, for its support desk. */
  vendorRequestId?: string;
  /** The vendor's HTTP status or protocol error code. */
  vendorStatus?: number;
}

/** A failure of a vendor call, typed; `retryable` ones are tried again with backoff. */
export class ProviderError extends Error {
  readonly kind: ProviderFailureKind;
  readonly provider: string;
  readonly retryable: boolean;
  readonly retryAfterS?: number;
  readonly vendorRequestId?: string;
  readonly vendorStatus?: number;

  constructor(message: string, init: ProviderErrorInit) {
    super(message);
    this.name = 'ProviderError';
    this.kind = init.kind;
    this.provider = init.provider;
    this.retryable = init.retryable ?? PROVIDER_FAILURES[init.kind].retryable;
    this.retryAfterS = init.retryAfterS;
    this.vendorRequestId = init.vendorRequestId;
    this.vendorStatus = init.vendorStatus;
  }

  get code(): ProviderErrorCode {
    return PROVIDER_FAILURES[this.kind].code;
  }

  /** True when the next provider of a failover list should be tried. */
  get failsOver(): boolean {
    return this.retryable || CAPACITY_KINDS.includes(this.kind);
  }

  /** What crosses a process boundary (command replies) and reaches the client's error details. */
  toDetails(): ProviderErrorDetails {
    return {
      provider: this.provider,
      kind: this.kind,
      retryable: this.retryable,
      ...(this.retryAfterS !== undefined ? { retry_after: this.retryAfterS } : {}),
      ...(this.vendorRequestId ? { vendor_request_id: this.vendorRequestId } : {}),
      ...(this.vendorStatus !== undefined ? { vendor_status: this.vendorStatus } : {}),
    };
  }

  static fromDetails(message: string, details: ProviderErrorDetails): ProviderError {
    return new ProviderError(message, {
      kind: details.kind,
      provider: details.provider,
      retryable: details.retryable,
      retryAfterS: details.retry_after,
      vendorRequestId: details.vendor_request_id,
      vendorStatus: details.vendor_status,
    });
  }
}
