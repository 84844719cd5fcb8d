import { Injectable, Logger } from '@nestjs/common';
import { auditLine, AuditDetails } from '@avatar/tenancy';

/** One log line per admin change (who: admin, what, which tenant); never a secret. */
@Injectable()
export class AdminAudit {
  private readonly logger = new Logger('AdminAudit');

  record(action: string, tenantId: string | null, details: AuditDetails = {}): void {
    this.logger.log(auditLine('admin', action, tenantId, details));
  }
}
