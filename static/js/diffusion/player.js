// A frame player for sampling trajectories: play / pause / step / scrub over the frames received so
// far, while more may still be streaming in. Frames are {i, t, x_t, x0_pred} as the API sends them.
//
// "Following" means the view sticks to the newest frame while a stream delivers more; pausing,
// stepping or scrubbing stops following, pressing play at the newest frame of a finished run
// starts again from the first frame.

const PER_ROW = 8; // the API's grids: up to 8 digits a row, 28 px each, 2-px gaps
const GAP = 2;

/** Natural size of the API's grid PNG for n digits. */
export function gridSize(n) {
  const cols = Math.min(n, PER_ROW);
  const rows = Math.ceil(n / PER_ROW);
  return [cols * 28 + (cols - 1) * GAP, rows * 28 + (rows - 1) * GAP];
}

/**
 * Size the x_t and x̂_0 grids of a frame view for n digits within `width` CSS px: one row of digits
 * is stacked (each x_t right above its x̂_0, as large as fits), several rows go side by side.
 * Whole-number zoom keeps every model pixel a crisp square.
 */
export function fitGrids(view, n, width, { maxZoom = 8, maxHeight = 520 } = {}) {
  const [w, h] = gridSize(n);
  const stacked = n > 2 && n <= PER_ROW;
  const across = stacked ? width : (width - 24) / 2;
  const zoom = Math.max(1, Math.min(maxZoom, Math.floor(across / w), Math.floor(maxHeight / h)));
  view.classList.toggle("stacked", stacked);
  for (const img of view.querySelectorAll("img")) {
    img.width = w * zoom;
    img.height = h * zoom;
  }
  return zoom;
}

const PLAY = "▶ Play";
const PAUSE = "❚❚ Pause";

/**
 * root: an element holding [data-act=back|play|fwd|scrub|fps] controls and [data-role=info].
 * show(frame, index, player): draws a frame. onChange(index, player): after the user moves the frame.
 */
export function createPlayer(root, { show, onChange = () => {}, totalSteps = () => null } = {}) {
  const $ = (sel) => root.querySelector(sel);
  const scrub = $("[data-act=scrub]");
  const playButton = $("[data-act=play]");
  const info = $("[data-role=info]");
  const fps = $("[data-act=fps]");
  let frames = [];
  let index = -1;
  let expected = null; // how many frames the run will have (known from its settings)
  let finished = false;
  let following = true;
  let timer = null;

  const isPlaying = () => timer !== null;

  function render() {
    scrub.max = String(Math.max(0, frames.length - 1));
    scrub.disabled = frames.length < 2;
    if (index >= 0) scrub.value = String(index);
    for (const act of ["back", "fwd", "play"]) $(`[data-act=${act}]`).disabled = frames.length === 0;
    playButton.textContent = isPlaying() ? PAUSE : PLAY;
    playButton.setAttribute("aria-label", isPlaying() ? "pause" : "play");
    playButton.setAttribute("aria-pressed", String(isPlaying()));
    root.dataset.frame = String(index);
    root.dataset.frames = String(frames.length);
    root.dataset.playing = String(isPlaying());
    if (index < 0) {
      info.textContent = "no frames yet";
      return;
    }
    const f = frames[index];
    const of = expected ?? frames.length;
    const steps = totalSteps();
    const stepText = steps ? ` · step ${f.i + 1}/${steps}` : "";
    info.textContent = `frame ${index + 1}/${of}${stepText} · t = ${f.t}`;
  }

  function go(i, { user = false } = {}) {
    if (!frames.length) return;
    const next = Math.min(frames.length - 1, Math.max(0, i));
    const moved = next !== index;
    index = next;
    show(frames[index], index, api);
    render();
    if (user && moved) onChange(index, api);
  }

  function tick() {
    if (index < frames.length - 1) {
      go(index + 1, { user: true });
    } else if (finished) {
      pause(); // the end of a finished run
    } // else: wait for the stream to deliver the next frame
  }

  function play() {
    if (!frames.length || isPlaying()) return;
    if (finished && index >= frames.length - 1) go(0, { user: true });
    following = false;
    timer = setInterval(tick, 1000 / Number(fps?.value || 10));
    render();
  }

  function pause() {
    if (!isPlaying()) return;
    clearInterval(timer);
    timer = null;
    render();
  }

  function toggle() {
    if (isPlaying()) pause();
    else play();
  }

  function stepBy(delta) {
    pause();
    following = false;
    go(index + delta, { user: true });
  }

  $("[data-act=back]").addEventListener("click", () => stepBy(-1));
  $("[data-act=fwd]").addEventListener("click", () => stepBy(1));
  playButton.addEventListener("click", toggle);
  scrub.addEventListener("input", () => {
    const wanted = Number(scrub.value); // read before pause() redraws the slider at the old frame
    pause();
    following = false;
    go(wanted, { user: true });
  });
  fps?.addEventListener("change", () => {
    if (isPlaying()) {
      pause();
      play();
    }
  });

  const api = {
    /** Forget all frames (a new run starts). `follow`: show each new frame as it arrives. */
    reset({ follow = true, total = null } = {}) {
      pause();
      frames = [];
      index = -1;
      finished = false;
      following = follow;
      expected = total;
      render();
    },
    /** A new frame arrived; shown at once while following, or when it is the one `wantIndex` asks for. */
    add(frame, wantIndex = null) {
      frames.push(frame);
      const last = frames.length - 1;
      if (wantIndex === last) {
        following = false;
        go(last);
      } else if (following && !isPlaying()) {
        go(last);
      } else if (index < 0) {
        go(0); // the first frame shows at once, whatever comes later
      }
      render();
    },
    /** All frames at once (a JSON answer); shows `start` (default 0) and plays when asked. */
    load(all, { start = 0, autoplay = false } = {}) {
      api.reset({ follow: false, total: all.length });
      frames = all.slice();
      finished = true;
      go(start);
      if (autoplay) play();
    },
    finish() {
      finished = true;
      expected = frames.length;
      render();
    },
    play, pause, toggle,
    back: () => stepBy(-1),
    forward: () => stepBy(1),
    first: () => stepBy(-frames.length),
    last: () => stepBy(frames.length),
    seek: (i) => { pause(); following = false; go(i); },
    get index() { return index; },
    get count() { return frames.length; },
    get finished() { return finished; },
    get playing() { return isPlaying(); },
    get following() { return following; },
    frame: (i) => frames[i],
  };
  render();
  return api;
}
