/** Realistic verification texts. The code is always the first run of digits in the text. */
const CODE_LENGTHS: Record<string, number> = {
  tg: 5,
  wa: 6,
  go: 6,
  ig: 6,
  fb: 6,
  ds: 6,
  mm: 6,
  wx: 6,
  vk: 6,
  ok: 6,
};

const TEMPLATES: ((name: string, code: string) => string)[] = [
  (name, code) => `Your ${name} code is ${code}`,
  (name, code) => `${code} is your ${name} verification code.`,
  (name, code) => `<#> ${name}: your code is ${code}. Do not share it with anyone.`,
  (name, code) => `Your ${name} verification code: ${code}. It expires in 10 minutes.`,
];

const FIXED_TEMPLATES: Record<string, (code: string) => string> = {
  tg: (code) =>
    `Telegram code: ${code}\n\nYou can also tap on this link to log in:\nhttps://t.me/login/${code}`,
  wa: (code) => `Your WhatsApp code: ${code}\n\nDon't share this code with others`,
  go: (code) => `G-${code} is your Google verification code.`,
};

export interface Sms {
  code: string;
  text: string;
}

function randomCode(length: number, random: () => number): string {
  // First digit non-zero so the code reads as a code, not a truncated number.
  let code = String(1 + Math.floor(random() * 9));
  while (code.length < length) code += Math.floor(random() * 10).toString();
  return code;
}

export function generateSms(serviceCode: string, serviceName: string, random: () => number): Sms {
  const length = CODE_LENGTHS[serviceCode] ?? 4 + Math.floor(random() * 3);
  const code = randomCode(length, random);
  const fixed = FIXED_TEMPLATES[serviceCode];
  if (fixed) return { code, text: fixed(code) };
  const template = TEMPLATES[Math.floor(random() * TEMPLATES.length)] ?? TEMPLATES[0]!;
  return { code, text: template(serviceName, code) };
}

/** The first run of 4–8 digits in `text`, or null. */
export function extractCode(text: string): string | null {
  return /(?<!\d)\d{4,8}(?!\d)/.exec(text)?.[0] ?? null;
}
