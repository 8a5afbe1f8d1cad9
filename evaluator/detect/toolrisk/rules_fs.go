package toolrisk

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// Rule ids of the filesystem and disk family.
const (
	ruleDestructiveRm   = "destructive_rm"
	ruleDiskWipe        = "disk_wipe"
	rulePermission      = "permission_change"
	rulePrivEsc         = "privilege_escalation"
	rulePersistence     = "persistence"
	ruleHistoryTamper   = "history_tampering"
	ruleCredentialRead  = "credential_access"
	ruleReverseShell    = "reverse_shell"
	ruleDownloadExec    = "download_exec"
	ruleObfuscated      = "obfuscated_command"
	ruleForkBomb        = "fork_bomb"
	ruleGitForcePush    = "git_force_push"
	ruleGitDestructive  = "git_destructive"
	ruleCloudDestroy    = "cloud_destroy"
	ruleClusterDestroy  = "cluster_destroy"
	ruleServiceDestroy  = "service_destroy"
	ruleHTTPDelete      = "http_delete"
	ruleSyncDelete      = "sync_delete"
	ruleDatabaseDestroy = "database_destroy"
	ruleSQLDestructive  = "sql_destructive"
	ruleSQLPrivilege    = "sql_privilege"
	ruleSQLSystem       = "sql_system_access"
	ruleSQLInjection    = "sql_injection"
	ruleCodeInjection   = "code_injection"
	ruleShellInjection  = "shell_injection"
	ruleDefenseEvasion  = "defense_evasion"
	ruleDangerousTool   = "dangerous_tool_call"
)

// rm judges rm (and unlink, srm) by what its operands are.
func (k *checker) rm(c *Command) {
	switch c.Name {
	case "rmdir", "trash", "trash-put":
		return // only empty directories, or recoverable
	}
	recursive := hasFlag(c.Args, 'r', "--recursive") || hasFlag(c.Args, 'R')
	force := hasFlag(c.Args, 'f', "--force")
	if hasFlag(c.Args, 0, "--no-preserve-root") {
		k.add(ruleDestructiveRm, detect.SeverityCritical, "recursive delete with root protection disabled", c)
		return
	}
	ops := operands(c.Args)
	if len(ops) == 0 {
		if recursive && force && c.Via == "xargs" {
			k.add(ruleDestructiveRm, detect.SeverityMedium, "recursive forced delete of paths read from input", c)
		}
		return
	}
	worst := pathNone
	for _, op := range ops {
		if cl := classifyPath(op); cl > worst {
			worst = cl
		}
	}
	var s detect.Severity
	ok := true
	switch {
	case recursive:
		switch worst {
		case pathRoot, pathSystem, pathHome:
			s = detect.SeverityCritical
		case pathProject, pathSystemSub, pathHomeSub:
			s = detect.SeverityHigh
		case pathDynamic, pathOther:
			s = detect.SeverityMedium
			ok = force || c.Synthetic
		case pathBuild:
			s = detect.SeverityLow
			ok = force || c.Synthetic
		case pathTemp:
			// Deleting in a temporary directory is housekeeping; a code
			// one-liner doing it is still worth a look.
			s, ok = detect.SeverityLow, c.Synthetic
		default:
			ok = false
		}
	default:
		switch worst {
		case pathRoot, pathSystem, pathSystemSub:
			s = detect.SeverityHigh
		case pathHome:
			s = detect.SeverityMedium
		case pathProject:
			s = detect.SeverityMedium
			ok = hasGlobOperand(ops)
		default:
			ok = false
		}
	}
	if !ok {
		return
	}
	kind := "delete of "
	if recursive {
		kind = "recursive delete of "
		if force {
			kind = "recursive forced delete of "
		}
	}
	if c.Synthetic {
		kind = "code-level " + kind
	}
	k.add(ruleDestructiveRm, s, kind+"the "+worst.String(), c)
}

func hasGlobOperand(ops []string) bool {
	for _, o := range ops {
		if o == "*" || o == ".*" || o == "./*" {
			return true
		}
	}
	return false
}

func (k *checker) shred(c *Command) {
	for _, op := range operands(c.Args) {
		switch {
		case blockDevice(op):
			k.add(ruleDiskWipe, detect.SeverityCritical, "overwrites a disk device", c)
			return
		case historyFile(op):
			k.add(ruleHistoryTamper, detect.SeverityHigh, "destroys a shell history file", c)
			return
		case classifyPath(op) >= pathSystemSub:
			k.add(ruleDestructiveRm, detect.SeverityHigh, "overwrites and deletes system or home files", c)
			return
		}
	}
}

// findFilters are find predicates that narrow what -delete or -exec acts
// on.
var findFilters = map[string]bool{
	"-name": true, "-iname": true, "-path": true, "-ipath": true, "-regex": true, "-iregex": true, "-type": true,
	"-mtime": true, "-mmin": true, "-atime": true, "-amin": true, "-ctime": true, "-cmin": true, "-newer": true,
	"-size": true, "-user": true, "-group": true, "-empty": true, "-perm": true, "-wholename": true, "-links": true,
	"-maxdepth": true, "-samefile": true, "-inum": true,
}

func findFiltered(args []string) bool {
	for _, a := range args {
		if findFilters[a] {
			return true
		}
	}
	return false
}

func (k *checker) find(c *Command) {
	if !hasArg(c.Args, "-delete") {
		return
	}
	root := "."
	if len(c.Args) > 0 && !strings.HasPrefix(c.Args[0], "-") {
		root = c.Args[0]
	}
	cl := classifyPath(root)
	if findFiltered(c.Args) {
		if cl == pathRoot || cl == pathSystem || cl == pathSystemSub || cl == pathHome {
			k.add(ruleDestructiveRm, detect.SeverityMedium, "bulk delete of matching files under the "+cl.String(), c)
		}
		return
	}
	switch {
	case cl >= pathHome:
		k.add(ruleDestructiveRm, detect.SeverityCritical, "deletes everything under the "+cl.String(), c)
	case cl >= pathHomeSub:
		k.add(ruleDestructiveRm, detect.SeverityHigh, "deletes everything under the "+cl.String(), c)
	case cl == pathOther || cl == pathDynamic:
		k.add(ruleDestructiveRm, detect.SeverityMedium, "deletes everything under a directory", c)
	}
}

func (k *checker) mv(c *Command) {
	ops := operands(c.Args)
	if len(ops) < 2 || ops[len(ops)-1] != "/dev/null" {
		return
	}
	worst := pathNone
	for _, op := range ops[:len(ops)-1] {
		if cl := classifyPath(op); cl > worst {
			worst = cl
		}
	}
	if worst >= pathOther {
		s := detect.SeverityMedium
		if worst >= pathHomeSub {
			s = detect.SeverityHigh
		}
		k.add(ruleDestructiveRm, s, "moves the "+worst.String()+" to /dev/null", c)
	}
}

func (k *checker) dd(c *Command) {
	for _, a := range c.Args {
		if strings.HasPrefix(a, "of=") && blockDevice(a[3:]) {
			k.add(ruleDiskWipe, detect.SeverityCritical, "writes raw data over a disk device", c)
			return
		}
	}
}

func (k *checker) truncate(c *Command) {
	for _, op := range operands(c.Args) {
		p, _ := normPath(op)
		switch {
		case historyFile(op):
			k.add(ruleHistoryTamper, detect.SeverityHigh, "empties a shell history file", c)
			return
		case strings.HasPrefix(p, "/var/log/"):
			k.add(ruleHistoryTamper, detect.SeverityMedium, "empties system log files", c)
			return
		case classifyPath(op) >= pathSystemSub:
			k.add(ruleDestructiveRm, detect.SeverityHigh, "truncates system files", c)
			return
		}
	}
}

// diskTools format, partition or erase block devices.
var diskTools = map[string]bool{
	"wipefs": true, "blkdiscard": true, "sgdisk": true, "parted": true, "sfdisk": true, "fdisk": true, "gdisk": true,
	"hdparm": true, "diskutil": true, "format": true, "cryptsetup": true, "lvremove": true, "vgremove": true,
	"pvremove": true, "zpool": true, "zfs": true, "mdadm": true, "mke2fs": true, "mkswap": true, "newfs": true,
	"badblocks": true, "nvme": true,
}

func (k *checker) disk(c *Command) {
	args := c.Args
	lower := make([]string, len(args))
	for i, a := range args {
		lower[i] = strings.ToLower(a)
	}
	hasDev := false
	for _, a := range args {
		if blockDevice(a) {
			hasDev = true
		}
	}
	crit := func(reason string) { k.add(ruleDiskWipe, detect.SeverityCritical, reason, c) }
	switch {
	case strings.HasPrefix(c.Name, "mkfs") || c.Name == "mke2fs" || c.Name == "newfs" || strings.HasPrefix(c.Name, "newfs_"):
		if len(operands(args)) > 0 {
			crit("creates a new filesystem, erasing the device")
		}
	case c.Name == "mkswap":
		if hasDev {
			crit("turns a disk device into swap, erasing it")
		}
	case c.Name == "wipefs":
		if hasFlag(args, 'a', "--all") || hasDev {
			crit("erases filesystem signatures from a device")
		}
	case c.Name == "blkdiscard":
		crit("discards every block of a device")
	case c.Name == "sgdisk":
		if hasFlag(args, 'Z', "--zap-all") || hasFlag(args, 'o', "--clear") || hasFlag(args, 'z', "--zap") {
			crit("destroys a disk's partition table")
		}
	case c.Name == "parted":
		for _, a := range lower {
			if a == "mklabel" || a == "rm" || a == "mkpart" || a == "resizepart" {
				crit("rewrites a disk's partition table")
				return
			}
		}
	case c.Name == "sfdisk", c.Name == "fdisk", c.Name == "gdisk":
		if hasDev && !hasFlag(args, 'l', "--list") && !hasFlag(args, 0, "--dump", "--json", "--show-size") {
			k.add(ruleDiskWipe, detect.SeverityHigh, "edits a disk's partition table", c)
		}
	case c.Name == "hdparm":
		for _, a := range lower {
			if strings.HasPrefix(a, "--security-erase") || a == "--trim-sector-ranges" || a == "--write-sector" {
				crit("erases a disk through its firmware")
				return
			}
		}
	case c.Name == "diskutil":
		if len(lower) > 0 {
			switch lower[0] {
			case "erasedisk", "erasevolume", "zerodisk", "randomdisk", "secureerase", "partitiondisk", "reformat", "apfs":
				if lower[0] != "apfs" || (len(lower) > 1 && (lower[1] == "deletecontainer" || lower[1] == "deletevolume" || lower[1] == "erasevolume")) {
					crit("erases a disk or volume")
				}
			}
		}
	case c.Name == "format":
		for _, a := range args {
			if len(a) == 2 && a[1] == ':' {
				crit("formats a drive")
				return
			}
		}
	case c.Name == "cryptsetup":
		for _, a := range lower {
			if a == "luksformat" || a == "erase" || a == "luksErase" || a == "luksremovekey" || a == "luksKillSlot" {
				crit("destroys the encryption header or keys of a device")
				return
			}
		}
	case c.Name == "lvremove" || c.Name == "vgremove" || c.Name == "pvremove":
		k.add(ruleDiskWipe, detect.SeverityHigh, "removes logical volumes", c)
	case c.Name == "zpool" || c.Name == "zfs":
		if len(lower) > 0 && (lower[0] == "destroy" || lower[0] == "labelclear") {
			k.add(ruleDiskWipe, detect.SeverityHigh, "destroys a storage pool or dataset", c)
		}
	case c.Name == "mdadm":
		if hasFlag(args, 0, "--zero-superblock") {
			crit("erases RAID metadata")
		}
	case c.Name == "badblocks":
		if hasFlag(args, 'w') {
			crit("runs a destructive write test over a device")
		}
	case c.Name == "nvme":
		if len(lower) > 0 && (lower[0] == "format" || lower[0] == "sanitize") {
			crit("erases an NVMe device")
		}
	}
}

func (k *checker) perms(c *Command) {
	args := c.Args
	recursive := hasFlag(args, 'R', "--recursive")
	ops := operands(args)
	switch c.Name {
	case "chmod":
		if len(ops) < 2 {
			return
		}
		mode, targets := ops[0], ops[1:]
		worst := worstPath(targets)
		if setuidMode(mode) {
			k.add(rulePrivEsc, detect.SeverityHigh, "sets the setuid or setgid bit", c)
			return
		}
		wide := worldWritable(mode)
		none := mode == "000" || mode == "0000" || mode == "a-rwx" || mode == "ugo-rwx"
		if !wide && !none {
			return
		}
		switch {
		case worst == pathRoot || worst == pathSystem || (recursive && worst == pathHome):
			k.add(rulePermission, detect.SeverityCritical, "changes permissions of the "+worst.String(), c)
		case worst == pathSystemSub || worst == pathHome || (recursive && worst == pathHomeSub):
			k.add(rulePermission, detect.SeverityHigh, "changes permissions of the "+worst.String(), c)
		case recursive && wide && worst == pathProject:
			k.add(rulePermission, detect.SeverityMedium, "makes the whole working tree world-writable", c)
		}
	case "chown", "chgrp":
		if len(ops) < 2 {
			return
		}
		worst := worstPath(ops[1:])
		switch {
		case recursive && (worst == pathRoot || worst == pathSystem || worst == pathHome):
			k.add(rulePermission, detect.SeverityHigh, "recursively changes ownership of the "+worst.String(), c)
		case recursive && worst == pathSystemSub:
			k.add(rulePermission, detect.SeverityMedium, "recursively changes ownership of the "+worst.String(), c)
		}
	case "setfacl":
		if recursive && (worstPath(ops) >= pathSystemSub) {
			for _, a := range args {
				if strings.Contains(a, "o:rwx") || strings.Contains(a, "other:rwx") || strings.Contains(a, "o::rwx") {
					k.add(rulePermission, detect.SeverityHigh, "grants everyone access to system paths", c)
					return
				}
			}
		}
	case "chattr":
		if worstPath(ops) >= pathSystemSub {
			for _, a := range args {
				if a == "+i" || a == "-i" {
					k.add(rulePermission, detect.SeverityLow, "changes the immutable attribute of system files", c)
					return
				}
			}
		}
	}
}

func worstPath(ops []string) pathClass {
	w := pathNone
	for _, o := range ops {
		if cl := classifyPath(o); cl > w {
			w = cl
		}
	}
	return w
}

// setuidMode reports a chmod mode that sets the setuid or setgid bit.
func setuidMode(m string) bool {
	if strings.Contains(m, "+s") || strings.Contains(m, "=s") || strings.Contains(m, "+xs") || strings.Contains(m, "+sx") {
		return true
	}
	if len(m) == 4 && isAllDigits(m) {
		switch m[0] {
		case '2', '4', '6', '7':
			return true
		}
	}
	return false
}

func worldWritable(m string) bool {
	switch {
	case len(m) >= 3 && isAllDigits(m):
		last := m[len(m)-1]
		return last == '2' || last == '3' || last == '6' || last == '7'
	case strings.HasPrefix(m, "o+") || strings.HasPrefix(m, "a+") || strings.HasPrefix(m, "+") || strings.HasPrefix(m, "ugo+") || strings.Contains(m, ",o+"):
		return strings.ContainsRune(m, 'w')
	case strings.HasPrefix(m, "a=") || strings.HasPrefix(m, "o="):
		return strings.ContainsRune(m, 'w')
	}
	return false
}

// redirects judges a command's redirections: writing to a disk device,
// attaching a shell to a network socket, reading credential files.
func (k *checker) redirects(c *Command) {
	for i := range c.Redirs {
		r := &c.Redirs[i]
		t := r.Target
		if strings.HasPrefix(t, "/dev/tcp/") || strings.HasPrefix(t, "/dev/udp/") {
			if shells[c.Name] || c.Name == "exec" || c.Name == "" || interpreter(c.Name) != "" {
				k.add(ruleReverseShell, detect.SeverityCritical, "connects a shell to a network socket", c)
				return
			}
			continue
		}
		if r.IsWrite() && blockDevice(t) {
			k.add(ruleDiskWipe, detect.SeverityCritical, "writes over a disk device", c)
			continue
		}
		if r.IsRead() {
			if cr, ok := credentialFile(t); ok {
				s := detect.SeverityMedium
				if cr.high {
					s = detect.SeverityHigh
				}
				k.add(ruleCredentialRead, s, "reads "+cr.what, c)
			}
		}
	}
}

// writeTargets returns the files a command writes: redirection targets,
// tee's files, the destination of cp/mv/install/ln, dd's of=, sed -i's
// files. fromNull reports a source of /dev/null (cp /dev/null f, ln -s
// /dev/null f), which empties the target.
func writeTargets(c *Command) (targets []string, fromNull, truncating bool) {
	for i := range c.Redirs {
		if c.Redirs[i].IsWrite() {
			targets = append(targets, c.Redirs[i].Target)
			if c.Redirs[i].Op == ">" || c.Redirs[i].Op == ">|" || c.Redirs[i].Op == "&>" {
				truncating = true
			}
		}
	}
	ops := operands(c.Args)
	switch c.Name {
	case "tee":
		targets = append(targets, ops...)
		if !hasFlag(c.Args, 'a', "--append") {
			truncating = true
		}
	case "cp", "mv", "install", "ln", "rsync", "scp":
		if len(ops) >= 2 {
			targets = append(targets, ops[len(ops)-1])
			for _, o := range ops[:len(ops)-1] {
				if o == "/dev/null" {
					fromNull = true
				}
			}
		}
	case "dd":
		for _, a := range c.Args {
			if strings.HasPrefix(a, "of=") {
				targets = append(targets, a[3:])
			}
		}
	case "sed", "perl":
		if hasFlag(c.Args, 'i', "--in-place") && len(ops) >= 2 {
			targets = append(targets, ops[1:]...)
		}
	case "sudoedit", "vi", "vim", "nano", "emacs", "ed":
		if c.Name == "sudoedit" || c.Privileged {
			targets = append(targets, ops...)
		}
	}
	if !c.HasStdin && c.Name == "" {
		truncating = true
	}
	return targets, fromNull, truncating
}

// writes judges the files a command writes.
func (k *checker) writes(c *Command) {
	targets, fromNull, truncating := writeTargets(c)
	for _, t := range targets {
		if rule, s, reason, ok := judgeWrite(t, fromNull, truncating && (c.Name == "" || c.Name == "cat" || c.Name == "echo" || c.Name == "printf" || c.Name == ":" || c.Name == "true")); ok {
			k.add(rule, s, reason, c)
		}
	}
}

// judgeWrite classifies a write to path t. emptying is set when the write
// replaces the file with nothing (`> f`, `cat /dev/null > f`, `ln -sf
// /dev/null f`).
func judgeWrite(t string, fromNull, emptying bool) (rule string, s detect.Severity, reason string, ok bool) {
	p, _ := normPath(t)
	lp := strings.ToLower(p)
	base := lp
	if i := strings.LastIndexByte(lp, '/'); i >= 0 {
		base = lp[i+1:]
	}
	switch {
	case lp == "/etc/sudoers" || strings.HasPrefix(lp, "/etc/sudoers.d/") || lp == "/private/etc/sudoers":
		return rulePrivEsc, detect.SeverityCritical, "writes the sudoers file", true
	case lp == "/etc/passwd" || lp == "/etc/shadow" || lp == "/etc/group" || lp == "/etc/gshadow":
		return rulePrivEsc, detect.SeverityHigh, "writes the system account database", true
	case lp == "/etc/ld.so.preload":
		return rulePrivEsc, detect.SeverityCritical, "writes the dynamic linker preload list", true
	case strings.HasPrefix(lp, "/etc/pam.d/"):
		return rulePrivEsc, detect.SeverityHigh, "writes authentication (PAM) configuration", true
	case historyFile(t) && (fromNull || emptying):
		return ruleHistoryTamper, detect.SeverityHigh, "empties a shell history file", true
	case strings.HasPrefix(lp, "/var/log/") && (fromNull || emptying):
		return ruleHistoryTamper, detect.SeverityMedium, "empties system log files", true
	case base == "authorized_keys" || base == "authorized_keys2":
		return rulePersistence, detect.SeverityHigh, "adds an SSH authorized key", true
	case strings.HasPrefix(lp, "/etc/cron") || strings.HasPrefix(lp, "/var/spool/cron"):
		return rulePersistence, detect.SeverityMedium, "installs a scheduled job", true
	case strings.Contains(lp+"/", "/launchagents/") || strings.Contains(lp+"/", "/launchdaemons/") || lp == "/etc/rc.local" ||
		strings.HasPrefix(lp, "/etc/systemd/system/") || strings.HasPrefix(lp, "/etc/init.d/"):
		return rulePersistence, detect.SeverityMedium, "installs a service that starts automatically", true
	case (lp == "~/.bashrc" || lp == "~/.bash_profile" || lp == "~/.profile" || lp == "~/.zshrc" || lp == "~/.zprofile" ||
		lp == "~/.zshenv" || lp == "/etc/profile" || strings.HasPrefix(lp, "/etc/profile.d/") || lp == "/etc/bash.bashrc" ||
		lp == "/etc/environment") && !emptying:
		return rulePersistence, detect.SeverityLow, "changes a shell startup file", true
	case strings.HasPrefix(lp, "/usr/bin/") || strings.HasPrefix(lp, "/bin/") || strings.HasPrefix(lp, "/sbin/") || strings.HasPrefix(lp, "/usr/sbin/"):
		return rulePrivEsc, detect.SeverityHigh, "replaces a system program", true
	case strings.Contains(lp, "/.git/hooks/"):
		return rulePersistence, detect.SeverityLow, "installs a git hook", true
	}
	return "", 0, "", false
}
