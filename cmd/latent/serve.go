package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/latentlab/latent/server"
	"github.com/latentlab/latent/store"
)

func init() { register(newServeCmd) }

// defaultWorkspace is the workspace folder of serve and import.
const defaultWorkspace = "./latent-workspace"

func newServeCmd(a *app) *cobra.Command {
	var workspace, addr, token, devUI, cors string
	var maxUpload int64
	cmd := &cobra.Command{
		Use:   "serve [--workspace DIR] [--addr 127.0.0.1:8080] [--token T]",
		Short: "Serve the web explorer and the JSON API over a workspace",
		Long: `serve opens the workspace (created if missing) and serves the web explorer
at http://ADDR/ and the JSON API under /api (described at /api/openapi).

It listens on 127.0.0.1 by default. Another address is refused unless
--token (or the LATENT_TOKEN environment variable) sets a bearer token,
which every API call must then send; open the explorer as
http://ADDR/#token=T. --cors ORIGIN lets pages of that one origin call the
API; without it no cross-origin call is allowed.

Add data with "latent import FILE --workspace DIR" or by uploading in the
explorer. --dev-ui serves the explorer's files from a folder (for editing
server/ui/static) instead of the copy built into the binary.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if token == "" {
				token = os.Getenv("LATENT_TOKEN")
			}
			if err := server.CheckAddr(addr, token); err != nil {
				return usagef("%v", err)
			}
			if maxUpload <= 0 {
				return usagef("--max-upload must be positive")
			}
			st, err := store.Open(workspace)
			if err != nil {
				return err
			}
			defer st.Close()
			level := slog.LevelInfo
			if a.quiet {
				level = slog.LevelError
			}
			logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
			srv, err := server.New(server.Config{Store: st, Token: token, CORSOrigin: cors, DevUI: devUI,
				MaxUpload: maxUpload, Logger: logger})
			if err != nil {
				return err
			}
			defer srv.Close()
			ln, err := net.Listen("tcp", addr)
			if err != nil {
				return err
			}
			hs := server.NewHTTPServer(addr, srv.Handler())
			hs.ErrorLog = slog.NewLogLogger(logger.Handler(), slog.LevelWarn)
			fmt.Fprintf(a.stdout, "latent: serving %s on http://%s/\n", st.Dir(), ln.Addr())
			done := make(chan error, 1)
			go func() { done <- hs.Serve(ln) }()
			select {
			case err := <-done:
				return err
			case <-cmd.Context().Done():
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			srv.Close() // cancels jobs and event streams' work
			if err := hs.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				hs.Close()
			}
			return nil
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&workspace, "workspace", defaultWorkspace, "workspace folder (created if missing)")
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (non-loopback needs --token)")
	fs.StringVar(&token, "token", "", "bearer token required on every API call (default $LATENT_TOKEN)")
	fs.StringVar(&devUI, "dev-ui", "", "serve the explorer's files from this folder, e.g. server/ui/static (development)")
	fs.StringVar(&cors, "cors", "", "allow API calls from pages of this origin, e.g. https://example.org")
	fs.Int64Var(&maxUpload, "max-upload", server.DefaultMaxUpload, "largest uploaded file in bytes")
	return cmd
}
