/** Realistic mailbox addresses and sign-up emails for the email product. */

const FIRST = ["anna", "k", "lukas", "maria", "j", "elena", "tom", "sofia", "max", "nina", "leo", "mia"];
const LAST = [
  "weber",
  "novak",
  "schmidt",
  "ivanova",
  "rossi",
  "meyer",
  "garcia",
  "klein",
  "larsen",
  "petrov",
];

const pick = <T>(items: readonly T[], random: () => number): T =>
  items[Math.floor(random() * items.length)] ?? items[0]!;

/**
 * `<first>.<last><digits>@<domain>`, drawn again while `taken` says the address is in use; after 50
 * draws (a degenerate random) a counter suffix makes it unique, so this always ends.
 */
export function randomEmailAddress(
  domain: string,
  random: () => number,
  taken: (address: string) => boolean,
): string {
  let local = "";
  for (let attempt = 0; attempt < 50; attempt++) {
    const digits = String(Math.floor(random() * 10_000)).padStart(4, "0");
    local = `${pick(FIRST, random)}.${pick(LAST, random)}${digits}`;
    if (!taken(`${local}@${domain}`)) return `${local}@${domain}`;
  }
  for (let n = 2; ; n++) if (!taken(`${local}.${n}@${domain}`)) return `${local}.${n}@${domain}`;
}

export interface Email {
  code: string;
  html: string;
}

/** "telegram.com" → "Telegram". */
export function siteName(site: string): string {
  const base = site.split(".")[0] ?? site;
  const names: Record<string, string> = { tiktok: "TikTok" };
  return names[base] ?? base.charAt(0).toUpperCase() + base.slice(1);
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]!);
}

/** A small HTML sign-up mail from the site with a 5–6 digit code (first digit non-zero). */
export function generateEmail(site: string, random: () => number): Email {
  const length = 5 + Math.floor(random() * 2);
  let code = String(1 + Math.floor(random() * 9));
  while (code.length < length) code += Math.floor(random() * 10).toString();
  const name = siteName(site);
  const html =
    `<html><head><title>${name} verification</title></head><body style="font-family:sans-serif">` +
    `<h2>${name}</h2><p>Your ${name} code is <b>${code}</b></p>` +
    "<p>Enter it to confirm your email address. It expires in 10 minutes.</p>" +
    `<p style="color:#888">If you did not request this, ignore this email. &copy; ${name}</p></body></html>`;
  return { code, html };
}

/** A tester's text wrapped as a minimal HTML mail (HTML given as is). */
export function asHtml(text: string): string {
  return /<[a-z!]/i.test(text) ? text : `<html><body><p>${escapeHtml(text)}</p></body></html>`;
}
