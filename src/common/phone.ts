/** A phone number as legacy clients parse it (`int()` on it): digits only, no `+` or spaces. */
export function phoneDigits(phone: string): string {
  return phone.replace(/\D/g, "");
}
