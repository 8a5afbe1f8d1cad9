package harness

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"

	"google.golang.org/protobuf/types/known/structpb"
)

// HTTPUpstream forwards to a real HTTP server at base (e.g. a fakellm on
// 127.0.0.1) and streams its body back as it arrives, re-cut into chunks
// of the split sizes (cycled) when given. Compressed bodies are passed
// through untouched, as Envoy does.
func HTTPUpstream(base string, split ...int) Upstream {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	return func(ctx context.Context, f *Forwarded) (*UpstreamResponse, error) {
		req, err := http.NewRequestWithContext(ctx, f.Method, strings.TrimRight(base, "/")+f.Path, bytes.NewReader(f.Body))
		if err != nil {
			return nil, err
		}
		for k, vs := range f.Header {
			if strings.EqualFold(k, "Content-Length") || strings.EqualFold(k, "Host") {
				continue
			}
			for _, v := range vs {
				req.Header.Add(k, v)
			}
		}
		req.ContentLength = int64(len(f.Body))
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		go func() {
			<-ctx.Done()
			resp.Body.Close()
		}()
		return &UpstreamResponse{Status: resp.StatusCode, Header: resp.Header, Body: resp.Body, Split: split}, nil
	}
}

// StaticUpstream answers every request with the same response, its body
// cut into chunks of the given sizes (cycled) as if read from the network.
func StaticUpstream(status int, header http.Header, body []byte, split ...int) Upstream {
	return func(context.Context, *Forwarded) (*UpstreamResponse, error) {
		return &UpstreamResponse{Status: status, Header: header.Clone(), Body: bytes.NewReader(body), Split: split}, nil
	}
}

func sourceAttr(addr string) map[string]*structpb.Struct {
	return map[string]*structpb.Struct{"envoy.filters.http.ext_proc": {Fields: map[string]*structpb.Value{
		"source.address": structpb.NewStringValue(addr),
	}}}
}

// Proxy serves HTTP through the harness: each request plays one exchange
// against the ext_proc server and then up. It lets an ordinary HTTP client
// (an SDK, curl) stand where the LLM client stands. Protocol errors answer
// 599 with the error text, so a test notices.
func Proxy(h *Harness, up Upstream) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		hdr := r.Header.Clone()
		res, err := h.Do(r.Context(), Request{Method: r.Method, Path: r.URL.RequestURI(), Header: hdr, Body: body}, up)
		if err != nil {
			http.Error(w, err.Error(), 599)
			return
		}
		if res.Reset {
			// Mid-stream reset: end the connection without a clean end.
			panic(http.ErrAbortHandler)
		}
		for k, vs := range res.Header {
			if strings.EqualFold(k, "Content-Length") {
				continue
			}
			for _, v := range vs {
				w.Header().Add(k, v)
			}
		}
		w.WriteHeader(res.Status)
		for _, c := range res.Chunks {
			w.Write(c)
			if f, ok := w.(http.Flusher); ok {
				f.Flush()
			}
		}
	})
}
