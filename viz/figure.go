package viz

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"path/filepath"
	"strings"

	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"

	"github.com/latentlab/latent/internal/atomicfile"
)

// Format is an image encoding a Figure can be written in.
type Format int

// The formats a Figure encodes to.
const (
	PNG Format = iota + 1
	SVG
)

// String returns the format's usual file extension without the dot.
func (f Format) String() string {
	switch f {
	case PNG:
		return "png"
	case SVG:
		return "svg"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// MIME returns the format's media type, as used in a data: URI.
func (f Format) MIME() string {
	switch f {
	case PNG:
		return "image/png"
	case SVG:
		return "image/svg+xml"
	}
	return "application/octet-stream"
}

// FormatOf returns the format for a file name's extension (.png or .svg, in
// any case).
func FormatOf(path string) (Format, error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".png":
		return PNG, nil
	case ".svg":
		return SVG, nil
	}
	return 0, fmt.Errorf("%s: unknown image format %q (want .png or .svg)", path, filepath.Ext(path))
}

// dpi is the resolution at which figure sizes in pixels map to the points
// (1/72 inch) that gonum/plot lays out in. 96 is the CSS pixel.
const dpi = 96

// px converts pixels to a gonum length at dpi.
func px(p float64) vg.Length { return vg.Length(p * 72 / dpi) }

// dots converts a gonum length to pixels at dpi.
func dots(l vg.Length) float64 { return float64(l) * dpi / 72 }

// Figure is a finished picture that can be encoded as PNG or SVG any number
// of times. Functions in this package return one; its zero value is not
// usable.
type Figure struct {
	// Width and Height are the size in pixels (of the PNG; the SVG has the
	// same size at 96 pixels per inch).
	Width, Height int
	// Caption is the one-line note drawn under the picture, if any: what
	// it leaves out and why (e.g. "12 points with NaN/Inf coordinates not
	// drawn"), or what it sums up (e.g. "9 of 16 dimensions active"). An
	// HTML page can repeat it as a figcaption.
	Caption string
	// Skipped counts the values the picture does not show as they are:
	// points with non-finite coordinates, NaN pixels, non-finite curve
	// values.
	Skipped int

	// draw paints a vector figure on c; r says whether the target is a
	// raster. Exactly one of draw and raster is set.
	draw   func(c draw.Canvas, r *renderer)
	raster *image.RGBA
}

// renderer is the target of one drawing of a vector figure.
type renderer struct {
	// img is the pixel buffer of a PNG target (the one gonum's raster
	// canvas draws into, immediately), nil for an SVG target.
	img *image.RGBA
	// embeds maps the base64 of a placeholder image drawn on an SVG
	// canvas to the PNG that replaces it (see embed).
	embeds map[string][]byte
}

// embed draws img into rect of an SVG canvas. gonum's SVG canvas encodes
// images with PNG's default compression, which takes about a second for a
// full-size point layer; instead a unique 1×1 placeholder is drawn and its
// encoding replaced afterwards by img encoded at PNG's best speed (as large
// within a few percent, several times faster).
func (r *renderer) embed(c draw.Canvas, rect vg.Rectangle, img image.Image) error {
	var b bytes.Buffer
	if err := encodePNG(&b, img); err != nil {
		return err
	}
	k := len(r.embeds)
	ph := image.NewNRGBA(image.Rect(0, 0, 1, 1))
	copy(ph.Pix, []uint8{uint8(k), uint8(k >> 8), 0x5a, 0x01})
	var pb bytes.Buffer
	if err := png.Encode(&pb, ph); err != nil {
		return err
	}
	if r.embeds == nil {
		r.embeds = map[string][]byte{}
	}
	r.embeds[base64.StdEncoding.EncodeToString(pb.Bytes())] = b.Bytes()
	c.DrawImage(rect, ph)
	return nil
}

// toPixels returns the pixel rectangle (top-left origin) covered by the
// canvas rectangle r on a figure of height h pixels, as floats.
func toPixels(r vg.Rectangle, h int) (x0, y0, x1, y1 float64) {
	return dots(r.Min.X), float64(h) - dots(r.Max.Y), dots(r.Max.X), float64(h) - dots(r.Min.Y)
}

// Image renders the figure into a new RGBA image of Width×Height pixels.
func (f *Figure) Image() (*image.RGBA, error) {
	if f.raster != nil {
		out := image.NewRGBA(f.raster.Bounds())
		copy(out.Pix, f.raster.Pix)
		return out, nil
	}
	return f.renderRaster()
}

func (f *Figure) renderRaster() (img *image.RGBA, err error) {
	defer recoverDraw(&err)
	if f.draw == nil || f.Width <= 0 || f.Height <= 0 {
		return nil, errors.New("viz: empty figure")
	}
	buf := image.NewRGBA(image.Rect(0, 0, f.Width, f.Height))
	cv := vgimg.NewWith(vgimg.UseImage(buf), vgimg.UseDPI(dpi))
	out, ok := cv.Image().(*image.RGBA)
	if !ok {
		return nil, errors.New("viz: raster canvas is not RGBA")
	}
	f.draw(draw.New(cv), &renderer{img: out})
	return out, nil
}

// recoverDraw turns a panic inside gonum/plot's drawing into an error, so a
// drawing problem never takes a server down.
func recoverDraw(err *error) {
	if r := recover(); r != nil {
		*err = fmt.Errorf("viz: drawing failed: %v", r)
	}
}

// Encode writes the figure to w in the given format.
func (f *Figure) Encode(w io.Writer, format Format) error {
	switch format {
	case PNG:
		img := f.raster
		if img == nil {
			var err error
			if img, err = f.renderRaster(); err != nil {
				return err
			}
		}
		return encodePNG(w, img)
	case SVG:
		if f.raster != nil {
			return rasterSVG(w, f.raster)
		}
		return f.encodeSVG(w)
	}
	return fmt.Errorf("viz: unknown format %v", format)
}

func encodePNG(w io.Writer, img image.Image) error {
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	return enc.Encode(w, img)
}

func (f *Figure) encodeSVG(w io.Writer) (err error) {
	defer recoverDraw(&err)
	if f.draw == nil || f.Width <= 0 || f.Height <= 0 {
		return errors.New("viz: empty figure")
	}
	cv := vgsvg.New(px(float64(f.Width)), px(float64(f.Height)))
	dc := draw.New(cv)
	dc.SetColor(color.White)
	dc.Fill(dc.Rectangle.Path())
	r := &renderer{}
	f.draw(dc, r)
	if len(r.embeds) == 0 {
		_, err = cv.WriteTo(w)
		return err
	}
	var buf bytes.Buffer
	if _, err := cv.WriteTo(&buf); err != nil {
		return err
	}
	out := buf.String()
	for ph, data := range r.embeds {
		// gonum labels every embedded image image/jpg; these are PNGs.
		old := "data:image/jpg;base64," + ph + `"`
		if strings.Count(out, old) != 1 {
			return errors.New("viz: SVG image placeholder not found once")
		}
		out = strings.Replace(out, old, "data:image/png;base64,"+base64.StdEncoding.EncodeToString(data)+`"`, 1)
	}
	_, err = io.WriteString(w, out)
	return err
}

// rasterSVG writes an SVG that shows img at its pixel size, unsmoothed.
func rasterSVG(w io.Writer, img *image.RGBA) error {
	var pngBuf bytes.Buffer
	if err := encodePNG(&pngBuf, img); err != nil {
		return err
	}
	b := img.Bounds()
	_, err := fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">
<image x="0" y="0" width="%d" height="%d" style="image-rendering:pixelated" href="data:image/png;base64,%s"/>
</svg>
`, b.Dx(), b.Dy(), b.Dx(), b.Dy(), b.Dx(), b.Dy(), base64.StdEncoding.EncodeToString(pngBuf.Bytes()))
	return err
}

// Bytes returns the figure encoded in the given format.
func (f *Figure) Bytes(format Format) ([]byte, error) {
	var buf bytes.Buffer
	if err := f.Encode(&buf, format); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// DataURI returns the figure as a data: URI (base64) for an <img src> in a
// self-contained HTML page.
func (f *Figure) DataURI(format Format) (string, error) {
	b, err := f.Bytes(format)
	if err != nil {
		return "", err
	}
	return "data:" + format.MIME() + ";base64," + base64.StdEncoding.EncodeToString(b), nil
}

// Save writes the figure to path, in the format its extension names (.png
// or .svg), atomically: on any error the file is left as it was.
func (f *Figure) Save(path string) error {
	format, err := FormatOf(path)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		if err := f.Encode(w, format); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	})
}
