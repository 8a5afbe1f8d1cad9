package envoy

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	bootstrapv3 "github.com/envoyproxy/go-control-plane/envoy/config/bootstrap/v3"
	clusterv3 "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	routev3 "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	extauthzv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_authz/v3"
	extprocv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/ext_proc/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	upstreamhttpv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/anypb"
	"gopkg.in/yaml.v3"

	// Extensions the configurations use: importing them registers their
	// types, so protojson can resolve every "@type" and unpack it.
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/file/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/access_loggers/stream/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/http/router/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/formatter/req_without_query/v3"
	_ "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
)

// Filter and extension names as Envoy registers them.
const (
	extProcName   = "envoy.filters.http.ext_proc"
	extAuthzName  = "envoy.filters.http.ext_authz"
	routerName    = "envoy.filters.http.router"
	httpOptsKey   = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"
	sluiceNS      = "sluice"
	sluiceMaxBody = 8 << 20 // sluice's default max_body_bytes
)

// loadBootstrap parses an Envoy YAML bootstrap the way Envoy does: YAML to
// JSON, then proto JSON into the Bootstrap message, unknown fields refused.
func loadBootstrap(data []byte) (*bootstrapv3.Bootstrap, error) {
	var doc any
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("yaml: %w", err)
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("yaml to json: %w", err)
	}
	b := &bootstrapv3.Bootstrap{}
	if err := (protojson.UnmarshalOptions{}).Unmarshal(js, b); err != nil {
		return nil, fmt.Errorf("bootstrap: %w", err)
	}
	return b, nil
}

type validator interface{ ValidateAll() error }

// validateDeep runs the generated validators on m and on the content of
// every Any below it, which the generated code does not descend into.
func validateDeep(m proto.Message, path string) []error {
	var errs []error
	if v, ok := m.(validator); ok {
		if err := v.ValidateAll(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", path, err))
		}
	}
	walkAnys(m.ProtoReflect(), path, func(p string, inner proto.Message) {
		errs = append(errs, validateDeep(inner, p)...)
	}, &errs)
	return errs
}

// walkAnys calls fn with the unpacked content of every Any directly below m
// (not below those: fn recurses itself).
func walkAnys(m protoreflect.Message, path string, fn func(string, proto.Message), errs *[]error) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		if fd.Kind() != protoreflect.MessageKind && fd.Kind() != protoreflect.GroupKind {
			return true
		}
		p := path + "." + string(fd.Name())
		visit := func(p string, mv protoreflect.Message) {
			if a, ok := mv.Interface().(*anypb.Any); ok {
				inner, err := a.UnmarshalNew()
				if err != nil {
					*errs = append(*errs, fmt.Errorf("%s: unpack %s: %w", p, a.GetTypeUrl(), err))
					return
				}
				fn(p+"<"+string(inner.ProtoReflect().Descriptor().FullName())+">", inner)
				return
			}
			walkAnys(mv, p, fn, errs)
		}
		switch {
		case fd.IsList():
			l := v.List()
			for i := 0; i < l.Len(); i++ {
				visit(fmt.Sprintf("%s[%d]", p, i), l.Get(i).Message())
			}
		case fd.IsMap():
			if fd.MapValue().Kind() != protoreflect.MessageKind {
				return true
			}
			v.Map().Range(func(k protoreflect.MapKey, mv protoreflect.Value) bool {
				visit(fmt.Sprintf("%s[%s]", p, k.String()), mv.Message())
				return true
			})
		default:
			visit(p, v.Message())
		}
		return true
	})
}

// checkBootstrap returns every problem found in the configuration: the
// generated validators' verdicts, then what Envoy rejects at load time,
// then what sluice needs from the filters that talk to it.
func checkBootstrap(data []byte) []error {
	b, err := loadBootstrap(data)
	if err != nil {
		return []error{err}
	}
	errs := validateDeep(b, "bootstrap")
	c := &checker{clusters: map[string]*clusterv3.Cluster{}}
	for _, cl := range b.GetStaticResources().GetClusters() {
		if _, dup := c.clusters[cl.GetName()]; dup {
			c.errorf("cluster %q: defined twice", cl.GetName())
		}
		c.clusters[cl.GetName()] = cl
	}
	for _, cl := range b.GetStaticResources().GetClusters() {
		c.cluster(cl)
	}
	for _, l := range b.GetStaticResources().GetListeners() {
		for _, fc := range l.GetFilterChains() {
			for _, f := range fc.GetFilters() {
				hcm := &hcmv3.HttpConnectionManager{}
				if f.GetTypedConfig().MessageIs(hcm) {
					if err := f.GetTypedConfig().UnmarshalTo(hcm); err != nil {
						c.errorf("listener %q: %v", l.GetName(), err)
						continue
					}
					c.hcm("listener "+l.GetName(), hcm)
				}
			}
		}
	}
	return append(errs, c.errs...)
}

type checker struct {
	clusters map[string]*clusterv3.Cluster
	errs     []error
}

func (c *checker) errorf(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf(format, args...))
}

// cluster checks an upstream: TLS to port 443 must name the server (SNI),
// or the provider's front end refuses the handshake or serves the wrong
// certificate.
func (c *checker) cluster(cl *clusterv3.Cluster) {
	for _, ep := range cl.GetLoadAssignment().GetEndpoints() {
		for _, lb := range ep.GetLbEndpoints() {
			sa := lb.GetEndpoint().GetAddress().GetSocketAddress()
			if sa.GetPortValue() != 443 {
				continue
			}
			ts := cl.GetTransportSocket()
			if ts == nil {
				c.errorf("cluster %q: port 443 without a TLS transport_socket", cl.GetName())
				continue
			}
			var probe struct {
				SNI string `json:"sni"`
			}
			js, _ := protojson.Marshal(mustUnpack(ts.GetTypedConfig()))
			_ = json.Unmarshal(js, &probe)
			if probe.SNI == "" {
				c.errorf("cluster %q: TLS to %s without sni", cl.GetName(), sa.GetAddress())
			}
		}
	}
}

func mustUnpack(a *anypb.Any) proto.Message {
	if a == nil {
		return &anypb.Any{}
	}
	m, err := a.UnmarshalNew()
	if err != nil {
		return &anypb.Any{}
	}
	return m
}

// grpcCluster checks the cluster a gRPC service points at: it must exist
// (Envoy refuses the filter otherwise) and speak HTTP/2 (gRPC fails on
// every call otherwise).
func (c *checker) grpcCluster(where string, gs *corev3.GrpcService) {
	eg := gs.GetEnvoyGrpc()
	if eg == nil {
		if gs.GetGoogleGrpc() == nil {
			c.errorf("%s: grpc_service has neither envoy_grpc nor google_grpc", where)
		}
		return
	}
	cl, ok := c.clusters[eg.GetClusterName()]
	if !ok {
		c.errorf("%s: grpc_service names unknown cluster %q", where, eg.GetClusterName())
		return
	}
	if !http2(cl) {
		c.errorf("%s: cluster %q carries gRPC but is not configured for HTTP/2", where, cl.GetName())
	}
}

func http2(cl *clusterv3.Cluster) bool {
	//lint:ignore SA1019 Envoy still honours the deprecated field, so it counts
	if cl.GetHttp2ProtocolOptions() != nil {
		return true
	}
	a, ok := cl.GetTypedExtensionProtocolOptions()[httpOptsKey]
	if !ok {
		return false
	}
	opts := &upstreamhttpv3.HttpProtocolOptions{}
	if a.UnmarshalTo(opts) != nil {
		return false
	}
	return opts.GetExplicitHttpConfig().GetHttp2ProtocolOptions() != nil
}

// hcm checks one HTTP connection manager: its filter chain, its routes and
// the filters that talk to sluice.
func (c *checker) hcm(where string, hcm *hcmv3.HttpConnectionManager) {
	filters := hcm.GetHttpFilters()
	names := map[string]proto.Message{}
	for i, f := range filters {
		if _, dup := names[f.GetName()]; dup {
			c.errorf("%s: http filter %q appears twice", where, f.GetName())
		}
		inner := mustUnpack(f.GetTypedConfig())
		names[f.GetName()] = inner
		last := i == len(filters)-1
		isRouter := f.GetName() == routerName || strings.HasSuffix(f.GetTypedConfig().GetTypeUrl(), ".router.v3.Router")
		switch {
		case isRouter && !last:
			c.errorf("%s: the router filter must be the last http filter", where)
		case last && !isRouter:
			c.errorf("%s: the last http filter must be the router (terminal) filter, not %q", where, f.GetName())
		}
		switch cfg := inner.(type) {
		case *extprocv3.ExternalProcessor:
			c.extProc(where+": "+f.GetName(), cfg)
		case *extauthzv3.ExtAuthz:
			c.extAuthz(where+": "+f.GetName(), cfg)
		}
	}
	if len(filters) == 0 {
		c.errorf("%s: no http filters (the router is required)", where)
	}

	var extProc *extprocv3.ExternalProcessor
	for _, m := range names {
		if ep, ok := m.(*extprocv3.ExternalProcessor); ok {
			extProc = ep
		}
	}
	for i, al := range hcm.GetAccessLog() {
		js, _ := protojson.Marshal(mustUnpack(al.GetTypedConfig()))
		if strings.Contains(string(js), "DYNAMIC_METADATA("+sluiceNS+":") {
			if extProc == nil || !slices.Contains(extProc.GetMetadataOptions().GetReceivingNamespaces().GetUntyped(), sluiceNS) {
				c.errorf("%s: access_log[%d] reads the %q metadata namespace, but no ext_proc filter accepts it (metadata_options.receiving_namespaces.untyped)", where, i, sluiceNS)
			}
		}
	}

	rc := hcm.GetRouteConfig()
	if rc == nil {
		if hcm.GetRds() == nil {
			c.errorf("%s: neither route_config nor rds", where)
		}
		return
	}
	for _, vh := range rc.GetVirtualHosts() {
		c.perFilterConfig(where+": virtual host "+vh.GetName(), vh.GetTypedPerFilterConfig(), names)
		for i, r := range vh.GetRoutes() {
			rw := fmt.Sprintf("%s: virtual host %s: route[%d]", where, vh.GetName(), i)
			c.route(rw, r, names)
		}
	}
}

func (c *checker) route(where string, r *routev3.Route, filters map[string]proto.Message) {
	c.perFilterConfig(where, r.GetTypedPerFilterConfig(), filters)
	ra := r.GetRoute()
	if ra == nil {
		return
	}
	var targets []string
	if n := ra.GetCluster(); n != "" {
		targets = append(targets, n)
	}
	for _, wc := range ra.GetWeightedClusters().GetClusters() {
		targets = append(targets, wc.GetName())
		c.perFilterConfig(where+": weighted cluster "+wc.GetName(), wc.GetTypedPerFilterConfig(), filters)
	}
	for _, n := range targets {
		if _, ok := c.clusters[n]; !ok {
			c.errorf("%s: routes to unknown cluster %q", where, n)
		}
	}
	// A generation can run for minutes; Envoy's default route timeout
	// (15 s) would cut it mid-stream. Routes to LLM upstreams say 0s.
	if ra.GetTimeout() == nil || ra.GetTimeout().AsDuration() != 0 {
		c.errorf("%s: route timeout must be 0s (disabled) for LLM upstreams, got %v", where, ra.GetTimeout().AsDuration())
	}
}

// perFilterConfig checks per-route filter configuration: it must belong to
// a filter of the chain, and an ext_proc override must itself be a mode
// Envoy accepts.
func (c *checker) perFilterConfig(where string, cfgs map[string]*anypb.Any, filters map[string]proto.Message) {
	for name, a := range cfgs {
		f, ok := filters[name]
		if !ok {
			c.errorf("%s: typed_per_filter_config for %q, which is not in the filter chain", where, name)
			continue
		}
		pr := &extprocv3.ExtProcPerRoute{}
		if !a.MessageIs(pr) {
			continue
		}
		base, ok := f.(*extprocv3.ExternalProcessor)
		if !ok {
			c.errorf("%s: ExtProcPerRoute given to %q, which is not an ext_proc filter", where, name)
			continue
		}
		if err := a.UnmarshalTo(pr); err != nil {
			c.errorf("%s: %v", where, err)
			continue
		}
		o := pr.GetOverrides()
		if o == nil {
			continue
		}
		eff := proto.Clone(base).(*extprocv3.ExternalProcessor)
		if o.GetProcessingMode() != nil {
			eff.ProcessingMode = o.GetProcessingMode()
		}
		if o.GetFailureModeAllow() != nil {
			eff.FailureModeAllow = o.GetFailureModeAllow().GetValue()
		}
		if o.GetGrpcService() != nil {
			eff.GrpcService = o.GetGrpcService()
			c.grpcCluster(where, o.GetGrpcService())
		}
		for _, err := range extProcModeErrors(eff) {
			c.errorf("%s: ext_proc override: %v", where, err)
		}
	}
}

// extProcModeErrors reports the processing-mode combinations Envoy refuses
// when it builds an ext_proc filter (or a route override of one).
func extProcModeErrors(cfg *extprocv3.ExternalProcessor) []error {
	var errs []error
	pm := cfg.GetProcessingMode()
	const fd = extprocv3.ProcessingMode_FULL_DUPLEX_STREAMED
	if cfg.GetHttpService() != nil {
		if pm.GetRequestBodyMode() != extprocv3.ProcessingMode_NONE || pm.GetResponseBodyMode() != extprocv3.ProcessingMode_NONE ||
			pm.GetRequestTrailerMode() == extprocv3.ProcessingMode_SEND || pm.GetResponseTrailerMode() == extprocv3.ProcessingMode_SEND {
			errs = append(errs, errors.New("with http_service the processing mode cannot send bodies or trailers"))
		}
	}
	if pm.GetRequestBodyMode() == fd && pm.GetRequestTrailerMode() != extprocv3.ProcessingMode_SEND {
		errs = append(errs, errors.New("request_body_mode FULL_DUPLEX_STREAMED requires request_trailer_mode SEND"))
	}
	if pm.GetResponseBodyMode() == fd && pm.GetResponseTrailerMode() != extprocv3.ProcessingMode_SEND {
		errs = append(errs, errors.New("response_body_mode FULL_DUPLEX_STREAMED requires response_trailer_mode SEND"))
	}
	if (pm.GetRequestBodyMode() == fd || pm.GetResponseBodyMode() == fd) && cfg.GetFailureModeAllow() {
		errs = append(errs, errors.New("FULL_DUPLEX_STREAMED body modes require failure_mode_allow false"))
	}
	return errs
}

func (c *checker) extProc(where string, cfg *extprocv3.ExternalProcessor) {
	if (cfg.GetGrpcService() != nil) == (cfg.GetHttpService() != nil) {
		c.errorf("%s: exactly one of grpc_service or http_service must be configured", where)
	}
	if cfg.GetDisableClearRouteCache() && cfg.GetRouteCacheAction() != extprocv3.ExternalProcessor_DEFAULT {
		c.errorf("%s: disable_clear_route_cache and route_cache_action cannot both be set", where)
	}
	for _, err := range extProcModeErrors(cfg) {
		c.errorf("%s: %v", where, err)
	}
	if cfg.GetGrpcService() != nil {
		c.grpcCluster(where, cfg.GetGrpcService())
		if n := cfg.GetGrpcService().GetEnvoyGrpc().GetMaxReceiveMessageLength(); n != nil && n.GetValue() != 0 && n.GetValue() < sluiceMaxBody {
			c.errorf("%s: max_receive_message_length %d is below sluice's body limit: redacted bodies would be refused", where, n.GetValue())
		}
	}
	pm := cfg.GetProcessingMode()
	if pm.GetRequestBodyMode() == extprocv3.ProcessingMode_NONE {
		c.errorf("%s: request_body_mode NONE: sluice never sees the prompt", where)
	}
	// sluice streams responses by answering the response headers with
	// mode_override; Envoy ignores it unless these hold.
	if cfg.GetAllowModeOverride() {
		if cfg.GetSendBodyWithoutWaitingForHeaderResponse() {
			c.errorf("%s: allow_mode_override is ignored with send_body_without_waiting_for_header_response", where)
		}
		if allowed := cfg.GetAllowedOverrideModes(); len(allowed) > 0 {
			want := &extprocv3.ProcessingMode{RequestBodyMode: pm.GetRequestBodyMode(), ResponseBodyMode: extprocv3.ProcessingMode_STREAMED}
			if !slices.ContainsFunc(allowed, func(m *extprocv3.ProcessingMode) bool {
				m = proto.Clone(m).(*extprocv3.ProcessingMode)
				m.RequestHeaderMode = extprocv3.ProcessingMode_DEFAULT // Envoy ignores it in the comparison
				return proto.Equal(m, want)
			}) {
				c.errorf("%s: allowed_override_modes does not allow the streaming override sluice sends (request_body_mode %v, response_body_mode STREAMED)", where, pm.GetRequestBodyMode())
			}
		}
	}
}

func (c *checker) extAuthz(where string, cfg *extauthzv3.ExtAuthz) {
	if (cfg.GetGrpcService() != nil) == (cfg.GetHttpService() != nil) {
		c.errorf("%s: exactly one of grpc_service or http_service must be configured", where)
	}
	if cfg.GetGrpcService() != nil {
		c.grpcCluster(where, cfg.GetGrpcService())
	}
	if cfg.GetWithRequestBody() == nil {
		c.errorf("%s: with_request_body is required: sluice judges the prompt, not the headers", where)
	} else if cfg.GetWithRequestBody().GetAllowPartialMessage() {
		c.errorf("%s: allow_partial_message sends truncated prompts that cannot be judged; leave it false", where)
	}
}
