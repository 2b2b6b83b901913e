// Two things every <canvas> picture here needs: a canvas as sharp as the screen at its CSS size, and
// colour maps for heat maps (the lab's 2-D frames and the score page's fields share them).

/** Piecewise-linear colour map: stops [[t, [r, g, b]], ...] with t rising from 0 to 1. */
export function ramp(stops) {
  return (t) => {
    const v = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
    let i = 1;
    while (i < stops.length - 1 && v > stops[i][0]) i += 1;
    const [t0, c0] = stops[i - 1];
    const [t1, c1] = stops[i];
    const f = t1 > t0 ? (v - t0) / (t1 - t0) : 0;
    return c0.map((c, k) => Math.round(c + f * (c1[k] - c)));
  };
}

/** The canvas sized to its CSS box at the screen's pixel density; returns its 2-D context in CSS pixels. */
export function fitCanvas(canvas) {
  const size = Math.max(100, Math.round(canvas.getBoundingClientRect().width || canvas.width));
  const dpr = Math.min(3, window.devicePixelRatio || 1);
  if (canvas.width !== Math.round(size * dpr)) {
    canvas.width = Math.round(size * dpr);
    canvas.height = Math.round(size * dpr);
  }
  const c = canvas.getContext("2d");
  c.setTransform(canvas.width / size, 0, 0, canvas.height / size, 0, 0);
  return { c, size };
}
