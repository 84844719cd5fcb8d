import type { SealedDocument } from '@avatar/persistence';
import type { CredentialCipher } from '../credential-cipher';

/** What one kind of sealed row (vendor credentials, webhook secrets) gives the re-seal sweep. */
export interface ResealSource<R extends SealedDocument> {
  /**
   * Rows sealed with any key but `keyId`, at most `limit`, in a fixed order after
   * `after` (the last row of the previous page).
   */
  sealedWithOtherKeys(keyId: string, limit: number, after?: R): Promise<R[]>;
  /** The context (AAD) the row was sealed with: it is re-sealed with the same one. */
  context(row: R): string;
  /** The row in the report: "tenant/provider", "tenant/endpoint". */
  describe(row: R): string;
  /** Writes the new document if the row is still sealed with `row.keyId`; false when someone changed it meanwhile. */
  replaceSealed(row: R, document: SealedDocument): Promise<boolean>;
}

export interface ResealReport {
  /** Rows now sealed with CREDENTIALS_KEY. */
  resealed: number;
  /** Rows changed by someone else meanwhile (they are sealed with the current key by that write). */
  skipped: number;
  /** Rows sealed with a key that is neither CREDENTIALS_KEY nor in CREDENTIALS_OLD_KEYS: "<row> (key <key id>)". */
  unopenable: string[];
}

const RESEAL_PAGE = 100;

/**
 * Key rotation: re-encrypts every row sealed with another key under CREDENTIALS_KEY,
 * with the context it was sealed for. A row rewritten meanwhile is left as written.
 */
export async function resealRows<R extends SealedDocument>(source: ResealSource<R>, cipher: CredentialCipher): Promise<ResealReport> {
  const currentKeyId = cipher.currentKeyId;
  if (!currentKeyId) throw new Error('CREDENTIALS_KEY is not set: it is the key everything is re-sealed with');
  const report: ResealReport = { resealed: 0, skipped: 0, unopenable: [] };
  let after: R | undefined;
  for (;;) {
    const rows = await source.sealedWithOtherKeys(currentKeyId, RESEAL_PAGE, after);
    for (const row of rows) {
      if (!cipher.canOpen(row.keyId)) {
        report.unopenable.push(`${source.describe(row)} (key ${row.keyId})`);
        continue;
      }
      const context = source.context(row);
      const replaced = await source.replaceSealed(row, cipher.seal(cipher.open(row, context), context));
      if (replaced) report.resealed += 1;
      else report.skipped += 1;
    }
    if (rows.length < RESEAL_PAGE) return report;
    after = rows[rows.length - 1];
  }
}
