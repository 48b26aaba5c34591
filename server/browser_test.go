package server

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/latentlab/latent/internal/browsertest"
	"github.com/latentlab/latent/mat32"
	"github.com/latentlab/latent/progress"
)

// browser starts headless Chromium (WebGL on SwiftShader) for t, with a
// 180-second limit, and returns its context and the page's problems.
func browser(t *testing.T) (context.Context, func() []string) {
	return browsertest.Start(t, browsertest.Options{Timeout: 180 * time.Second})
}

// countPainted is page JavaScript that copies the WebGL canvas into a 2-D
// canvas and counts the pixels that are not the white background.
const countPainted = `(() => {
	const c = document.getElementById('canvas');
	const t = document.createElement('canvas');
	t.width = c.width; t.height = c.height;
	const x = t.getContext('2d');
	x.drawImage(c, 0, 0);
	const d = x.getImageData(0, 0, t.width, t.height).data;
	let n = 0;
	for (let i = 0; i < d.length; i += 4) if (d[i] < 235 || d[i+1] < 235 || d[i+2] < 235) n++;
	return n;
})()`

// clickPoint clicks point i of the scatter where the page draws it, after
// moving the mouse there (which shows the hover card).
func clickPoint(i int) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		js := fmt.Sprintf(`(() => { const p = window.latent.screenPos(%d), r = document.getElementById('canvas').getBoundingClientRect(); return [p[0] + r.left, p[1] + r.top]; })()`, i)
		pos, err := chromedp.Evaluate[[]float64](js)(ctx, t)
		if err != nil {
			return err
		}
		if _, err := chromedp.MouseEvent("mouseMoved", pos[0], pos[1])(ctx, t); err != nil {
			return err
		}
		_, err = chromedp.MouseClickXY(pos[0], pos[1])(ctx, t)
		return err
	})
}

// poll waits up to d for a JavaScript expression to be truthy and returns
// its value.
func poll[T any](ctx context.Context, expr string, d time.Duration) (T, error) {
	return chromedp.Run(ctx, chromedp.Poll[T](expr, chromedp.WithPollingTimeout(d)))
}

func TestBrowserExplorer(t *testing.T) {
	f := newFixture(t, Config{})
	ctx := context.Background()
	// A small VAE of the dataset, for the interpolation strip and samples.
	l, err := f.srv.cache.get(ctx, f.ds.ID)
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.st.AddModel(ctx, "small-vae", "vae", f.ds.ID, nil, nil, func(dir string) error {
		_, err := generativeTrainer("vae").Train(ctx, l.d, json.RawMessage(`{"latent": 4, "hidden": [32], "epochs": 5, "batch": 32}`), dir, progress.Func(nil))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	bctx, problems := browser(t)
	fail := func(what string, err error) {
		t.Helper()
		status, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById('status').textContent`))
		t.Fatalf("%s: %v (status bar %q; page problems: %v)", what, err, status, problems())
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(f.ts.URL+"/?dataset="+f.ds.ID)); err != nil {
		fail("navigate", err)
	}
	if _, err := poll[bool](bctx, `window.latent !== undefined && window.latent.ready && window.latent.scatter.n === 300`, 30*time.Second); err != nil {
		fail("loading the explorer", err)
	}
	chromedp.Do(bctx, chromedp.Sleep(300*time.Millisecond)) // the first frame
	painted, err := chromedp.Run(bctx, chromedp.Evaluate[int](countPainted))
	if err != nil {
		fail("reading pixels", err)
	}
	status, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#status")))
	// 300 points of several pixels each (some overlap).
	if painted < 600 || !strings.Contains(status, "300 points") {
		t.Fatalf("canvas shows %d painted pixels; status %q", painted, status)
	}

	// Hover shows the thumbnail and metadata; a click lists neighbours.
	if err := chromedp.Do(bctx, clickPoint(4)); err != nil {
		fail("clicking a point", err)
	}
	neighbours, err := poll[int](bctx, `document.querySelectorAll('#neighbors li').length`, 30*time.Second)
	if err != nil {
		fail("waiting for neighbours", err)
	}
	hoverWidth, err := poll[int](bctx, `(() => { const i = document.querySelector('#hover img'); return !document.getElementById('hover').hidden && i && i.complete && i.naturalWidth; })()`, 30*time.Second)
	if err != nil {
		fail("waiting for the hover card", err)
	}
	if neighbours != 10 || hoverWidth != 24 {
		t.Fatalf("%d neighbours listed, hover thumbnail %d px wide", neighbours, hoverWidth)
	}
	listed, err := chromedp.Run(bctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#neighbors li')].map(li => li.dataset.row)`))
	if err != nil {
		fail("reading neighbours", err)
	}
	for _, r := range listed {
		var row int
		fmt.Sscan(r, &row)
		if row%3 != 4%3 || row == 4 {
			t.Fatalf("neighbour %d of row 4 is of another class or itself (listed %v)", row, listed)
		}
	}

	// Pick two points: the model's decoded interpolation strip appears.
	err = chromedp.Do(bctx,
		chromedp.Click(chromedp.CSS("#use-a")),
		clickPoint(7),
		chromedp.Steps(),
	)
	if err != nil {
		fail("choosing A", err)
	}
	if _, err := poll[bool](bctx, `document.getElementById('current-index').textContent === '#7' && document.getElementById('current').textContent.includes('item-0007')`, 30*time.Second); err != nil {
		fail("selecting the second point", err)
	}
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#use-b"))); err != nil {
		fail("choosing B", err)
	}
	strip, err := poll[int](bctx, `(() => { const i = document.querySelector('#strip img'); return i && i.complete && i.naturalWidth; })()`, 30*time.Second)
	if err != nil || strip < 100 {
		fail(fmt.Sprintf("interpolation strip %d px wide", strip), err)
	}

	// Search dims what does not match; a lasso around everything selects
	// every point; samples from the prior appear.
	if err := chromedp.Do(bctx, chromedp.SendKeys(chromedp.CSS("#search"), "item-000")); err != nil {
		fail("typing a search", err)
	}
	matched, err := poll[string](bctx, `(() => { const s = document.getElementById('status').textContent; return s.includes('match') && s; })()`, 30*time.Second)
	if err != nil || !strings.Contains(matched, "10 points match") {
		fail(fmt.Sprintf("search status %q", matched), err)
	}
	selected, err := chromedp.Run(bctx, chromedp.Evaluate[int](`(() => { const c = document.getElementById('canvas'); const w = c.clientWidth, h = c.clientHeight;
		window.latent.scatter.onLasso([[1,1],[w-1,1],[w-1,h-1],[1,h-1]]);
		return window.latent.state.selection.reduce((a, b) => a + b, 0); })()`))
	if err != nil || selected != 300 {
		fail(fmt.Sprintf("lasso selected %d", selected), err)
	}
	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#isolate")), chromedp.Click(chromedp.CSS("#sample"))); err != nil {
		fail("isolate and sample", err)
	}
	samples, err := poll[int](bctx, `(() => { const i = document.querySelector('#samples img'); return i && i.complete && i.naturalWidth; })()`, 30*time.Second)
	if err != nil || samples < 100 {
		fail(fmt.Sprintf("samples %d px wide", samples), err)
	}

	if out := os.Getenv("LATENT_SCREENSHOT"); out != "" {
		// For looking at the page by eye while working on it.
		if png, err := chromedp.Run(bctx, chromedp.CaptureScreenshot()); err == nil {
			os.WriteFile(out, png, 0o644)
		}
	}
	// Run a projection from the page: its progress streams in and the new
	// projection is shown.
	if err := chromedp.Do(bctx, chromedp.SetValue(chromedp.CSS("#method"), "pca"), chromedp.Click(chromedp.CSS("#run"))); err != nil {
		fail("starting a projection", err)
	}
	if _, err := poll[bool](bctx, `document.querySelectorAll('#projection option').length === 2 && document.getElementById('status').textContent.includes('pca')`, 30*time.Second); err != nil {
		fail("projection job", err)
	}
	// Train a (linear) model from the page; it becomes the chosen model.
	err = chromedp.Do(bctx,
		chromedp.SetValue(chromedp.CSS("#train-kind"), "pca"),
		chromedp.SetValue(chromedp.CSS("#train-latent"), "3"),
		chromedp.Click(chromedp.CSS("#train")),
	)
	if err != nil {
		fail("starting training", err)
	}
	if _, err := poll[bool](bctx, `document.getElementById('status').textContent.startsWith('trained pca-3-') && document.getElementById('model').selectedOptions[0].textContent.includes('(pca)') && document.querySelectorAll('#model option').length === 3`, 30*time.Second); err != nil {
		fail("training job", err)
	}
	// Map the VAE's codes: encode every row, project the codes, show them.
	if err := chromedp.Do(bctx, chromedp.SetValue(chromedp.CSS("#model"), m.ID), chromedp.Click(chromedp.CSS("#encode"))); err != nil {
		fail("mapping the codes", err)
	}
	if _, err := poll[bool](bctx, `document.querySelectorAll('#projection option').length === 3 && document.getElementById('status').textContent.includes('small-vae codes')`, 30*time.Second); err != nil {
		fail("map of the codes", err)
	}
	// Save the view as a bookmark and restore it.
	err = chromedp.Do(bctx,
		chromedp.SendKeys(chromedp.CSS("#bookmark-name"), "my view"),
		chromedp.Click(chromedp.CSS("#bookmark-save")),
	)
	if err != nil {
		fail("saving a bookmark", err)
	}
	bm, err := poll[string](bctx, `(() => { const o = [...document.querySelectorAll('#bookmarks option')].find(o => o.textContent === 'my view'); return o && o.value; })()`, 30*time.Second)
	if err != nil {
		fail("bookmark listed", err)
	}
	if err := chromedp.Do(bctx, chromedp.SetValue(chromedp.CSS("#bookmarks"), bm), chromedp.Evaluate[chromedp.Void](`document.getElementById('bookmarks').dispatchEvent(new Event('change'))`)); err != nil {
		fail("restoring a bookmark", err)
	}
	if _, err := poll[bool](bctx, `document.getElementById('status').textContent.includes('restored')`, 30*time.Second); err != nil {
		fail("bookmark restored", err)
	}
	// Upload a file from the page.
	csv := t.TempDir() + "/tiny.csv"
	os.WriteFile(csv, []byte("x,y,kind\n1,2,a\n3,4,b\n5,6,a\n7,8,b\n9,1,a\n"), 0o644)
	if err := chromedp.Do(bctx, chromedp.SetUploadFiles(chromedp.CSS("#upload"), []string{csv})); err != nil {
		fail("uploading", err)
	}
	if _, err := poll[bool](bctx, `document.querySelectorAll('#dataset option').length === 2 && document.getElementById('status').textContent.includes('projection')`, 30*time.Second); err != nil {
		fail("uploaded dataset shown", err)
	}
	if p := problems(); len(p) > 0 {
		t.Fatalf("the page logged problems: %v", p)
	}
}

// TestBrowserRemote opens a collection of a remote store (a cosine one) in
// the explorer: it is listed, projected from the page, and a click lists
// neighbours answered by the store's index in its metric.
func TestBrowserRemote(t *testing.T) {
	f, fr := remoteFixture(t, Config{})
	list, _ := f.listed()
	sh := list["shapes (weaviate)"]
	if sh.ID == "" {
		t.Fatalf("collection not listed: %v", list)
	}
	bctx, problems := browser(t)
	fail := func(what string, err error) {
		t.Helper()
		status, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`document.getElementById('status').textContent`))
		t.Fatalf("%s: %v (status bar %q; page problems: %v)", what, err, status, problems())
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(f.ts.URL+"/?dataset="+sh.ID)); err != nil {
		fail("navigate", err)
	}
	if _, err := poll[bool](bctx, `window.latent !== undefined && document.getElementById('status').textContent.includes('no projection')`, 30*time.Second); err != nil {
		fail("loading the collection", err)
	}
	if n, err := chromedp.Run(bctx, chromedp.Evaluate[int](`document.querySelectorAll('#dataset option').length`)); err != nil || n != 3 {
		fail(fmt.Sprintf("%d datasets listed", n), err)
	}
	if err := chromedp.Do(bctx, chromedp.SetValue(chromedp.CSS("#method"), "pca"), chromedp.Click(chromedp.CSS("#run"))); err != nil {
		fail("starting a projection", err)
	}
	if _, err := poll[bool](bctx, `window.latent.scatter.n === 90`, 30*time.Second); err != nil {
		fail("projection shown", err)
	}
	chromedp.Do(bctx, chromedp.Sleep(300*time.Millisecond))
	if err := chromedp.Do(bctx, clickPoint(4)); err != nil {
		fail("clicking a point", err)
	}
	n, err := poll[int](bctx, `document.querySelectorAll('#neighbors li').length`, 30*time.Second)
	if err != nil || n != 10 {
		fail(fmt.Sprintf("%d neighbours listed", n), err)
	}
	info, _ := chromedp.Run(bctx, chromedp.Text(chromedp.CSS("#neighbors-info")))
	if !strings.Contains(info, "cosine") || !strings.Contains(info, "weaviate") || fr.count("neighbors") == 0 {
		t.Fatalf("neighbours info %q, %d store queries", info, fr.count("neighbors"))
	}
	if p := problems(); len(p) > 0 {
		t.Fatalf("the page logged problems: %v", p)
	}
}

// TestBrowserMillion loads a projection of 1,000,000 points in the explorer
// and logs how long loading, a redraw, a pick after a change of view and a
// lasso take. It runs with LATENT_BROWSER_1M=1 (the WebGL here is
// SwiftShader, a CPU rasteriser: a GPU is much faster).
func TestBrowserMillion(t *testing.T) {
	if os.Getenv("LATENT_BROWSER_1M") != "1" {
		t.Skip("set LATENT_BROWSER_1M=1 to time the explorer on a million points")
	}
	const n = 1_000_000
	for _, dims := range []int{2, 3} {
		t.Run(fmt.Sprintf("%dD", dims), func(t *testing.T) {
			f := newFixture(t, Config{})
			ctx := context.Background()
			d := clustered(n, 8, 2)
			info, err := f.st.AddDataset(ctx, "million", "", d)
			if err != nil {
				t.Fatal(err)
			}
			y := mat32.New(n, dims)
			for i := range n {
				copy(y.Row(i), d.X.Row(i)[:dims])
			}
			if _, err := f.st.AddProjection(ctx, info.ID, "", "first-dims", nil, nil, y); err != nil {
				t.Fatal(err)
			}
			bctx, problems := browser(t)
			t0 := time.Now()
			if err := chromedp.Do(bctx, chromedp.Navigate(f.ts.URL+"/?dataset="+info.ID)); err != nil {
				t.Fatal(err)
			}
			if _, err := poll[bool](bctx, `window.latent !== undefined && window.latent.ready && window.latent.scatter.n === 1000000`, 120*time.Second); err != nil {
				t.Fatalf("loading: %v %v", err, problems())
			}
			load := time.Since(t0)
			timing, err := chromedp.Run(bctx, chromedp.Evaluate[map[string]float64](`(() => {
				const s = window.latent.scatter, gl = s.gl, px = new Uint8Array(4);
				let t = performance.now();
				for (let i = 0; i < 5; i++) { s.draw(); gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px); }
				const draw = (performance.now() - t) / 5;
				s.moving = true;
				t = performance.now();
				for (let i = 0; i < 5; i++) { s.draw(); gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px); }
				const moving = (performance.now() - t) / 5;
				s.moving = false;
				s.view.zoom *= 1.1; s.view.yaw += 0.1; s.viewChanged();
				t = performance.now();
				const w = s.canvas.clientWidth, h = s.canvas.clientHeight;
				s.pick(w / 2, h / 2);
				const pick = performance.now() - t;
				t = performance.now();
				for (let i = 0; i < 20; i++) s.pick(w / 2 + i, h / 2);
				const pickCached = (performance.now() - t) / 20;
				t = performance.now();
				const sel = s.inPolygon([[w*0.3, h*0.3], [w*0.7, h*0.3], [w*0.7, h*0.7], [w*0.3, h*0.7]]).length;
				const lasso = performance.now() - t;
				return {draw, moving, pick, pickCached, lasso, sel};
			})()`))
			if err != nil {
				t.Fatal(err)
			}
			if timing["sel"] == 0 {
				t.Fatal("the lasso selected nothing")
			}
			t.Logf("%d points %d-D: ready %v after navigation; redraw %.0f ms (%.0f ms for the 200,000-point sample drawn while the view moves), first pick after a view change %.0f ms, later picks %.2f ms, lasso %.0f ms (%.0f points)",
				n, dims, load.Round(time.Millisecond), timing["draw"], timing["moving"], timing["pick"], timing["pickCached"], timing["lasso"], timing["sel"])
			if p := problems(); len(p) > 0 {
				t.Fatalf("page problems: %v", p)
			}
		})
	}
}
