package server

import (
	"encoding/json"
	"net/http"
)

// bookmarkRequest saves a view of the explorer.
type bookmarkRequest struct {
	Name  string          `json:"name"`
	State json.RawMessage `json:"state"`
}

func (s *Server) addBookmark(w http.ResponseWriter, r *http.Request) error {
	var req bookmarkRequest
	if err := s.decodeJSON(w, r, &req); err != nil {
		return err
	}
	info, err := s.resolve(r.Context(), r.PathValue("id"))
	if err != nil {
		return err
	}
	b, err := s.st.AddBookmark(r.Context(), info.ID, req.Name, req.State)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, b)
	return nil
}
