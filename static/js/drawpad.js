// A black canvas to draw white digits on, with mouse, touch or pen (pointer events).
// The stroke is ~2 px at MNIST scale once the server shrinks the digit's bounding box to 20x20.

export function createDrawPad(canvas, { onDraw = () => {}, onEnd = () => {}, lineWidth = 20 } = {}) {
  const ctx = canvas.getContext("2d");
  let drawing = false;
  let last = null;
  let empty = true;

  function clear() {
    ctx.fillStyle = "#000";
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    empty = true;
  }

  /** Pointer position in canvas pixels (the canvas may be displayed larger or smaller). */
  function at(event) {
    const box = canvas.getBoundingClientRect();
    return [(event.clientX - box.left) * (canvas.width / box.width), (event.clientY - box.top) * (canvas.height / box.height)];
  }

  function segment(from, to) {
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = lineWidth;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    ctx.moveTo(from[0], from[1]);
    ctx.lineTo(to[0], to[1]);
    ctx.stroke();
    empty = false;
  }

  canvas.addEventListener("pointerdown", (event) => {
    if (event.button !== 0 && event.pointerType === "mouse") return;
    event.preventDefault();
    canvas.setPointerCapture?.(event.pointerId);
    drawing = true;
    last = at(event);
    segment(last, last); // a click leaves a dot
    onDraw();
  });

  canvas.addEventListener("pointermove", (event) => {
    if (!drawing) return;
    const events = event.getCoalescedEvents ? event.getCoalescedEvents() : [event];
    for (const e of events.length ? events : [event]) {
      const point = at(e);
      segment(last, point);
      last = point;
    }
    onDraw();
  });

  const finish = (event) => {
    if (!drawing) return;
    drawing = false;
    canvas.releasePointerCapture?.(event.pointerId);
    onEnd();
  };
  canvas.addEventListener("pointerup", finish);
  canvas.addEventListener("pointercancel", finish);

  clear();
  return {
    clear,
    isEmpty: () => empty,
    /** PNG data URL of the drawing (white on black, what the API expects). */
    toDataURL: () => canvas.toDataURL("image/png"),
  };
}
