package extproc

import (
	"context"
	"fmt"
	"log/slog"
	"runtime/debug"
	"time"

	authv3 "github.com/envoyproxy/go-control-plane/envoy/service/auth/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/service/ext_proc/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/status"
)

// Keepalive settings compatible with Envoy. Envoy pings a gRPC cluster at
// its http2_protocol_options.connection_keepalive interval (the configs in
// envoy/ use 30 s); a server that enforces a longer minimum answers
// GOAWAY "too_many_pings" and drops every stream on the connection.
const (
	keepaliveMinPing = 10 * time.Second // Envoy may ping this often, even between streams
	keepalivePing    = time.Minute      // sluice pings an idle Envoy connection this often
	keepaliveTimeout = 20 * time.Second // and closes it when the ping is not answered
)

// NewGRPCServer returns a gRPC server with the ext_proc server, the
// ext_authz server (either may be nil) and grpc.health.v1.Health
// registered, message size limits that match cfg.MaxBodyBytes, keepalive
// that Envoy's pings satisfy, and interceptors that turn a panic in one
// call into an Internal error for that call alone. opts are appended (TLS
// credentials, stats handlers).
func NewGRPCServer(cfg Config, ext *Server, authz *Authz, opts ...grpc.ServerOption) *grpc.Server {
	log := cfg.logger()
	base := []grpc.ServerOption{
		grpc.MaxRecvMsgSize(cfg.MaxMessageBytes()),
		// A redacted body can be longer than the original (placeholders
		// name their detector), so sending allows twice the body limit.
		grpc.MaxSendMsgSize(2*cfg.MaxBodyBytes + grpcHeadroom),
		grpc.KeepaliveEnforcementPolicy(keepalive.EnforcementPolicy{MinTime: keepaliveMinPing, PermitWithoutStream: true}),
		grpc.KeepaliveParams(keepalive.ServerParameters{Time: keepalivePing, Timeout: keepaliveTimeout}),
		grpc.ChainUnaryInterceptor(recoverUnary(log)),
		grpc.ChainStreamInterceptor(recoverStream(log)),
	}
	gs := grpc.NewServer(append(base, opts...)...)
	var hs *health.Server
	if ext != nil {
		extprocv3.RegisterExternalProcessorServer(gs, ext)
		hs = ext.health
	}
	if authz != nil {
		authv3.RegisterAuthorizationServer(gs, authz)
		if hs == nil {
			hs = authz.health
		} else {
			authz.health = hs
		}
	}
	if hs == nil {
		hs = health.NewServer()
	}
	healthpb.RegisterHealthServer(gs, hs)
	return gs
}

// Shutdown stops gs gracefully: new streams are refused and running ones
// (a long generation can stream for minutes) may finish until ctx is done;
// then the rest are cut. Set the health status to not serving first so
// Envoy stops sending new streams.
func Shutdown(ctx context.Context, gs *grpc.Server) {
	done := make(chan struct{})
	go func() {
		gs.GracefulStop()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
		gs.Stop()
		<-done
	}
}

func recoverUnary(log *slog.Logger) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (resp any, err error) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("extproc: panic in gRPC call", "method", info.FullMethod, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				resp, err = nil, status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(ctx, req)
	}
}

func recoverStream(log *slog.Logger) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) (err error) {
		defer func() {
			if r := recover(); r != nil {
				log.Error("extproc: panic in gRPC stream", "method", info.FullMethod, "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
				err = status.Error(codes.Internal, "internal error")
			}
		}()
		return handler(srv, ss)
	}
}
