package toolrisk

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// gitValued are git's global options that take a value as the next word.
var gitValued = map[string]bool{"-C": true, "-c": true, "--git-dir": true, "--work-tree": true, "--namespace": true, "--config-env": true, "--exec-path": true}

// gitSub splits a git command line into its subcommand (lowercased) and the
// words after it, skipping git's global options.
func gitSub(args []string) (string, []string) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		if gitValued[a] {
			i++
			continue
		}
		if strings.HasPrefix(a, "-") {
			continue
		}
		return strings.ToLower(a), args[i+1:]
	}
	return "", nil
}

// git judges git subcommands that destroy work that exists nowhere else:
// uncommitted changes, stashes, unmerged branches, and (with a force push)
// other people's commits on a shared branch.
func (k *checker) git(c *Command) {
	sub, rest := gitSub(c.Args)
	switch sub {
	case "push":
		k.gitPush(c, rest)
	case "reset":
		for _, a := range rest {
			switch strings.ToLower(a) {
			case "--hard":
				k.add(ruleGitDestructive, detect.SeverityMedium, "git reset --hard discards uncommitted changes", c)
				return
			case "--merge":
				k.add(ruleGitDestructive, detect.SeverityMedium, "git reset --merge can discard uncommitted changes", c)
				return
			}
		}
	case "checkout":
		if i := indexOf(rest, "--"); i >= 0 && i < len(rest)-1 {
			k.add(ruleGitDestructive, detect.SeverityMedium, "git checkout -- <paths> discards uncommitted changes", c)
			return
		}
		for _, a := range rest {
			if a == "." || a == "-f" || strings.EqualFold(a, "--force") {
				k.add(ruleGitDestructive, detect.SeverityMedium, "git checkout overwrites uncommitted changes", c)
				return
			}
		}
	case "switch":
		if hasFlag(rest, 'f', "--force", "--discard-changes") {
			k.add(ruleGitDestructive, detect.SeverityMedium, "git switch discards uncommitted changes", c)
		}
	case "restore":
		staged := hasFlag(rest, 'S', "--staged")
		worktree := hasFlag(rest, 'W', "--worktree")
		if (!staged || worktree) && len(positionals(rest)) > 0 {
			k.add(ruleGitDestructive, detect.SeverityMedium, "git restore discards uncommitted changes", c)
		}
	case "clean":
		force := hasFlag(rest, 'f', "--force")
		dry := hasFlag(rest, 'n', "--dry-run") || hasFlag(rest, 'i', "--interactive")
		if force && !dry {
			if hasFlag(rest, 'x') || hasFlag(rest, 'X') {
				k.add(ruleGitDestructive, detect.SeverityHigh, "git clean deletes untracked and ignored files (including local config and secrets)", c)
			} else {
				k.add(ruleGitDestructive, detect.SeverityMedium, "git clean deletes untracked files", c)
			}
		}
	case "stash":
		if len(rest) > 0 {
			switch strings.ToLower(rest[0]) {
			case "drop", "clear":
				k.add(ruleGitDestructive, detect.SeverityMedium, "git stash "+strings.ToLower(rest[0])+" deletes stashed work", c)
			}
		}
	case "branch":
		del := hasFlag(rest, 'D') || ((hasFlag(rest, 'd', "--delete")) && hasFlag(rest, 'f', "--force"))
		if del {
			s := detect.SeverityMedium
			for _, b := range positionals(rest) {
				if k.isProtected(b) {
					s = detect.SeverityHigh
				}
			}
			k.add(ruleGitDestructive, s, "git branch -D deletes a branch even if unmerged", c)
		}
	case "filter-branch", "filter-repo":
		k.add(ruleGitDestructive, detect.SeverityHigh, "rewrites repository history", c)
	case "reflog":
		if len(rest) > 0 && strings.EqualFold(rest[0], "expire") {
			for _, a := range rest {
				if strings.HasSuffix(strings.ToLower(a), "=now") || strings.HasSuffix(a, "=all") {
					k.add(ruleGitDestructive, detect.SeverityMedium, "expires the reflog, removing the way back to lost commits", c)
					return
				}
			}
		}
	case "gc":
		for _, a := range rest {
			if strings.EqualFold(a, "--prune=now") || strings.EqualFold(a, "--prune=all") {
				k.add(ruleGitDestructive, detect.SeverityMedium, "prunes unreachable commits immediately", c)
				return
			}
		}
	case "update-ref":
		if hasFlag(rest, 'd') {
			k.add(ruleGitDestructive, detect.SeverityMedium, "deletes a ref directly", c)
		}
	}
}

func (k *checker) gitPush(c *Command, rest []string) {
	force, mirror, del := false, false, false
	var refs []string
	pos := 0
	for _, a := range rest {
		la := strings.ToLower(a)
		switch {
		case la == "--force" || (strings.HasPrefix(la, "--force=") && !strings.HasSuffix(la, "=false")):
			force = true
		case la == "--force-with-lease" || strings.HasPrefix(la, "--force-with-lease="), la == "--force-if-includes":
			// Refuses to overwrite commits the pusher has not seen.
		case strings.HasPrefix(la, "--force"):
			force = true // an unknown --force variant: assume the worst
		case la == "--mirror":
			mirror = true
		case la == "--delete":
			del = true
		case len(a) > 1 && a[0] == '-' && a[1] != '-':
			if isLetters(a[1:]) && strings.IndexByte(a[1:], 'f') >= 0 {
				force = true
			}
			if isLetters(a[1:]) && strings.IndexByte(a[1:], 'd') >= 0 {
				del = true
			}
		case strings.HasPrefix(a, "-"):
		default:
			pos++
			if pos == 1 {
				continue // the remote
			}
			ref := a
			if strings.HasPrefix(ref, "+") {
				force = true
				ref = ref[1:]
			}
			if strings.HasPrefix(ref, ":") {
				del = true
			}
			if i := strings.LastIndexByte(ref, ':'); i >= 0 {
				ref = ref[i+1:]
			}
			refs = append(refs, ref)
		}
	}
	protected := false
	for _, r := range refs {
		if k.isProtected(r) {
			protected = true
		}
	}
	switch {
	case mirror:
		k.add(ruleGitForcePush, detect.SeverityHigh, "git push --mirror overwrites and deletes every remote ref", c)
	case force && protected:
		k.add(ruleGitForcePush, detect.SeverityHigh, "force push to a protected branch overwrites shared history", c)
	case force:
		k.add(ruleGitForcePush, detect.SeverityMedium, "force push overwrites remote history", c)
	case del && protected:
		k.add(ruleGitForcePush, detect.SeverityHigh, "deletes a protected branch on the remote", c)
	}
}

// isProtected reports whether a branch or ref name is protected.
func (k *checker) isProtected(ref string) bool {
	ref = strings.TrimPrefix(ref, "refs/heads/")
	ref = strings.ToLower(ref)
	for _, p := range k.protected {
		if globMatch(p, ref) {
			return true
		}
	}
	return false
}
