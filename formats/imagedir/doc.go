// Package imagedir reads a folder of images as a dataset, one image per row,
// with the name of the sub-folder an image is in as its class label, and
// writes a dataset of images back out as such a folder of PNG files.
// FORMAT.md next to this file describes the layout.
//
// # Invariants
//
//   - Rows are in the order of a sorted walk of the folder (sub-folders
//     and files by name, byte-wise), so the same folder always gives the
//     same dataset, at any number of threads.
//   - A row is an image scanned line by line, channel-last (HWC), values in
//     [0,1]; Dataset.Image records the shape. Colour images have 3 channels
//     (RGB, alpha dropped); the folder is 1-channel when every image is
//     grayscale or when Gray is asked for (ITU-R BT.601 luma
//     0.299R + 0.587G + 0.114B, in floating point).
//   - The label of an image is the first path component below the folder
//     (images in deeper folders belong to their top-level sub-folder); images
//     directly in the folder have no label. A metadata column "path" holds
//     each file's path relative to the folder, with forward slashes.
//   - Files are chosen by extension (.png, .jpg, .jpeg, .gif, .bmp, .webp,
//     any case) and decoded by content. Other files, and names that start
//     with a dot, are skipped. Symbolic links to files inside the folder are
//     read; links to folders are not followed; a link that leads outside
//     the folder is an error, as are images of different sizes when no
//     resize is asked for (the error names two of them), a corrupt image
//     (the error names it) and a folder without images.
//   - Every image's size is read from its header and checked (at most
//     MaxPixels pixels, at most MaxValues values in all) before any pixel
//     buffer is allocated.
//
// Decoding runs on GOMAXPROCS goroutines in two passes: the headers first
// (sizes and colour models decide the shape), then the pixels, each image
// written straight into its row. When several files are bad, the one first
// in walk order is reported.
//
// PNG, JPEG and GIF use the standard library's decoders, BMP and WebP
// golang.org/x/image's; resizing uses golang.org/x/image/draw's Catmull-Rom
// kernel, which widens with the scale factor when shrinking, so downscaled
// images are anti-aliased.
package imagedir
