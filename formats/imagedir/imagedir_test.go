package imagedir

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	"github.com/latentlab/latent/mat32"
)

// expected holds Pillow's pixels for the fixture (testdata/make_fixture.py).
func expected(t *testing.T) map[string]map[string][]float64 {
	t.Helper()
	b, err := os.ReadFile("testdata/expected.json")
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]map[string][]float64
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	return e
}

// maxDiff returns the largest |got - want/255|, in units of 1/255.
func maxDiff(got []float32, want []float64) float64 {
	if len(got) != len(want) {
		return math.Inf(1)
	}
	m := 0.0
	for i := range got {
		m = max(m, math.Abs(float64(got[i])*255-want[i]))
	}
	return m
}

// TestLoadMatchesPillow compares the fixture folder with Pillow 9.4's
// convert("RGB") and convert("L") of the same files.
func TestLoadMatchesPillow(t *testing.T) {
	want := expected(t)
	for _, gray := range []bool{false, true} {
		d, err := Load("testdata/pets", formats.Options{Gray: gray})
		if err != nil {
			t.Fatal(err)
		}
		paths := []string{"cat/a.png", "cat/b.jpg", "dog/c.gif", "dog/d.png", "e.png"}
		if got := d.MetaColumn("path").Values; !slices.Equal(got, paths) {
			t.Fatalf("paths = %v, want %v", got, paths)
		}
		ch := 3
		if gray {
			ch = 1
		}
		if d.Image != (dataset.ImageShape{Height: 4, Width: 5, Channels: ch}) || d.Name != "pets" || d.SourceType != "uint8" {
			t.Errorf("image %v name %q source %q", d.Image, d.Name, d.SourceType)
		}
		if !slices.Equal(d.Classes, []string{"cat", "dog"}) || !slices.Equal(d.Labels, []int{0, 0, 1, 1, dataset.NoLabel}) {
			t.Errorf("classes %v labels %v", d.Classes, d.Labels)
		}
		for i, p := range paths {
			key, tol := "rgb", 0.0
			if gray {
				// Pillow rounds luma to an integer; latent keeps it exact.
				key, tol = "l", 0.5
			}
			if strings.HasSuffix(p, ".jpg") {
				// libjpeg and Go's decoder round their IDCTs differently
				// (and latent takes gray from the Y plane).
				tol = 3
			}
			if m := maxDiff(d.X.Row(i), want[p][key]); m > tol+1e-4 {
				t.Errorf("gray=%v %s: max difference from Pillow %.3f/255 > %v/255", gray, p, m, tol)
			}
		}
	}
}

// TestResizeMatchesPillow compares resizing with Pillow's BICUBIC filter,
// which is the same Catmull-Rom kernel, widened when shrinking.
func TestResizeMatchesPillow(t *testing.T) {
	want := expected(t)
	dir := t.TempDir()
	b, err := os.ReadFile("testdata/big.png")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "big.png"), b, 0o644)
	for _, sz := range [][2]int{{6, 5}, {16, 12}} {
		d, err := Load(dir, formats.Options{ResizeW: sz[0], ResizeH: sz[1]})
		if err != nil {
			t.Fatal(err)
		}
		if d.Image != (dataset.ImageShape{Height: sz[1], Width: sz[0], Channels: 3}) {
			t.Fatalf("image %v", d.Image)
		}
		key := fmt.Sprintf("big.png@%dx%d", sz[0], sz[1])
		// The kernels agree; Pillow rounds to 8 bits after each of its two
		// passes (measured: at most 1/255 shrinking, 2/255 enlarging).
		if m := maxDiff(d.X.Row(0), want[key]["rgb"]); m > 2 {
			t.Errorf("%s: max difference from Pillow %.2f/255", key, m)
		} else {
			t.Logf("%s: max difference from Pillow %.2f/255", key, m)
		}
	}
}

// TestBMPAndWebP reads a BMP and a lossless WebP that Pillow wrote
// (testdata/make_fixture.py) from the pixels 0, 10, 20, …, 230.
func TestBMPAndWebP(t *testing.T) {
	d, err := Load("testdata/other", formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Len() != 2 || d.Image != (dataset.ImageShape{Height: 2, Width: 4, Channels: 3}) {
		t.Fatalf("%d rows of %v", d.Len(), d.Image)
	}
	for r := range 2 {
		for i, v := range d.X.Row(r) {
			if v != float32(10*i)/255 {
				t.Fatalf("%s value %d = %v, want %v", d.MetaColumn("path").Values[r], i, v*255, 10*i)
			}
		}
	}
}

func writeImage(t testing.TB, path string, img image.Image) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	var err error
	switch filepath.Ext(path) {
	case ".png":
		err = png.Encode(&buf, img)
	case ".jpg":
		err = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 100})
	case ".gif":
		err = gif.Encode(&buf, img, nil)
	}
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func grayImage(w, h int, seed uint8) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = uint8(i)*7 + seed
	}
	return g
}

func TestAllGrayFolderHasOneChannel(t *testing.T) {
	dir := t.TempDir()
	writeImage(t, filepath.Join(dir, "a", "1.png"), grayImage(3, 2, 1))
	writeImage(t, filepath.Join(dir, "a", "2.jpg"), grayImage(3, 2, 2))
	pal := image.NewPaletted(image.Rect(0, 0, 3, 2), color.Palette{color.Gray{0}, color.Gray{200}})
	pal.Pix[4] = 1
	writeImage(t, filepath.Join(dir, "b", "3.gif"), pal)
	d, err := Load(dir, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Image.Channels != 1 || d.Dim() != 6 {
		t.Fatalf("image %v", d.Image)
	}
	for i, v := range grayImage(3, 2, 1).Pix {
		if d.X.At(0, i) != float32(v)/255 {
			t.Fatalf("png pixel %d = %v, want %v", i, d.X.At(0, i), float32(v)/255)
		}
	}
	if d.X.At(2, 4) != float32(200)/255 || d.X.At(2, 0) != 0 {
		t.Errorf("gif row = %v", d.X.Row(2))
	}
	// One colour image makes the folder RGB; gray images repeat their value.
	rgb := image.NewRGBA(image.Rect(0, 0, 3, 2))
	for i := range rgb.Pix {
		rgb.Pix[i] = 255
	}
	rgb.Pix[0] = 0
	writeImage(t, filepath.Join(dir, "c.png"), rgb)
	d, err = Load(dir, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.Image.Channels != 3 || d.X.At(0, 0) != d.X.At(0, 1) || d.X.At(0, 1) != d.X.At(0, 2) {
		t.Errorf("mixed folder: image %v row 0 = %v", d.Image, d.X.Row(0))
	}
	if got := d.X.Row(3)[:3]; !slices.Equal(got, []float32{0, 1, 1}) {
		t.Errorf("rgb pixel = %v", got)
	}
	// Gray forces one channel: luma of (0, 1, 1) is 0.587 + 0.114.
	d, err = Load(dir, formats.Options{Gray: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.X.At(3, 0); math.Abs(float64(got)-0.701) > 1e-6 {
		t.Errorf("luma = %v, want 0.701", got)
	}
}

func TestSixteenBitAndGIFFrame(t *testing.T) {
	dir := t.TempDir()
	g16 := image.NewGray16(image.Rect(0, 0, 2, 2))
	g16.SetGray16(1, 0, color.Gray16{Y: 0x8000})
	writeImage(t, filepath.Join(dir, "a.png"), g16)
	d, err := Load(dir, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if d.SourceType != "uint16" || d.Image.Channels != 1 || d.X.At(0, 1) != float32(0x8000)/65535 {
		t.Errorf("16-bit: %s %v %v", d.SourceType, d.Image, d.X.Row(0))
	}

	// A GIF whose first frame covers part of a 4×3 canvas.
	frame := image.NewPaletted(image.Rect(1, 1, 3, 2), palette.Plan9)
	frame.SetColorIndex(1, 1, 255) // white in Plan9
	var buf bytes.Buffer
	err = gif.EncodeAll(&buf, &gif.GIF{Image: []*image.Paletted{frame}, Delay: []int{0},
		Config: image.Config{Width: 4, Height: 3, ColorModel: color.Palette(palette.Plan9)}})
	if err != nil {
		t.Fatal(err)
	}
	dir2 := t.TempDir()
	os.WriteFile(filepath.Join(dir2, "f.gif"), buf.Bytes(), 0o644)
	d, err = Load(dir2, formats.Options{Gray: true})
	if err != nil {
		t.Fatal(err)
	}
	want := []float32{0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0}
	if d.Image != (dataset.ImageShape{Height: 3, Width: 4, Channels: 1}) || !slices.Equal(d.X.Row(0), want) {
		t.Errorf("gif frame: %v %v", d.Image, d.X.Row(0))
	}
}

func TestSymlinks(t *testing.T) {
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	writeImage(t, filepath.Join(root, "a", "1.png"), grayImage(2, 2, 0))
	writeImage(t, filepath.Join(dir, "outside.png"), grayImage(2, 2, 9))
	// A link to a file inside is read, a link to a folder is not followed.
	if err := os.Symlink(filepath.Join(root, "a", "1.png"), filepath.Join(root, "link.png")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	os.Symlink(filepath.Join(root, "a"), filepath.Join(root, "b"))
	d, err := Load(root, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := d.MetaColumn("path").Values; !slices.Equal(got, []string{"a/1.png", "link.png"}) {
		t.Errorf("paths = %v", got)
	}
	// The folder itself may be a link.
	os.Symlink(root, filepath.Join(dir, "rootlink"))
	if d2, err := Load(filepath.Join(dir, "rootlink"), formats.Options{}); err != nil || d2.Len() != 2 {
		t.Errorf("folder through a link: %v", err)
	}
}

func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	ihdr := binary.BigEndian.AppendUint32(nil, w)
	ihdr = binary.BigEndian.AppendUint32(ihdr, h)
	ihdr = append(ihdr, 8, 0, 0, 0, 0) // 8-bit gray
	chunk := append([]byte("IHDR"), ihdr...)
	b.Write(binary.BigEndian.AppendUint32(nil, uint32(len(ihdr))))
	b.Write(chunk)
	b.Write(binary.BigEndian.AppendUint32(nil, crc32.ChecksumIEEE(chunk)))
	return b.Bytes()
}

func TestLoadBadInput(t *testing.T) {
	small := func(t *testing.T) []byte {
		var b bytes.Buffer
		png.Encode(&b, grayImage(2, 2, 0))
		return b.Bytes()
	}
	type file struct {
		name string
		data []byte
		link string // make a symbolic link to this instead
	}
	cases := []struct {
		name  string
		files []file
		opt   formats.Options
		want  []string // substrings; "DIR" stands for the folder
	}{
		{"empty folder", nil, formats.Options{}, []string{"DIR: no images (.png, .jpg"}},
		{"only text", []file{{name: "a/readme.txt", data: []byte("hi")}}, formats.Options{}, []string{"DIR: no images"}},
		{"corrupt png", []file{{name: "a/1.png", data: func() []byte {
			var b bytes.Buffer
			png.Encode(&b, grayImage(2, 2, 0))
			b.Bytes()[30] ^= 0xff // the IHDR chunk's checksum
			return b.Bytes()
		}()}}, formats.Options{}, []string{"DIR/a/1.png: png: invalid format: invalid checksum"}},
		{"not an image", []file{{name: "b.jpg", data: []byte("hello world")}}, formats.Options{}, []string{"DIR/b.jpg: not a PNG, JPEG, GIF, BMP or WebP image"}},
		{"truncated pixels", []file{{name: "t.png", data: pngHeader(4, 4)}}, formats.Options{}, []string{"DIR/t.png", "EOF"}},
		{"huge header", []file{{name: "h.png", data: pngHeader(100000, 100000)}}, formats.Options{}, []string{"DIR/h.png: image of 100000×100000 is larger than"}},
		{"mixed sizes", []file{{name: "a/1.png"}, {name: "b/2.png", data: func() []byte {
			var b bytes.Buffer
			png.Encode(&b, grayImage(3, 2, 0))
			return b.Bytes()
		}()}}, formats.Options{}, []string{"DIR: images differ in size: a/1.png is 2×2, b/2.png is 3×2"}},
		{"link outside", []file{{name: "a/1.png"}, {name: "a/2.png", link: "/etc/hostname"}}, formats.Options{}, []string{"DIR/a/2.png: symbolic link leads outside the folder"}},
		{"broken link", []file{{name: "a/1.png"}, {name: "a/2.png", link: "missing.png"}}, formats.Options{}, []string{"DIR/a/2.png: broken symbolic link"}},
		{"half resize", []file{{name: "1.png"}}, formats.Options{ResizeW: 8}, []string{"DIR: resize needs both a width and a height"}},
		{"labels flag", []file{{name: "1.png"}}, formats.Options{Labels: "x.txt"}, []string{"DIR: labels come from sub-folder names"}},
		{"first bad wins", []file{{name: "a/1.png", data: []byte("junk")}, {name: "z/2.png", data: []byte("junk")}}, formats.Options{}, []string{"DIR/a/1.png: not a PNG"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range c.files {
				p := filepath.Join(dir, f.name)
				os.MkdirAll(filepath.Dir(p), 0o755)
				if f.link != "" {
					if err := os.Symlink(f.link, p); err != nil {
						t.Skip("no symbolic links:", err)
					}
					continue
				}
				data := f.data
				if data == nil {
					data = small(t)
				}
				os.WriteFile(p, data, 0o644)
			}
			_, err := Load(dir, c.opt)
			if err == nil {
				t.Fatalf("no error, want %q", c.want)
			}
			for _, w := range c.want {
				if w = strings.ReplaceAll(w, "DIR", dir); !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
	if _, err := Load(filepath.Join(t.TempDir(), "nope"), formats.Options{}); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("missing folder: %v", err)
	}
	f := filepath.Join(t.TempDir(), "file.png")
	os.WriteFile(f, small(t), 0o644)
	if _, err := Load(f, formats.Options{}); err == nil || !strings.Contains(err.Error(), "is not a folder") {
		t.Errorf("file: %v", err)
	}
}

func TestLoadDeterministicAcrossThreads(t *testing.T) {
	dir := t.TempDir()
	for i := range 40 {
		writeImage(t, filepath.Join(dir, string(rune('a'+i%3)), fmt.Sprintf("%02d.png", i)), grayImage(4, 3, uint8(i)))
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	one, err := Load(dir, formats.Options{ResizeW: 5, ResizeH: 5})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GOMAXPROCS(8)
	many, err := Load(dir, formats.Options{ResizeW: 5, ResizeH: 5})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(one, many) {
		t.Error("1 and 8 threads give different datasets")
	}
	head, err := Load(dir, formats.Options{MaxRows: 7})
	if err != nil || head.Len() != 7 || !slices.Equal(head.MetaColumn("path").Values, one.MetaColumn("path").Values[:7]) {
		t.Errorf("MaxRows: %v", err)
	}
}

func TestSaveRoundTrip(t *testing.T) {
	im := dataset.ImageShape{Height: 2, Width: 3, Channels: 3}
	x := mat32.New(4, im.Size())
	for i := range x.Data {
		x.Data[i] = float32(i*11%256) / 255
	}
	d := &dataset.Dataset{X: x, Image: im}
	d.SetLabels([]string{"T-shirt/top", "Bag", "", "Bag"})
	dir := filepath.Join(t.TempDir(), "out")
	if err := formats.Save(dir+"/", d, ""); err != nil {
		t.Fatal(err)
	}
	got, err := formats.Load(dir, formats.Options{})
	if err != nil {
		t.Fatal(err)
	}
	paths := got.MetaColumn("path").Values
	if want := []string{"2.png", "Bag/1.png", "Bag/3.png", "T-shirt_top/0.png"}; !slices.Equal(paths, want) {
		t.Fatalf("paths = %v, want %v", paths, want)
	}
	for i, src := range []int{2, 1, 3, 0} {
		if !slices.Equal(got.X.Row(i), d.X.Row(src)) {
			t.Errorf("%s = %v, want %v", paths[i], got.X.Row(i), d.X.Row(src))
		}
		if got.Label(i) != strings.ReplaceAll(d.Label(src), "/", "_") {
			t.Errorf("%s: label %q, want %q", paths[i], got.Label(i), d.Label(src))
		}
	}
	if err := Save(dir, d); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("non-empty folder: %v", err)
	}
}

func TestSaveValuesAndChannels(t *testing.T) {
	// Values above 1 are taken as 0-255; out-of-range and NaN are clamped.
	d := &dataset.Dataset{X: mat32.FromSlice(1, 4, []float32{-5, 128, 300, float32(math.NaN())}),
		Image: dataset.ImageShape{Height: 1, Width: 1, Channels: 4}}
	dir := t.TempDir()
	if err := Save(dir, d); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(filepath.Join(dir, "0.png"))
	img, err := png.Decode(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	if c := img.(*image.NRGBA).NRGBAAt(0, 0); c != (color.NRGBA{0, 128, 255, 0}) {
		t.Errorf("pixel = %v", c)
	}
	bad := []struct {
		d    *dataset.Dataset
		want string
	}{
		{&dataset.Dataset{X: mat32.New(1, 4)}, "no image shape"},
		{&dataset.Dataset{X: mat32.New(1, 4), Image: dataset.ImageShape{Height: 1, Width: 2, Channels: 2}}, "cannot write 2-channel"},
		{&dataset.Dataset{X: mat32.New(1, 4), Image: dataset.ImageShape{Height: 1, Width: 1, Channels: 4}, Labels: []int{0, 1}, Classes: []string{"a", "b"}}, "2 labels for 1 rows"},
		{&dataset.Dataset{X: mat32.New(2, 1), Image: dataset.ImageShape{Height: 1, Width: 1, Channels: 1}, Labels: []int{0, 1}, Classes: []string{"a/b", "a_b"}}, `both map to folder "a_b"`},
	}
	for _, b := range bad {
		dir := t.TempDir()
		if err := Save(dir, b.d); err == nil || !strings.Contains(err.Error(), b.want) || !strings.Contains(err.Error(), dir) {
			t.Errorf("err = %v, want %q naming the folder", err, b.want)
		}
	}
	if safeName("..") != "_.." || safeName("") != "_" || safeName("a\\b\n") != "a_b_" {
		t.Errorf("safeName: %q %q %q", safeName(".."), safeName(""), safeName("a\\b\n"))
	}
}

func TestMatch(t *testing.T) {
	dir := t.TempDir()
	if !match(dir, nil) || !match(filepath.Join(dir, "new")+"/", nil) {
		t.Error("folder not matched")
	}
	if match(filepath.Join(dir, "new"), nil) || match(dir, []byte{}) {
		t.Error("non-folder matched")
	}
	os.WriteFile(filepath.Join(dir, "projector_config.json"), []byte("{}"), 0o644)
	if match(dir, nil) {
		t.Error("Projector folder matched")
	}
	if f, err := formats.Detect("testdata/pets"); err != nil || f.Name != "imagedir" {
		t.Errorf("Detect = %v, %v", f.Name, err)
	}
}
