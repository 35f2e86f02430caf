/** CUID-like ids: 25 lowercase base-36 characters starting with "c", like Prisma's cuid(). */
export type IdGenerator = () => string;

export function createIdGenerator(now: () => number, random: () => number): IdGenerator {
  let counter = 0;
  return () => {
    counter = (counter + 1) % 36 ** 4;
    const time = now().toString(36).padStart(8, "0").slice(-8);
    const count = counter.toString(36).padStart(4, "0");
    let tail = "";
    while (tail.length < 12) tail += Math.floor(random() * 36).toString(36);
    return `c${time}${count}${tail}`;
  };
}
