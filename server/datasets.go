package server

import (
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime"
	"net/http"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/latentlab/latent/dataset"
	"github.com/latentlab/latent/formats"
	_ "github.com/latentlab/latent/formats/all" // every format latent reads
	"github.com/latentlab/latent/store"
)

// listDatasets lists the workspace's datasets, newest first, then the
// collections of the remote store by name. When the remote store fails,
// the workspace's datasets are listed with the error in remote_error.
// Links to collections the remote store does not hold (now, or at all
// without one) are left out.
func (s *Server) listDatasets(w http.ResponseWriter, r *http.Request) error {
	all, err := s.st.Datasets(r.Context())
	if err != nil {
		return err
	}
	out := []datasetView{}
	for _, d := range all {
		if !d.Linked() {
			out = append(out, datasetView{Dataset: d, Store: storeWorkspace})
		}
	}
	res := map[string]any{}
	if s.remote != nil {
		remote, err := s.listRemote(r.Context(), all)
		if err != nil {
			if r.Context().Err() != nil {
				return err
			}
			var e envelope
			_, e.Error.Code = statusOf(err)
			e.Error.Message = err.Error()
			res["remote_error"] = e.Error
			s.log.Warn("listing the remote store", "err", err)
		}
		for _, v := range remote {
			out = append(out, v.api())
		}
	}
	res["datasets"] = out
	writeJSON(w, http.StatusOK, res)
	return nil
}

func (s *Server) getDataset(w http.ResponseWriter, r *http.Request) error {
	info, err := s.resolve(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if !info.Linked() {
		writeJSON(w, http.StatusOK, datasetView{Dataset: info, Store: storeWorkspace}.api())
		return nil
	}
	ri, err := s.remoteInfo(r.Context(), info)
	if err != nil {
		return err
	}
	v := s.overlay(info, ri) // drops a loaded copy of another shape
	if 4*int64(ri.Rows)*int64(ri.Dim) <= s.cfg.CacheBytes {
		// Loading tells whether rows are labelled, and with which classes:
		// the explorer asks for the entry when it opens the dataset. A
		// collection too large to load is described without them.
		if _, err := s.cache.get(r.Context(), info.ID); err != nil {
			return err
		}
		v = s.overlay(info, ri)
	}
	writeJSON(w, http.StatusOK, v.api())
	return nil
}

func (s *Server) deleteDataset(w http.ResponseWriter, r *http.Request) error {
	info, err := s.st.Dataset(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	if info.Linked() {
		w.Header().Set("Allow", "GET")
		return errorf(http.StatusMethodNotAllowed, CodeMethod, "dataset %s is the collection %s of the Weaviate cluster: the server does not drop collections (delete it in Weaviate)", info.ID, clip(strings.TrimPrefix(info.Source, remoteKind+":")))
	}
	if s.jobs.busy(info.ID) {
		return errorf(http.StatusConflict, CodeConflict, "a job is running on dataset %s: cancel it first", info.ID)
	}
	if err := s.st.DeleteDataset(r.Context(), info.ID); err != nil {
		return err
	}
	s.cache.drop(info.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// extPattern is what an uploaded file's extension may be: the only part of
// a client's file name that is used, to let formats recognise the file.
var extPattern = regexp.MustCompile(`^(\.[a-z0-9]{1,10}){1,2}$`)

// extOf returns the sanitised extension of a client's file name (".csv",
// ".npy.gz"), or "".
func extOf(name string) string {
	base := strings.ToLower(path.Base(strings.ReplaceAll(name, "\\", "/")))
	i := strings.Index(base, ".")
	if i < 0 {
		return ""
	}
	ext := base[i:]
	for !extPattern.MatchString(ext) {
		j := strings.Index(ext[1:], ".")
		if j < 0 {
			return ""
		}
		ext = ext[j+1:]
	}
	return ext
}

// stem returns the client's file name without folders and extension, as a
// default dataset name.
func stem(name string) string {
	base := path.Base(strings.ReplaceAll(name, "\\", "/"))
	if i := strings.Index(base, "."); i > 0 {
		base = base[:i]
	}
	if base == "." || base == "/" {
		return ""
	}
	return base
}

// uploadDataset imports a dataset from the request body: either the raw
// file (query parameters name, filename, format, label_column, columns,
// max_rows) or a multipart form with a "file" part, an optional "labels"
// part and the same parameters as form fields.
func (s *Server) uploadDataset(w http.ResponseWriter, r *http.Request) error {
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Now().Add(UploadTimeout))
	if r.ContentLength > s.cfg.MaxUpload+1<<20 {
		return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "upload of %d bytes is larger than the limit of %d", r.ContentLength, s.cfg.MaxUpload)
	}
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload+1<<20)
	params := map[string]string{}
	for _, k := range []string{"name", "filename", "format", "label_column", "columns", "max_rows"} {
		params[k] = r.URL.Query().Get(k)
	}
	tmp, err := os.MkdirTemp(s.st.TempDir(), "upload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	var dataPath, labelsPath string
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		mr, err := r.MultipartReader()
		if err != nil {
			return badRequest("multipart body: %v", err)
		}
		for {
			part, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				return uploadErr(err)
			}
			switch field := part.FormName(); field {
			case "file", "labels":
				if (field == "file" && dataPath != "") || (field == "labels" && labelsPath != "") {
					return badRequest("more than one %q part", field)
				}
				if part.FileName() != "" && field == "file" && params["filename"] == "" {
					params["filename"] = part.FileName()
				}
				p := tmp + "/" + field + extOf(part.FileName())
				if err := s.saveUpload(p, part); err != nil {
					return err
				}
				if field == "file" {
					dataPath = p
				} else {
					labelsPath = p
				}
			case "name", "filename", "format", "label_column", "columns", "max_rows":
				b, err := io.ReadAll(io.LimitReader(part, 4096))
				if err != nil {
					return uploadErr(err)
				}
				params[field] = string(b)
			default:
				return badRequest("unknown form field %q", clip(field))
			}
			part.Close()
		}
		if dataPath == "" {
			return badRequest("multipart upload without a \"file\" part")
		}
	} else {
		dataPath = tmp + "/file" + extOf(params["filename"])
		if err := s.saveUpload(dataPath, r.Body); err != nil {
			return err
		}
	}
	name := params["name"]
	if name == "" {
		name = stem(params["filename"])
	}
	if name == "" {
		name = "upload-" + time.Now().UTC().Format("20060102-150405")
	}
	if err := store.ValidateName(name); err != nil {
		return err
	}
	if _, err := s.st.Dataset(r.Context(), name); err == nil {
		return errorf(http.StatusConflict, CodeConflict, "a dataset is already called %q", clip(name))
	}
	opt := formats.Options{Format: params["format"], LabelColumn: params["label_column"], Columns: params["columns"], Labels: labelsPath}
	if opt.Format != "" {
		if _, ok := formats.Lookup(opt.Format); !ok {
			return badRequest("unknown format %q", clip(opt.Format))
		}
	}
	if v := params["max_rows"]; v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return badRequest("max_rows=%q: want a non-negative integer", clip(v))
		}
		opt.MaxRows = n
	}
	d, err := formats.Load(dataPath, opt)
	if err != nil {
		return unprocessable(fmt.Errorf("%s: %s", uploadName(params["filename"]), strings.ReplaceAll(err.Error(), tmp+"/", "")))
	}
	if err := dataset.CheckFinite(uploadName(params["filename"]), d.X); err != nil {
		return unprocessable(err)
	}
	info, err := s.st.AddDataset(r.Context(), name, uploadName(params["filename"]), d)
	if err != nil {
		return err
	}
	w.Header().Set("Location", "/api/datasets/"+info.ID)
	writeJSON(w, http.StatusCreated, info)
	return nil
}

func uploadName(name string) string {
	if name == "" {
		return "upload"
	}
	return path.Base(strings.ReplaceAll(name, "\\", "/"))
}

func uploadErr(err error) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return err
	}
	return badRequest("multipart body: %v", err)
}

// saveUpload copies an upload to a scratch file, stopping at MaxUpload.
func (s *Server) saveUpload(p string, r io.Reader) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	defer f.Close()
	n, err := io.Copy(f, io.LimitReader(r, s.cfg.MaxUpload+1))
	if err != nil {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "upload larger than the limit of %d bytes", s.cfg.MaxUpload)
		}
		return badRequest("reading the upload: %v", err)
	}
	if n > s.cfg.MaxUpload {
		return errorf(http.StatusRequestEntityTooLarge, CodeTooLarge, "upload larger than the limit of %d bytes", s.cfg.MaxUpload)
	}
	if n == 0 {
		return unprocessable(errors.New("the uploaded file is empty"))
	}
	return f.Close()
}

// getCategories returns the categories of a colouring column with the
// number of rows in each.
func (s *Server) getCategories(w http.ResponseWriter, r *http.Request) error {
	l, err := s.cache.get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	by := r.URL.Query().Get("by")
	c, err := l.codesOf(by)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, map[string]any{"by": by, "categories": nonNil(c.categories), "counts": c.counts})
	return nil
}

func nonNil(a []string) []string {
	if a == nil {
		return []string{}
	}
	return a
}

// getCodes returns the category of every row as little-endian uint16 (when
// there are fewer than 65,535 categories) or uint32, with the all-ones value
// for rows without one.
func (s *Server) getCodes(w http.ResponseWriter, r *http.Request) error {
	l, err := s.cache.get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	c, err := l.codesOf(r.URL.Query().Get("by"))
	if err != nil {
		return err
	}
	width := 2
	if len(c.categories) >= 0xFFFF {
		width = 4
	}
	buf := make([]byte, width*len(c.code))
	for i, v := range c.code {
		if width == 2 {
			u := uint16(0xFFFF)
			if v >= 0 {
				u = uint16(v)
			}
			binary.LittleEndian.PutUint16(buf[2*i:], u)
		} else {
			binary.LittleEndian.PutUint32(buf[4*i:], uint32(v))
		}
	}
	h := w.Header()
	h.Set("Content-Type", binaryContentType)
	h.Set("X-Latent-Rows", strconv.Itoa(len(c.code)))
	h.Set("X-Latent-Code-Width", strconv.Itoa(width))
	h.Set("X-Latent-Categories", strconv.Itoa(len(c.categories)))
	h.Set("Content-Length", strconv.Itoa(len(buf)))
	w.Write(buf)
	return nil
}

// row returns the loaded dataset {id} and its row number {row}.
func (s *Server) row(r *http.Request) (*loaded, int, error) {
	l, err := s.cache.get(r.Context(), r.PathValue("id"))
	if err != nil {
		return nil, 0, err
	}
	v := r.PathValue("row")
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return nil, 0, badRequest("row %q: want a row number", clip(v))
	}
	if i >= l.d.Len() {
		return nil, 0, errorf(http.StatusNotFound, CodeNotFound, "row %d: dataset %s has %d rows", i, l.info.ID, l.d.Len())
	}
	return l, i, nil
}

// rowInfo is what the explorer shows on hover.
type rowInfo struct {
	Index int               `json:"index"`
	Label string            `json:"label,omitempty"`
	Meta  map[string]string `json:"meta"`
	Image bool              `json:"image"`
}

func rowInfoOf(d *dataset.Dataset, i int) rowInfo {
	ri := rowInfo{Index: i, Label: d.Label(i), Meta: map[string]string{}, Image: d.Image.IsImage()}
	for _, c := range d.Meta {
		ri.Meta[c.Name] = c.Values[i]
	}
	return ri
}

func (s *Server) getRow(w http.ResponseWriter, r *http.Request) error {
	l, i, err := s.row(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, rowInfoOf(l.d, i))
	return nil
}

// getRowImage returns row {row} as a PNG, upscaled by ?scale (1–16,
// default 1).
func (s *Server) getRowImage(w http.ResponseWriter, r *http.Request) error {
	l, i, err := s.row(r)
	if err != nil {
		return err
	}
	if !l.d.Image.IsImage() {
		return unprocessable(fmt.Errorf("dataset %s does not hold images", l.info.ID))
	}
	scale, err := queryInt(r, "scale", 1, 1, 16)
	if err != nil {
		return err
	}
	img := rowImage(l.d.X.Row(i), l.d.Image, scale)
	w.Header().Set("Content-Type", "image/png")
	w.Header().Set("Cache-Control", "private, max-age=3600")
	return png.Encode(w, img)
}

// rowImage renders one image row (values in [0, 1], HWC) scaled by an
// integer factor.
func rowImage(px []float32, sh dataset.ImageShape, scale int) image.Image {
	W, H := sh.Width*scale, sh.Height*scale
	img := image.NewNRGBA(image.Rect(0, 0, W, H))
	byteOf := func(v float32) uint8 {
		switch {
		case !(v > 0): // also NaN
			return 0
		case v >= 1:
			return 255
		}
		return uint8(v*255 + 0.5)
	}
	for y := range H {
		for x := range W {
			o := ((y/scale)*sh.Width + x/scale) * sh.Channels
			var c color.NRGBA
			switch sh.Channels {
			case 1, 2:
				g := byteOf(px[o])
				c = color.NRGBA{g, g, g, 255}
			default:
				c = color.NRGBA{byteOf(px[o]), byteOf(px[o+1]), byteOf(px[o+2]), 255}
				if sh.Channels == 4 {
					c.A = byteOf(px[o+3])
				}
			}
			img.SetNRGBA(x, y, c)
		}
	}
	return img
}

// search returns the rows whose label or metadata match ?q: a substring
// (case-insensitive), or a regular expression with ?regex=1 (RE2 syntax,
// linear time). ?by limits it to "label" or "meta:COLUMN"; by default every
// column is searched. At most ?limit rows (default 100,000) are listed;
// count is the total.
func (s *Server) search(w http.ResponseWriter, r *http.Request) error {
	l, err := s.cache.get(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	q := r.URL.Query()
	pattern := q.Get("q")
	if pattern == "" {
		return badRequest("parameter q is required")
	}
	if len(pattern) > 1000 {
		return badRequest("q is longer than 1000 bytes")
	}
	limit, err := queryInt(r, "limit", 100_000, 0, 10_000_000)
	if err != nil {
		return err
	}
	var match func(string) bool
	if q.Get("regex") == "1" || q.Get("regex") == "true" {
		re, err := regexp.Compile(pattern)
		if err != nil {
			return badRequest("q is not a valid regular expression: %v", err)
		}
		match = re.MatchString
	} else {
		lp := strings.ToLower(pattern)
		match = func(v string) bool { return strings.Contains(strings.ToLower(v), lp) }
	}
	d := l.d
	var cols [][]string
	labels := false
	switch by := q.Get("by"); {
	case by == "":
		labels = d.Labels != nil
		for _, c := range d.Meta {
			cols = append(cols, c.Values)
		}
	case by == "label":
		if d.Labels == nil {
			return unprocessable(fmt.Errorf("dataset %s has no labels", l.info.ID))
		}
		labels = true
	case strings.HasPrefix(by, "meta:"):
		c := d.MetaColumn(by[5:])
		if c == nil {
			return errorf(http.StatusNotFound, CodeNotFound, "dataset %s has no metadata column %q", l.info.ID, clip(by[5:]))
		}
		cols = append(cols, c.Values)
	default:
		return badRequest("by=%q: want \"label\" or \"meta:COLUMN\"", clip(by))
	}
	// Labels are matched once per class, not once per row.
	var classMatch []bool
	if labels {
		classMatch = make([]bool, len(d.Classes))
		for i, c := range d.Classes {
			classMatch[i] = match(c)
		}
	}
	rows := []int{}
	count := 0
	for i := range d.Len() {
		if i%65536 == 0 && r.Context().Err() != nil {
			return r.Context().Err()
		}
		ok := labels && d.Labels[i] >= 0 && classMatch[d.Labels[i]]
		for _, c := range cols {
			if ok {
				break
			}
			ok = match(c[i])
		}
		if ok {
			count++
			if len(rows) < limit {
				rows = append(rows, i)
			}
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": count, "rows": rows})
	return nil
}
