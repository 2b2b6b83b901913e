// Hyper-parameter widgets built from a session's `params` (docs/lab.md: default and low / high, or
// default and options): a slider (logarithmic where the range spans decades) with an exact number
// field, or a select. A change is sent at once; a refused one (422) puts the widget back.

const ABOUT = {
  optimizer: "optimizer",
  batch_size: "batch size",
  loss: "GAN loss",
  lr: "learning rate",
  lr_g: "learning rate of G",
  lr_d: "learning rate of D",
  d_steps: "D updates per round",
  g_steps: "G updates per round",
  latent_dim: "latent size",
  gp_weight: "gradient-penalty weight",
  width: "hidden units per layer",
  beta: "β: weight of the KL term",
  layers: "coupling layers",
  timesteps: "noise levels T",
  schedule: "noise schedule",
};
const RESOLUTION = 1000; // slider positions

/** How a numeric spec maps to a slider position 0..RESOLUTION and back. */
function scaleOf(spec) {
  const { low, high, integer } = spec;
  const snap = (v) => (integer ? Math.round(v) : Number(v.toPrecision(2)));
  if (low > 0 && high / low >= 50) { // logarithmic: learning rates, batch size, widths, T
    const [a, b] = [Math.log10(low), Math.log10(high)];
    return { toPos: (v) => ((Math.log10(Math.max(low, v)) - a) / (b - a)) * RESOLUTION,
      fromPos: (p) => Math.min(high, Math.max(low, snap(10 ** (a + (p / RESOLUTION) * (b - a))))) };
  }
  if (low === 0 && !integer && high >= 10) { // 0, then four decades up to high (β, the penalty weight)
    const b = Math.log10(high);
    const a = b - 4;
    return { toPos: (v) => (v <= 0 ? 0 : Math.max(1, ((Math.log10(v) - a) / (b - a)) * RESOLUTION)),
      fromPos: (p) => (p <= 0 ? 0 : Math.min(high, snap(10 ** (a + (p / RESOLUTION) * (b - a))))) };
  }
  return { toPos: (v) => ((v - low) / (high - low)) * RESOLUTION,
    fromPos: (p) => Math.min(high, Math.max(low, snap(low + (p / RESOLUTION) * (high - low)))) };
}

export const formatValue = (v) => (typeof v === "number" ? Number(v.toPrecision(4)).toString() : String(v));

function rangeWidget(name, spec, send) {
  const scale = scaleOf(spec);
  const slider = Object.assign(document.createElement("input"), { type: "range", min: 0, max: RESOLUTION, step: 1,
    id: `hp-${name}`, className: "hp-slider" });
  slider.setAttribute("aria-label", `${name}: ${ABOUT[name] || name}`);
  const number = Object.assign(document.createElement("input"), { type: "number", min: spec.low, max: spec.high,
    step: spec.integer ? 1 : "any", className: "hp-number", inputMode: spec.integer ? "numeric" : "decimal" });
  number.setAttribute("aria-label", `${name} value`);
  slider.addEventListener("input", () => { number.value = formatValue(scale.fromPos(Number(slider.value))); });
  slider.addEventListener("change", () => send(scale.fromPos(Number(slider.value))));
  number.addEventListener("change", () => {
    const v = Number(number.value);
    if (number.value.trim() === "" || !Number.isFinite(v)) return;
    send(spec.integer ? Math.round(v) : v);
  });
  return {
    inputs: [slider, number],
    set: (v) => {
      slider.value = String(Math.round(scale.toPos(v)));
      number.value = formatValue(v);
    },
  };
}

function choiceWidget(name, spec, send) {
  const select = Object.assign(document.createElement("select"), { id: `hp-${name}`, className: "hp-select" });
  select.append(...spec.options.map((o) => new Option(o, o)));
  select.addEventListener("change", () => send(select.value));
  return { inputs: [select], set: (v) => { select.value = v; } };
}

/**
 * Widgets in `grid` for the session's params. onChange(name, value) -> Promise (rejects when refused).
 * Returns {build(params, hp), set(hp)}.
 */
export function createHpControls(grid, onChange) {
  let widgets = {};
  let params = {};
  let current = {};

  function mark(name) {
    const row = grid.querySelector(`[data-name="${name}"]`);
    if (row) row.dataset.changed = String(current[name] !== params[name].default);
  }

  function set(hp) {
    current = { ...current, ...hp };
    for (const [name, widget] of Object.entries(widgets)) {
      if (name in hp) {
        widget.set(hp[name]);
        mark(name);
      }
    }
  }

  function build(newParams, hp) {
    params = newParams;
    current = {};
    widgets = {};
    grid.replaceChildren(...Object.entries(params).map(([name, spec]) => {
      const send = (value) => onChange(name, value).catch(() => set({ [name]: current[name] })); // refused: back
      const widget = spec.kind === "choice" ? choiceWidget(name, spec, send) : rangeWidget(name, spec, send);
      widgets[name] = widget;
      const row = document.createElement("div");
      row.className = `hp hp-${spec.kind}`;
      row.dataset.name = name;
      const label = document.createElement("label");
      label.className = "hp-label";
      label.htmlFor = `hp-${name}`;
      const code = document.createElement("code");
      code.textContent = name;
      const about = document.createElement("span");
      about.className = "hp-about";
      about.textContent = ABOUT[name] || "";
      const bounds = document.createElement("span");
      bounds.className = "hp-bounds";
      bounds.textContent = spec.kind === "choice" ? `default ${spec.default}`
        : `${formatValue(spec.low)} … ${formatValue(spec.high)}, default ${formatValue(spec.default)}`;
      label.append(code, " ", about);
      const inputs = document.createElement("div");
      inputs.className = "hp-inputs";
      inputs.append(...widget.inputs);
      row.append(label, inputs, bounds);
      return row;
    }));
    set(hp);
  }

  return { build, set };
}
