// ③ Per-pixel surprise and the class posterior (POST /api/pixelcnn/{id}/heatmap), for the drawing and
// for the chosen real digit side by side: −log₂ p(x_i | x_<i, y) per pixel as a heat map, and
// p(y | x) by Bayes' rule over the ten class-conditional likelihoods.

import { api } from "../lib/api.js";
import { svgEl } from "../lib/chart.js";
import { setSrc } from "../lib/images.js";

const $ = (id) => document.getElementById(id);

/** Ten columns, p(y | x) in percent; the most probable class dark. */
function posteriorChart(container, probs, label) {
  const width = 420;
  const height = 170;
  const pad = { left: 8, right: 8, top: 26, bottom: 26 };
  const slot = (width - pad.left - pad.right) / probs.length;
  const best = probs.indexOf(Math.max(...probs));
  const svg = svgEl("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart posterior-chart", role: "img",
    "aria-label": `class posterior p(y | x): most probable ${best} at ${(100 * probs[best]).toFixed(1)}%` });
  const h = height - pad.top - pad.bottom;
  probs.forEach((p, y) => {
    const x = pad.left + y * slot;
    const bh = Math.max(1, p * h);
    svg.append(
      svgEl("rect", { x: x + 4, y: pad.top + h - bh, width: slot - 8, height: bh, class: y === best ? "post-bar best" : "post-bar" },
        svgEl("title", {}, `p(y = ${y} | x) = ${(100 * p).toFixed(2)}%`)),
      svgEl("text", { x: x + slot / 2, y: height - 6, "text-anchor": "middle", class: "chart-label" }, y));
    if (p >= 0.005) {
      svg.append(svgEl("text", { x: x + slot / 2, y: pad.top + h - bh - 6, "text-anchor": "middle", class: "chart-tick" },
        p >= 0.995 ? "100%" : `${(100 * p).toFixed(p < 0.1 ? 1 : 0)}%`));
    }
  });
  svg.dataset.best = String(best);
  svg.dataset.label = label === undefined || label === null ? "" : String(label);
  container.replaceChildren(svg);
}

export function createHeatmap(ctx) {
  const section = $("heatmap");
  let token = 0;
  let pending = null; // the AbortController of the newest refresh's requests
  const answers = new Map(); // "model|digit" -> the route's answer: a new stroke does not re-ask for the real digit

  async function heatmapOf(d, signal) {
    const key = `${ctx.model.id}|${d.src}`;
    if (!answers.has(key)) {
      const out = await api(`/api/pixelcnn/${encodeURIComponent(ctx.model.id)}/heatmap`, { image: d.image }, { signal });
      if (answers.size >= 16) answers.delete(answers.keys().next().value);
      answers.set(key, out);
    }
    return answers.get(key);
  }

  async function fill(col, d, mine, signal) {
    const x = col.querySelector(".heat-x");
    const map = col.querySelector(".heat-map");
    const empty = col.querySelector(".heat-empty");
    const parts = col.querySelectorAll(".heat-pics, .heat-bpd, .post-title, .posterior");
    if (!d) {
      x.removeAttribute("src");
      map.removeAttribute("src");
      col.querySelector(".posterior").replaceChildren();
      parts.forEach((p) => { p.hidden = true; });
      if (empty) empty.hidden = false;
      delete col.dataset.bpd;
      return;
    }
    parts.forEach((p) => { p.hidden = false; });
    if (empty) empty.hidden = true;
    setSrc(x, d.src, d.caption);
    const out = await heatmapOf(d, signal);
    if (mine !== token) return;
    setSrc(map, out.heatmap, `heat map of bits per pixel: ${d.caption}`);
    const posterior = out.class_posterior;
    const under = out.label === null || out.label === undefined ? "" : ` under class ${out.label}`;
    const facts = [`${d.caption}: ${out.bits_per_dim.toFixed(3)} bits/dim${under}`, `brightest pixel ${out.heatmap_max_bits.toFixed(1)} bits`];
    if (posterior) {
      const best = posterior.indexOf(Math.max(...posterior));
      const truth = d.label === null || d.label === undefined ? "" : ` (it is a ${d.label})`;
      facts.push(`p(y | x) reads it as a ${best}${truth}`);
      posteriorChart(col.querySelector(".posterior"), posterior, out.label);
    } else {
      col.querySelector(".posterior").replaceChildren();
    }
    col.querySelector(".heat-bpd").textContent = `${facts.join(" · ")}.`;
    col.dataset.bpd = String(out.bits_per_dim);
  }

  async function refresh() {
    const mine = ++token;
    pending?.abort();
    pending = new AbortController();
    const { signal } = pending;
    const cols = Object.fromEntries([...section.querySelectorAll(".heat-col")].map((c) => [c.dataset.which, c]));
    section.classList.add("busy");
    try {
      // both at once: a new stroke should not wait behind the real digit's map
      await Promise.all([fill(cols.held, ctx.source.held(), mine, signal),
        fill(cols.draw, ctx.source.drawing(), mine, signal)]);
      if (mine === token) section.querySelector(".error").hidden = true;
    } catch (err) {
      if (mine !== token) return;
      const box = section.querySelector(".error");
      box.textContent = `⚠ ${err.message}`;
      box.hidden = false;
    } finally {
      if (mine === token) section.classList.remove("busy");
    }
  }

  return { refresh };
}
