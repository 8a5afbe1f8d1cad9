// Package toolrisk finds risky tool calls: the shell command, code or SQL a
// model asks a tool to run, judged by what running it would do.
//
// A call's arguments are searched for the payload a tool executes (a
// "command" string, an argv array as OpenAI's local_shell sends, a "code"
// cell, a "query"), and shell payloads are parsed with a real shell parser
// (mvdan.cc/sh/v3/syntax). Every simple command is reached through
// pipelines, lists, subshells, command substitutions, heredocs fed to shells,
// and wrappers that run another command (sudo, env, xargs, bash -c, eval,
// find -exec, ssh, python -c ...), so that `grep -r 'rm -rf' docs/` stays
// data while `echo ok; \rm -rf ~` is execution. Rules then judge the
// resolved commands by the damage they would do: destroying files, disks,
// repositories, cloud resources or databases, running downloaded code,
// opening reverse shells, escalating privileges, reading credentials or
// covering tracks.
//
// Words in a tool's description or in prose are never judged here: only tool
// calls, whether a response asks for them or earlier assistant turns in the
// request history carry them.
//
// The package also exports its shell model (ParseShell, Command) and payload
// extraction (Payloads) so that the exfil family judges the same commands
// without parsing them twice in a different way.
package toolrisk
