// code.cloudfoundry.org/bytefmt's ByteSize, used in ``Downloaded buildpack `<url>` (<size>)``: the
// largest binary unit not exceeding the value, one decimal, a trailing `.0` removed (CONTRACT §2.6).
const UNITS: Array<[string, number]> = [
  ['E', 2 ** 60],
  ['P', 2 ** 50],
  ['T', 2 ** 40],
  ['G', 2 ** 30],
  ['M', 2 ** 20],
  ['K', 2 ** 10],
];

export function formatByteSize(bytes: number): string {
  if (bytes === 0) return '0B';
  for (const [unit, size] of UNITS) {
    if (bytes >= size) return `${oneDecimal(bytes / size).replace(/\.0$/, '')}${unit}`;
  }
  return `${bytes}B`;
}

/** Go's strconv.FormatFloat(x, 'f', 1, 64): exact ties round to even (JS toFixed rounds them up). */
function oneDecimal(x: number): string {
  const scaled = x * 10; // exact: x is a byte count divided by a power of two
  let tenths = Math.floor(scaled);
  const rest = scaled - tenths;
  if (rest > 0.5 || (rest === 0.5 && tenths % 2 === 1)) tenths += 1;
  return `${Math.floor(tenths / 10)}.${tenths % 10}`;
}
