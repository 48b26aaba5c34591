package report

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/latentlab/latent/internal/atomicfile"
)

// The files a report folder holds.
const (
	// IndexFile is the page.
	IndexFile = "index.html"
	// JSONFile holds the figures as JSON (Report without its images).
	JSONFile = "report.json"
)

// ErrNotEmpty is returned (wrapped) by CheckDir and WriteDir for an
// output folder that already holds files, unless force is set.
var ErrNotEmpty = errors.New("report: the output folder is not empty")

// CheckDir checks, before any work is done, that a report can be written
// to the folder dir: that it is a folder or does not exist yet, that it is
// empty unless force is set (ErrNotEmpty), and that its parent (or the
// folder itself) accepts new files.
func CheckDir(dir string, force bool) error {
	if dir == "" {
		return errors.New("report: no output folder")
	}
	dir = filepath.Clean(dir) // "out/" names the folder out, whose parent is "."
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return probe(filepath.Dir(dir))
	case err != nil:
		return fmt.Errorf("report: output folder: %w", err)
	case !fi.IsDir():
		return fmt.Errorf("report: %s exists and is not a folder", dir)
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("report: output folder: %w", err)
	}
	if len(ents) > 0 && !force {
		return fmt.Errorf("%w: %s holds %d entries (use --force to replace the report in it)", ErrNotEmpty, dir, len(ents))
	}
	return probe(dir)
}

// probe checks that files can be created in dir.
func probe(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("report: cannot write the report: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("report: cannot write the report: %s is not a folder", dir)
	}
	f, err := os.CreateTemp(dir, ".latent-report-probe-*")
	if err != nil {
		return fmt.Errorf("report: cannot write the report in %s: %w", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// WriteDir writes the report into the folder dir: index.html (the page)
// and report.json (the figures). Nothing is left half-written: a new
// folder is built under a temporary name next to dir and renamed into
// place once complete; in an existing folder (empty, or any folder when
// force is set) each file is written to a temporary file and renamed over
// the old one, and other files in the folder are left alone.
func (r *Report) WriteDir(dir string, force bool) error {
	if err := CheckDir(dir, force); err != nil {
		return err
	}
	dir = filepath.Clean(dir)
	var page, js bytes.Buffer
	if err := r.WriteHTML(&page); err != nil {
		return fmt.Errorf("report: rendering the page: %w", err)
	}
	if err := r.WriteJSON(&js); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if _, err := os.Stat(dir); err == nil {
		if err := atomicfile.WriteBytes(filepath.Join(dir, JSONFile), js.Bytes()); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		if err := atomicfile.WriteBytes(filepath.Join(dir, IndexFile), page.Bytes()); err != nil {
			return fmt.Errorf("report: %w", err)
		}
		return nil
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp-*")
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			os.RemoveAll(tmp)
		}
	}()
	if err := os.Chmod(tmp, 0o755); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(tmp, JSONFile), js.Bytes()); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := atomicfile.WriteBytes(filepath.Join(tmp, IndexFile), page.Bytes()); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	ok = true
	return nil
}
