// Seeded random numbers for pictures a permalink must reproduce: the same seed, the same draws.
// Small pure functions; the server's draws use torch generators, these are for page-side noise.

/** mulberry32 (Tommy Ettinger): a 32-bit seeded PRNG; returns a function giving uniforms in [0, 1). */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `n` draws from N(0, 1) by the Box–Muller transform (Box & Muller 1958) of a uniform source. */
export function normals(uniform, n) {
  const out = [];
  while (out.length < n) {
    const r = Math.sqrt(-2 * Math.log(1 - uniform())); // 1 − u is in (0, 1]: log never sees 0
    const angle = 2 * Math.PI * uniform();
    out.push(r * Math.cos(angle));
    if (out.length < n) out.push(r * Math.sin(angle));
  }
  return out;
}
