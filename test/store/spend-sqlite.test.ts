import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openSqliteSpendLedger } from "../../src/store/spend-sqlite.js";
import { spendLedgerContract } from "./spend-ledger.contract.js";

spendLedgerContract("SQLite spend ledger", async () =>
  openSqliteSpendLedger({ dataDir: mkdtempSync(join(tmpdir(), "spend-")) }),
);
