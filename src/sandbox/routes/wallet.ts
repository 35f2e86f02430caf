import { Hono } from "hono";
import { requireAccount } from "../auth.js";
import { formatMoney } from "../money.js";
import { pageNewestFirst, parsePageQuery } from "../pagination.js";
import type { SandboxEnv, SandboxState } from "../state.js";
import { transactionJson } from "../wallet.js";

export function walletRoutes(state: SandboxState): Hono<SandboxEnv> {
  const api = new Hono<SandboxEnv>();
  const auth = requireAccount(state);

  api.get("/wallet/balance", auth, (c) =>
    c.json({ balance: formatMoney(c.var.account.wallet.balanceCents), currency: state.catalog.currency }),
  );

  api.get("/wallet/transactions", auth, (c) => {
    const page = pageNewestFirst(c.var.account.wallet.transactions, parsePageQuery(c.req.query()));
    return c.json({ data: page.data.map(transactionJson), nextCursor: page.nextCursor });
  });

  return api;
}
