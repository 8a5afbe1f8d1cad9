// Package testenv is sluice's test environment for the Envoy door.
//
//   - fakellm: a scripted fake LLM provider (OpenAI, Anthropic, Gemini,
//     Bedrock; JSON, SSE, Gemini's JSON array, Bedrock's event stream;
//     compressed or not), also runnable as a program (cmd/fakellm);
//   - harness: an ext_proc client that drives a real gRPC connection the way
//     Envoy does and checks the replies the way Envoy would;
//   - the end-to-end tests of this package: an HTTP client, the harness
//     standing where Envoy stands, sluice with its default policy enforced
//     and every detector, and the fake provider, all on 127.0.0.1;
//   - docker-compose.yaml with a real Envoy, sluice and the fake provider,
//     and the same cases run through it by the tests behind the
//     `integration` build tag (go test -tags integration ./testenv/), which
//     skip where Docker is not available.
package testenv
