// A WebGL scatter plot for up to millions of points, in 2-D (pan and zoom)
// or 3-D (orbit and zoom). Points live in GPU buffers: positions (3 floats),
// colour codes (1 float, -1 for none, looked up in a palette texture), a
// state byte (0 normal, 1 highlighted, 2 dimmed, 3 hidden) and a pick id
// (3 bytes). Hover and click pick through an offscreen framebuffer where
// every point is drawn in the colour of its id; that buffer is redrawn and
// read back once after each change of the view, then looked up on the CPU.
//
// The GPU buffers hold the points in a fixed shuffled order, so that any
// prefix is a uniform sample: while the view moves, large sets draw only the
// first LOD points (a CPU renderer such as SwiftShader then stays
// responsive), and the whole set as soon as the view rests.

// LOD is the number of points drawn while the view is moving.
const LOD = 200000;

const VS = `
precision highp float;
attribute vec3 a_pos;
attribute float a_code;
attribute float a_state;
attribute vec3 a_id;
uniform mat4 u_mvp;
uniform float u_size;
uniform mediump float u_pick;
varying float v_code;
varying float v_state;
varying vec3 v_id;
void main() {
  if (a_state > 2.5) { gl_Position = vec4(2.0, 2.0, 2.0, 1.0); gl_PointSize = 0.0; return; }
  gl_Position = u_mvp * vec4(a_pos, 1.0);
  float s = u_size;
  if (a_state > 0.5 && a_state < 1.5) s = max(u_size * 2.5, 6.0);
  if (u_pick > 0.5) s = max(u_size, 5.0);
  gl_PointSize = s;
  v_code = a_code; v_state = a_state; v_id = a_id;
}`;

const FS = `
precision mediump float;
uniform sampler2D u_palette;
uniform mediump float u_pick;
varying float v_code;
varying float v_state;
varying vec3 v_id;
void main() {
  vec2 d = gl_PointCoord - vec2(0.5);
  if (dot(d, d) > 0.25) discard;
  if (u_pick > 0.5) { gl_FragColor = vec4(v_id, 1.0); return; }
  vec3 c = vec3(0.55);
  if (v_code >= 0.0) c = texture2D(u_palette, vec2((mod(v_code, 256.0) + 0.5) / 256.0, 0.5)).rgb;
  float a = 0.85;
  if (v_state > 0.5 && v_state < 1.5) { a = 1.0; if (dot(d, d) > 0.16) c = vec3(0.0); }
  if (v_state > 1.5) a = 0.08;
  gl_FragColor = vec4(c * a, a);
}`;

// Background colour of the plot (also what tests count as "no point").
export const BACKGROUND = [1, 1, 1];

function compile(gl, type, src) {
  const s = gl.createShader(type);
  gl.shaderSource(s, src);
  gl.compileShader(s);
  if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s));
  return s;
}

// Column-major 4×4 matrix product a·b.
function mul(a, b) {
  const o = new Float32Array(16);
  for (let c = 0; c < 4; c++)
    for (let r = 0; r < 4; r++) {
      let s = 0;
      for (let k = 0; k < 4; k++) s += a[k * 4 + r] * b[c * 4 + k];
      o[c * 4 + r] = s;
    }
  return o;
}

export class Scatter {
  constructor(canvas, { onHover, onClick, onLasso } = {}) {
    this.canvas = canvas;
    const gl = canvas.getContext('webgl', { antialias: false, preserveDrawingBuffer: true, premultipliedAlpha: true });
    if (!gl) throw new Error('this browser has no WebGL');
    this.gl = gl;
    const p = gl.createProgram();
    gl.attachShader(p, compile(gl, gl.VERTEX_SHADER, VS));
    gl.attachShader(p, compile(gl, gl.FRAGMENT_SHADER, FS));
    gl.linkProgram(p);
    if (!gl.getProgramParameter(p, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(p));
    this.prog = p;
    this.loc = {};
    for (const a of ['a_pos', 'a_code', 'a_state', 'a_id']) this.loc[a] = gl.getAttribLocation(p, a);
    for (const u of ['u_mvp', 'u_size', 'u_pick', 'u_palette']) this.loc[u] = gl.getUniformLocation(p, u);
    this.buf = { pos: gl.createBuffer(), code: gl.createBuffer(), state: gl.createBuffer(), id: gl.createBuffer() };
    this.palette = gl.createTexture();
    this.setPalette([[0.3, 0.4, 0.8]]);
    this.n = 0;
    this.dims = 2;
    this.mode3d = false;
    this.pointSize = 0; // 0: automatic
    this.resetView();
    this.onHover = onHover; this.onClick = onClick; this.onLasso = onLasso;
    this.lassoMode = false;
    this.pickData = null;
    this.frame = 0;
    this.listen();
    new ResizeObserver(() => this.resize()).observe(canvas);
    this.resize();
  }

  // setPoints loads coordinates (n×dims, dims 1–3) and fits them in view.
  setPoints(coords, dims) {
    const n = coords.length / dims, gl = this.gl;
    const lo = [Infinity, Infinity, Infinity], hi = [-Infinity, -Infinity, -Infinity];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < dims; j++) {
        const v = coords[i * dims + j];
        if (v < lo[j]) lo[j] = v;
        if (v > hi[j]) hi[j] = v;
      }
    let ext = 0;
    for (let j = 0; j < dims; j++) ext = Math.max(ext, hi[j] - lo[j]);
    const scale = ext > 0 ? 1.8 / ext : 1;
    const pos = new Float32Array(n * 3);
    for (let i = 0; i < n; i++)
      for (let j = 0; j < dims; j++) pos[i * 3 + j] = (coords[i * dims + j] - (lo[j] + hi[j]) / 2) * scale;
    this.pos = pos; this.n = n; this.dims = dims;
    // A fixed shuffle (xorshift32, Fisher-Yates): GPU slot k holds point perm[k].
    const perm = new Uint32Array(n), slot = new Uint32Array(n);
    for (let i = 0; i < n; i++) perm[i] = i;
    let r = 0x9e3779b9;
    for (let i = n - 1; i > 0; i--) {
      r ^= r << 13; r ^= r >>> 17; r ^= r << 5;
      const j = (r >>> 0) % (i + 1), t = perm[i];
      perm[i] = perm[j]; perm[j] = t;
    }
    for (let k = 0; k < n; k++) slot[perm[k]] = k;
    this.perm = perm; this.slot = slot;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buf.pos);
    gl.bufferData(gl.ARRAY_BUFFER, this.permuted(pos, 3), gl.STATIC_DRAW);
    const id = new Uint8Array(n * 4);
    for (let i = 0; i < n; i++) {
      const v = perm[i] + 1;
      id[i * 4] = v & 255; id[i * 4 + 1] = (v >> 8) & 255; id[i * 4 + 2] = (v >> 16) & 255;
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buf.id);
    gl.bufferData(gl.ARRAY_BUFFER, id, gl.STATIC_DRAW);
    this.setCodes(new Float32Array(n).fill(-1));
    this.setState(new Uint8Array(n));
    if (dims < 3) this.mode3d = false;
    this.resetView();
  }

  // permuted returns a per-point array (size values per point) in GPU slot
  // order.
  permuted(a, size = 1) {
    const out = new a.constructor(a.length), p = this.perm;
    if (size === 1) for (let k = 0; k < this.n; k++) out[k] = a[p[k]];
    else for (let k = 0; k < this.n; k++) for (let j = 0; j < size; j++) out[k * size + j] = a[p[k] * size + j];
    return out;
  }

  setCodes(codes) {
    const gl = this.gl;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buf.code);
    gl.bufferData(gl.ARRAY_BUFFER, this.permuted(codes), gl.STATIC_DRAW);
    this.redraw();
  }

  // setState sets every point's state byte (see the file comment).
  setState(state) {
    const gl = this.gl;
    this.state = state;
    gl.bindBuffer(gl.ARRAY_BUFFER, this.buf.state);
    gl.bufferData(gl.ARRAY_BUFFER, this.permuted(state), gl.DYNAMIC_DRAW);
    this.viewChanged();
  }

  // setPalette takes up to 256 [r, g, b] colours in [0, 1]; codes wrap.
  setPalette(colors) {
    const gl = this.gl, px = new Uint8Array(256 * 4);
    for (let i = 0; i < 256; i++) {
      const c = colors[i % colors.length];
      px[i * 4] = c[0] * 255; px[i * 4 + 1] = c[1] * 255; px[i * 4 + 2] = c[2] * 255; px[i * 4 + 3] = 255;
    }
    gl.bindTexture(gl.TEXTURE_2D, this.palette);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, 256, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, px);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    this.redraw();
  }

  resetView() {
    this.view = { tx: 0, ty: 0, zoom: 1, yaw: 0.6, pitch: 0.4, dist: 3.2 };
    this.viewChanged();
  }

  set3d(on) {
    this.mode3d = on && this.dims === 3;
    this.resetView();
  }

  resize() {
    const dpr = window.devicePixelRatio || 1, c = this.canvas;
    const w = Math.max(1, Math.round(c.clientWidth * dpr)), h = Math.max(1, Math.round(c.clientHeight * dpr));
    if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
    this.viewChanged();
  }

  viewChanged() { this.pickData = null; this.redraw(); }

  // moved marks the view as moving: large sets draw a sample until it rests.
  moved() {
    this.moving = this.n > LOD;
    clearTimeout(this.restTimer);
    this.restTimer = setTimeout(() => { this.moving = false; this.redraw(); }, 200);
    this.viewChanged();
  }

  redraw() {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => { this.frame = 0; this.draw(); });
  }

  // mvp returns the model-view-projection matrix of the current view.
  mvp() {
    const w = this.canvas.width, h = this.canvas.height, v = this.view;
    if (!this.mode3d) {
      const m = Math.min(w, h), sx = v.zoom * m / w, sy = v.zoom * m / h;
      return new Float32Array([sx, 0, 0, 0, 0, sy, 0, 0, 0, 0, 1, 0, v.tx * sx, v.ty * sy, 0, 1]);
    }
    const cy = Math.cos(v.yaw), sy = Math.sin(v.yaw), cp = Math.cos(v.pitch), sp = Math.sin(v.pitch);
    const ry = new Float32Array([cy, 0, -sy, 0, 0, 1, 0, 0, sy, 0, cy, 0, 0, 0, 0, 1]);
    const rx = new Float32Array([1, 0, 0, 0, 0, cp, sp, 0, 0, -sp, cp, 0, 0, 0, 0, 1]);
    const t = new Float32Array([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, -v.dist, 1]);
    const f = 1 / Math.tan(Math.PI / 8), near = 0.05, far = 50, a = w / h;
    const p = new Float32Array([f / a, 0, 0, 0, 0, f, 0, 0, 0, 0, (far + near) / (near - far), -1, 0, 0, 2 * far * near / (near - far), 0]);
    return mul(p, mul(t, mul(rx, ry)));
  }

  autoSize() {
    if (this.pointSize > 0) return this.pointSize;
    const dpr = window.devicePixelRatio || 1;
    return Math.max(1.5, Math.min(6, 9 - 1.25 * Math.log10(Math.max(this.n, 1)))) * dpr;
  }

  bindAttrs() {
    const gl = this.gl, L = this.loc;
    const attr = (loc, buf, size, type, norm) => {
      if (loc < 0) return;
      gl.bindBuffer(gl.ARRAY_BUFFER, buf);
      gl.enableVertexAttribArray(loc);
      gl.vertexAttribPointer(loc, size, type, norm, size === 3 && type === gl.UNSIGNED_BYTE ? 4 : 0, 0);
    };
    attr(L.a_pos, this.buf.pos, 3, gl.FLOAT, false);
    attr(L.a_code, this.buf.code, 1, gl.FLOAT, false);
    attr(L.a_state, this.buf.state, 1, gl.UNSIGNED_BYTE, false);
    attr(L.a_id, this.buf.id, 3, gl.UNSIGNED_BYTE, true);
  }

  draw(pick = false) {
    const gl = this.gl;
    gl.viewport(0, 0, this.canvas.width, this.canvas.height);
    gl.useProgram(this.prog);
    this.bindAttrs();
    gl.uniformMatrix4fv(this.loc.u_mvp, false, this.mvp());
    gl.uniform1f(this.loc.u_size, this.autoSize());
    gl.uniform1f(this.loc.u_pick, pick ? 1 : 0);
    gl.activeTexture(gl.TEXTURE0);
    gl.bindTexture(gl.TEXTURE_2D, this.palette);
    gl.uniform1i(this.loc.u_palette, 0);
    if (pick) {
      gl.clearColor(0, 0, 0, 0);
      gl.disable(gl.BLEND);
      if (this.mode3d) gl.enable(gl.DEPTH_TEST); else gl.disable(gl.DEPTH_TEST);
      gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    } else {
      gl.clearColor(BACKGROUND[0], BACKGROUND[1], BACKGROUND[2], 1);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.disable(gl.DEPTH_TEST);
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
    }
    if (this.n > 0) gl.drawArrays(gl.POINTS, 0, !pick && this.moving ? Math.min(this.n, LOD) : this.n);
    // Highlighted points again on top, so they are never hidden.
    if (!pick && this.highlighted && this.highlighted.length) {
      for (const i of this.highlighted) if (i < this.n) gl.drawArrays(gl.POINTS, this.slot[i], 1);
    }
  }

  // pickBuffer draws the id pass offscreen and reads it back.
  pickBuffer() {
    if (this.pickData) return this.pickData;
    const gl = this.gl, w = this.canvas.width, h = this.canvas.height;
    if (!this.fbo || this.fboW !== w || this.fboH !== h) {
      if (this.fbo) { gl.deleteFramebuffer(this.fbo); gl.deleteTexture(this.fboTex); gl.deleteRenderbuffer(this.fboDepth); }
      this.fbo = gl.createFramebuffer();
      this.fboTex = gl.createTexture();
      gl.bindTexture(gl.TEXTURE_2D, this.fboTex);
      gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA, w, h, 0, gl.RGBA, gl.UNSIGNED_BYTE, null);
      gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
      this.fboDepth = gl.createRenderbuffer();
      gl.bindRenderbuffer(gl.RENDERBUFFER, this.fboDepth);
      gl.renderbufferStorage(gl.RENDERBUFFER, gl.DEPTH_COMPONENT16, w, h);
      gl.bindFramebuffer(gl.FRAMEBUFFER, this.fbo);
      gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, this.fboTex, 0);
      gl.framebufferRenderbuffer(gl.FRAMEBUFFER, gl.DEPTH_ATTACHMENT, gl.RENDERBUFFER, this.fboDepth);
      this.fboW = w; this.fboH = h;
    }
    gl.bindFramebuffer(gl.FRAMEBUFFER, this.fbo);
    this.draw(true);
    const px = new Uint8Array(w * h * 4);
    gl.readPixels(0, 0, w, h, gl.RGBA, gl.UNSIGNED_BYTE, px);
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    this.redraw();
    this.pickData = px;
    return px;
  }

  // pick returns the point under the CSS pixel (x, y) of the canvas, or
  // the nearest within a few pixels, or -1.
  pick(x, y) {
    if (!this.n) return -1;
    const dpr = window.devicePixelRatio || 1, w = this.canvas.width, h = this.canvas.height;
    const px = this.pickBuffer(), cx = Math.round(x * dpr), cy = h - 1 - Math.round(y * dpr);
    const r = Math.ceil(4 * dpr);
    let best = -1, bd = Infinity;
    for (let dy = -r; dy <= r; dy++)
      for (let dx = -r; dx <= r; dx++) {
        const X = cx + dx, Y = cy + dy;
        if (X < 0 || Y < 0 || X >= w || Y >= h) continue;
        const o = (Y * w + X) * 4, id = px[o] | (px[o + 1] << 8) | (px[o + 2] << 16);
        const d = dx * dx + dy * dy;
        if (id > 0 && d < bd) { bd = d; best = id - 1; }
      }
    return best;
  }

  // screen returns the CSS pixel position of every point (x, y pairs; NaN
  // behind the camera).
  screenAll() {
    const m = this.mvp(), p = this.pos, n = this.n, out = new Float32Array(2 * n);
    const dpr = window.devicePixelRatio || 1, w = this.canvas.width / dpr, h = this.canvas.height / dpr;
    for (let i = 0; i < n; i++) {
      const x = p[3 * i], y = p[3 * i + 1], z = p[3 * i + 2];
      const cw = m[3] * x + m[7] * y + m[11] * z + m[15];
      if (cw <= 0) { out[2 * i] = NaN; out[2 * i + 1] = NaN; continue; }
      out[2 * i] = ((m[0] * x + m[4] * y + m[8] * z + m[12]) / cw + 1) * w / 2;
      out[2 * i + 1] = (1 - (m[1] * x + m[5] * y + m[9] * z + m[13]) / cw) * h / 2;
    }
    return out;
  }

  screenPos(i) {
    const m = this.mvp(), p = this.pos, dpr = window.devicePixelRatio || 1;
    const w = this.canvas.width / dpr, h = this.canvas.height / dpr;
    const x = p[3 * i], y = p[3 * i + 1], z = p[3 * i + 2];
    const cw = m[3] * x + m[7] * y + m[11] * z + m[15];
    return [((m[0] * x + m[4] * y + m[8] * z + m[12]) / cw + 1) * w / 2, (1 - (m[1] * x + m[5] * y + m[9] * z + m[13]) / cw) * h / 2];
  }

  listen() {
    const c = this.canvas;
    let drag = null;
    const rel = (e) => { const r = c.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
    c.addEventListener('pointerdown', (e) => {
      const [x, y] = rel(e);
      drag = { x, y, x0: x, y0: y, lasso: this.lassoMode || e.shiftKey, path: [[x, y]], moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      const [x, y] = rel(e);
      if (!drag) {
        if (this.onHover) this.onHover(this.pick(x, y), e);
        return;
      }
      if (Math.abs(x - drag.x0) + Math.abs(y - drag.y0) > 3) drag.moved = true;
      if (drag.lasso) {
        drag.path.push([x, y]);
        this.drawLasso(drag.path);
      } else if (drag.moved) {
        const dx = x - drag.x, dy = y - drag.y, v = this.view;
        if (this.mode3d) {
          v.yaw += dx * 0.01;
          v.pitch = Math.max(-1.5, Math.min(1.5, v.pitch + dy * 0.01));
        } else {
          const w = c.clientWidth, h = c.clientHeight, m = Math.min(w, h);
          v.tx += 2 * dx / (m * v.zoom);
          v.ty -= 2 * dy / (m * v.zoom);
        }
        this.moved();
      }
      drag.x = x; drag.y = y;
    });
    c.addEventListener('pointerup', (e) => {
      const [x, y] = rel(e);
      const d = drag;
      drag = null;
      if (!d) return;
      if (d.lasso && d.moved) {
        this.drawLasso(null);
        if (this.onLasso) this.onLasso(d.path);
      } else if (!d.moved && this.onClick) {
        this.drawLasso(null);
        this.onClick(this.pick(x, y), e);
      }
    });
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const f = Math.exp(-e.deltaY * 0.0015), v = this.view;
      if (this.mode3d) {
        v.dist = Math.max(0.3, Math.min(20, v.dist / f));
      } else {
        // Keep the data point under the cursor in place.
        const [x, y] = rel(e), w = c.clientWidth, h = c.clientHeight, m = Math.min(w, h);
        const px = (2 * x - w) / m, py = (h - 2 * y) / m;
        const z2 = Math.max(0.05, Math.min(5000, v.zoom * f));
        v.tx += px / z2 - px / v.zoom;
        v.ty += py / z2 - py / v.zoom;
        v.zoom = z2;
      }
      this.moved();
    }, { passive: false });
  }

  drawLasso(path) {
    let o = this.overlay;
    if (!o) {
      o = this.overlay = document.createElement('canvas');
      o.className = 'overlay';
      this.canvas.parentElement.appendChild(o);
    }
    const dpr = window.devicePixelRatio || 1;
    o.width = this.canvas.clientWidth * dpr; o.height = this.canvas.clientHeight * dpr;
    const ctx = o.getContext('2d');
    ctx.clearRect(0, 0, o.width, o.height);
    if (!path || path.length < 2) return;
    ctx.scale(dpr, dpr);
    ctx.beginPath();
    ctx.moveTo(path[0][0], path[0][1]);
    for (const [x, y] of path) ctx.lineTo(x, y);
    ctx.closePath();
    ctx.fillStyle = 'rgba(40,90,200,0.12)';
    ctx.strokeStyle = 'rgba(40,90,200,0.9)';
    ctx.fill(); ctx.stroke();
  }

  // inPolygon returns the points inside a screen polygon (CSS pixels),
  // leaving out hidden ones.
  inPolygon(path) {
    const s = this.screenAll(), out = [];
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const [x, y] of path) { x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y); }
    for (let i = 0; i < this.n; i++) {
      const x = s[2 * i], y = s[2 * i + 1];
      if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1) || this.state[i] === 3) continue;
      let inside = false;
      for (let a = 0, b = path.length - 1; a < path.length; b = a++) {
        const [xa, ya] = path[a], [xb, yb] = path[b];
        if ((ya > y) !== (yb > y) && x < (xb - xa) * (y - ya) / (yb - ya) + xa) inside = !inside;
      }
      if (inside) out.push(i);
    }
    return out;
  }

  // snapshot returns the current view as a PNG data URL.
  snapshot() {
    this.draw();
    return this.canvas.toDataURL('image/png');
  }
}
