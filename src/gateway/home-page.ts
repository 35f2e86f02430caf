import { LEGACY_PATHS } from "./legacy-route.js";

export interface HomePageOptions {
  /** `/metrics` is served */
  metrics: boolean;
  /** the operator console is served at `/console` */
  consoleEnabled: boolean;
}

interface Entry {
  what: string;
  path?: string;
  note?: string;
}

function entries(opts: HomePageOptions): Entry[] {
  const legacy = LEGACY_PATHS.filter((p) => !p.endsWith("/"));
  return [
    {
      what: "legacy endpoint",
      path: legacy[0]!,
      note: `also ${legacy.slice(1).join(", ")}; e.g. ?api_key=KEY&action=getBalance`,
    },
    { what: "health", path: "/healthz" },
    { what: "readiness", path: "/readyz", note: "id store and upstream state" },
    ...(opts.metrics ? [{ what: "metrics", path: "/metrics", note: "Prometheus text format" }] : []),
    ...(opts.consoleEnabled ? [{ what: "console", path: "/console" }] : []),
    {
      what: "documentation",
      note: "README.md and docs/ in the repository (docs/legacy-protocol.md, docs/native-api.md)",
    },
  ];
}

const TITLE = "SMS-Activate compatibility gateway";
const ABOUT =
  "Answers the SMS-Activate handler_api.php protocol and translates each call to SMSBulk's native API.";

/** `GET /` for a person with curl: what this is and where things are. */
export function homePageText(opts: HomePageOptions): string {
  const rows = entries(opts).map(({ what, path, note }) =>
    `  ${`${what}:`.padEnd(16)} ${[path, note && (path ? `(${note})` : note)].filter(Boolean).join(" ")}`.trimEnd(),
  );
  return `${TITLE}\n${ABOUT}\n\n${rows.join("\n")}\n`;
}

const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The same, for a browser: the paths are links. */
export function homePageHtml(opts: HomePageOptions): string {
  const items = entries(opts).map(({ what, path, note }) => {
    const link = path ? ` <a href="${path}">${path}</a>` : "";
    return `<li>${escapeHtml(what)}:${link}${note ? ` ${escapeHtml(path ? `(${note})` : note)}` : ""}</li>`;
  });
  return `<!doctype html><meta charset="utf-8"><title>${TITLE}</title><h1>${TITLE}</h1><p>${escapeHtml(ABOUT)}</p><ul>${items.join("")}</ul>\n`;
}
