package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/latentlab/latent/store"
)

// Error codes of the JSON error envelope {"error": {"code", "message"}}.
const (
	CodeBadRequest    = "bad_request"  // 400: malformed request or parameter
	CodeUnauthorized  = "unauthorized" // 401: missing or wrong bearer token
	CodeNotFound      = "not_found"    // 404: no such object or route
	CodeMethod        = "method_not_allowed"
	CodeConflict      = "conflict"      // 409: name taken, job not in a state for that
	CodeTooLarge      = "too_large"     // 413: body over the limit
	CodeUnprocessable = "unprocessable" // 422: well-formed but unusable data
	CodeCancelled     = "cancelled"     // 499: the client went away
	CodeInternal      = "internal"      // 500
	CodeBadGateway    = "bad_gateway"   // 502: the Weaviate cluster refused or failed
	CodeUnavailable   = "unavailable"   // 503: shutting down, timed out, busy, Weaviate unreachable
	StatusClientGone  = 499             // nginx's "client closed request"
	maxErrorMessage   = 2000            // bytes of an error message sent back
	errorContentType  = "application/json"
	jsonContentType   = "application/json"
	binaryContentType = "application/octet-stream"
)

// apiError is an error with its HTTP status and code.
type apiError struct {
	status int
	code   string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func errorf(status int, code, format string, a ...any) error {
	return &apiError{status, code, fmt.Sprintf(format, a...)}
}

func badRequest(format string, a ...any) error {
	return errorf(http.StatusBadRequest, CodeBadRequest, format, a...)
}

// unprocessable marks an error about the data of a well-formed request
// (a file that does not parse, NaN values, k larger than the rows).
func unprocessable(err error) error {
	if err == nil {
		return nil
	}
	var ae *apiError
	var re *remoteError
	if errors.As(err, &ae) || errors.As(err, &re) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &apiError{http.StatusUnprocessableEntity, CodeUnprocessable, err.Error()}
}

// statusOf maps an error to its HTTP status and code.
func statusOf(err error) (int, string) {
	var ae *apiError
	var mb *http.MaxBytesError
	var re *remoteError
	switch {
	case errors.As(err, &ae):
		return ae.status, ae.code
	case errors.As(err, &re):
		return remoteStatus(re.err)
	case errors.As(err, &mb):
		return http.StatusRequestEntityTooLarge, CodeTooLarge
	case errors.Is(err, store.ErrNotFound):
		return http.StatusNotFound, CodeNotFound
	case errors.Is(err, store.ErrExists):
		return http.StatusConflict, CodeConflict
	case errors.Is(err, store.ErrInvalid):
		return http.StatusBadRequest, CodeBadRequest
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, errShutdown):
		return http.StatusServiceUnavailable, CodeUnavailable
	case errors.Is(err, context.Canceled):
		return StatusClientGone, CodeCancelled
	}
	return http.StatusInternalServerError, CodeInternal
}

var errShutdown = errors.New("the server is shutting down")

// envelope is the body of every error response.
type envelope struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, code := statusOf(err)
	var e envelope
	e.Error.Code = code
	e.Error.Message = err.Error()
	if status == http.StatusInternalServerError || status == http.StatusBadGateway {
		s.log.Error("request failed", slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	if status == http.StatusRequestEntityTooLarge {
		var mb *http.MaxBytesError
		if errors.As(err, &mb) {
			e.Error.Message = fmt.Sprintf("request body larger than %d bytes", mb.Limit)
		}
	}
	if len(e.Error.Message) > maxErrorMessage {
		e.Error.Message = e.Error.Message[:maxErrorMessage] + "…"
	}
	writeJSON(w, status, e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", jsonContentType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.Encode(v)
}
