package report

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/latentlab/latent/internal/browsertest"
)

// imagesState is page JavaScript that reports every <img>: decoded
// (complete with a natural width) or not.
const imagesState = `(() => {
	const imgs = [...document.images];
	return {
		total: imgs.length,
		decoded: imgs.filter(i => i.complete && i.naturalWidth > 0).length,
		external: imgs.filter(i => !i.src.startsWith('data:image/png;base64,')).length,
		resources: performance.getEntriesByType('resource').length,
		sections: document.querySelectorAll('main section').length,
		title: document.title,
	};
})()`

type pageState struct {
	Total, Decoded, External, Resources, Sections int
	Title                                         string
}

// The comparison report opens in headless Chromium with no console
// errors, fetches nothing, and every image decodes.
func TestReportInBrowser(t *testing.T) {
	r := compareReport(t)
	dir := filepath.Join(t.TempDir(), "rep")
	if err := r.WriteDir(dir, false); err != nil {
		t.Fatal(err)
	}
	ctx, problems := browsertest.Start(t, browsertest.Options{Width: 1400, Height: 900, Timeout: 60 * time.Second})
	if err := chromedp.Do(ctx, chromedp.Navigate("file://"+filepath.Join(dir, IndexFile))); err != nil {
		t.Fatalf("navigate: %v (page problems: %v)", err, problems())
	}
	st, err := chromedp.Run(ctx, chromedp.Poll[pageState](`document.readyState === 'complete' && [...document.images].every(i => i.complete) && `+imagesState,
		chromedp.WithPollingTimeout(30*time.Second)))
	if err != nil {
		t.Fatalf("waiting for the images: %v (page problems: %v)", err, problems())
	}
	if st.Total != 17 || st.Decoded != st.Total || st.External != 0 || st.Resources != 0 {
		t.Errorf("%d images, %d decoded, %d not inline; %d resources fetched", st.Total, st.Decoded, st.External, st.Resources)
	}
	if st.Sections < 10 || st.Title != r.Title {
		t.Errorf("%d sections, title %q", st.Sections, st.Title)
	}
	if p := problems(); len(p) > 0 {
		t.Errorf("the page reported problems: %v", p)
	}
}
