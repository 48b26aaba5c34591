package viz

import "errors"

// ErrNotImage is returned (wrapped) when image views — grids, strips,
// traversals, thumbnails — are asked of rows that have no image shape. A
// caller such as a report tests for it with errors.Is and falls back to
// vector views.
var ErrNotImage = errors.New("viz: not image data")
