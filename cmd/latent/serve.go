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
	"github.com/latentlab/latent/weaviate"
)

func init() { register(newServeCmd) }

// defaultWorkspace is the workspace folder of serve and import.
const defaultWorkspace = "./latent-workspace"

func newServeCmd(a *app) *cobra.Command {
	var workspace, addr, token, devUI, cors, remote string
	var maxUpload int64
	cmd := &cobra.Command{
		Use:   "serve [--workspace DIR] [--store weaviate://HOST:PORT] [--addr 127.0.0.1:8080] [--token T]",
		Short: "Serve the web explorer and the JSON API over a workspace",
		Long: `serve opens the workspace (created if missing) and serves the web explorer
at http://ADDR/ and the JSON API under /api (described at /api/openapi).

It listens on 127.0.0.1 by default. Another address is refused unless
--token (or the LATENT_TOKEN environment variable) sets a bearer token,
which every API call must then send; open the explorer as
http://ADDR/#token=T. --cors ORIGIN lets pages of that one origin call the
API; without it no cross-origin call is allowed.

Add data with "latent import FILE --workspace DIR" or by uploading in the
explorer. With --store weaviate://HOST:PORT[,HOST:PORT...] the collections of
that Weaviate cluster ("latent push") are served too, beside the workspace's
datasets: opened in the explorer and the API as they are, their neighbours
asked of Weaviate's vector index; their projections, bookmarks and jobs are
kept in the workspace. The API key, if the cluster wants one, is read from
$WEAVIATE_API_KEY. The server never changes or drops a collection.

--dev-ui serves the explorer's files from a folder (for editing
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
			var wcfg weaviate.Config
			if remote != "" {
				var err error
				if wcfg, err = storeConfig(remote); err != nil {
					return err
				}
			}
			st, err := store.Open(workspace)
			if err != nil {
				return err
			}
			defer st.Close()
			cfg := server.Config{Store: st, Token: token, CORSOrigin: cors, DevUI: devUI, MaxUpload: maxUpload}
			served := st.Dir()
			if remote != "" {
				c, err := weaviate.Dial(cmd.Context(), wcfg)
				if err != nil {
					return err
				}
				defer c.Close()
				cfg.Remote = c
				served += " and " + c.Config().String()
			}
			level := slog.LevelInfo
			if a.quiet {
				level = slog.LevelError
			}
			logger := slog.New(slog.NewTextHandler(a.stderr, &slog.HandlerOptions{Level: level}))
			cfg.Logger = logger
			srv, err := server.New(cfg)
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
			fmt.Fprintf(a.stdout, "latent: serving %s on http://%s/\n", served, ln.Addr())
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
	fs.StringVar(&remote, "store", "", "also serve the collections of this Weaviate cluster, weaviate://HOST:PORT[,HOST:PORT...] (key from $WEAVIATE_API_KEY)")
	fs.StringVar(&addr, "addr", "127.0.0.1:8080", "address to listen on (non-loopback needs --token)")
	fs.StringVar(&token, "token", "", "bearer token required on every API call (default $LATENT_TOKEN)")
	fs.StringVar(&devUI, "dev-ui", "", "serve the explorer's files from this folder, e.g. server/ui/static (development)")
	fs.StringVar(&cors, "cors", "", "allow API calls from pages of this origin, e.g. https://example.org")
	fs.Int64Var(&maxUpload, "max-upload", server.DefaultMaxUpload, "largest uploaded file in bytes")
	return cmd
}
