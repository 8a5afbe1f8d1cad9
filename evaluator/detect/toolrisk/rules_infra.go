package toolrisk

import (
	"strings"

	"github.com/sluicehq/sluice/evaluator/detect"
)

// destroyVerbs are subcommand words that delete or irreversibly disable
// what a resource-management CLI manages.
var destroyVerbs = map[string]bool{
	"delete": true, "del": true, "destroy": true, "purge": true, "prune": true, "remove": true, "rm": true,
	"rb": true, "terminate": true, "drop": true, "uninstall": true, "unregister": true, "deregister": true,
	"wipe": true, "erase": true, "truncate": true, "revoke": true, "unsubscribe": true, "flushall": true,
	"flushdb": true, "forget": true, "disable": true, "undefine": true, "unpublish": true, "expunge": true,
	"nuke": true, "obliterate": true, "rmi": true,
}

// readVerbs start subcommands that only look (list-deleted-secrets,
// describe-delete-markers), which verb parts later in the word must not
// turn into deletions.
var readVerbs = map[string]bool{
	"list": true, "get": true, "describe": true, "show": true, "ls": true, "info": true, "view": true, "status": true,
	"lookup": true, "read": true, "cat": true, "check": true, "inspect": true, "stat": true, "stats": true, "logs": true,
	"watch": true, "search": true, "find": true, "export": true, "head": true, "validate": true, "diff": true,
}

// infraSpec describes how a resource-management CLI is judged.
type infraSpec struct {
	rule  string
	sev   detect.Severity
	extra []string // tool-specific destructive verbs beyond destroyVerbs
	// flagVerbs makes options named after a destroy verb (--delete,
	// --remove-source-files) count as the verb.
	flagVerbs bool
	// valued are global options whose value is the next word, skipped when
	// looking for subcommands.
	valued []string
}

// infraCLIs are the resource-management command-line tools judged by their
// subcommand verbs. Cloud platforms delete infrastructure and data (high);
// the others delete secrets, backups, queues, repositories or pipelines
// (medium).
var infraCLIs = map[string]infraSpec{
	"gcloud":     {rule: ruleCloudDestroy, sev: detect.SeverityHigh, valued: []string{"--project", "--account", "--configuration", "--format", "--zone", "--region"}},
	"gsutil":     {rule: ruleCloudDestroy, sev: detect.SeverityHigh, extra: []string{"rm"}},
	"az":         {rule: ruleCloudDestroy, sev: detect.SeverityHigh, valued: []string{"--subscription", "-g", "--resource-group", "-n", "--name", "-o", "--output"}},
	"doctl":      {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"linode-cli": {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"hcloud":     {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"openstack":  {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"scw":        {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"ibmcloud":   {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"oci":        {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"heroku":     {rule: ruleCloudDestroy, sev: detect.SeverityHigh, extra: []string{"reset"}},
	"fly":        {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"flyctl":     {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"vercel":     {rule: ruleCloudDestroy, sev: detect.SeverityMedium},
	"netlify":    {rule: ruleCloudDestroy, sev: detect.SeverityMedium},
	"firebase":   {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"supabase":   {rule: ruleCloudDestroy, sev: detect.SeverityMedium, extra: []string{"reset"}},
	"wrangler":   {rule: ruleCloudDestroy, sev: detect.SeverityMedium},
	"railway":    {rule: ruleCloudDestroy, sev: detect.SeverityMedium},
	"eksctl":     {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"s3cmd":      {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"mc":         {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"cf":         {rule: ruleCloudDestroy, sev: detect.SeverityHigh},
	"azcopy":     {rule: ruleCloudDestroy, sev: detect.SeverityHigh},

	"vault":         {rule: ruleServiceDestroy, sev: detect.SeverityMedium, valued: []string{"-address", "-namespace"}},
	"op":            {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"doppler":       {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"infisical":     {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"rclone":        {rule: ruleServiceDestroy, sev: detect.SeverityMedium, extra: []string{"deletefile", "purge", "rmdir", "rmdirs", "cleanup", "sync", "move", "moveto", "dedupe", "bisync"}},
	"restic":        {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"borg":          {rule: ruleServiceDestroy, sev: detect.SeverityMedium, extra: []string{"compact", "recreate", "rdelete"}},
	"borgbackup":    {rule: ruleServiceDestroy, sev: detect.SeverityMedium, extra: []string{"compact", "recreate"}},
	"kopia":         {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"velero":        {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"gh":            {rule: ruleServiceDestroy, sev: detect.SeverityMedium, extra: []string{"archive"}, valued: []string{"-R", "--repo"}},
	"glab":          {rule: ruleServiceDestroy, sev: detect.SeverityMedium, extra: []string{"archive"}, valued: []string{"-R", "--repo"}},
	"circleci":      {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"gitlab-runner": {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"nats":          {rule: ruleServiceDestroy, sev: detect.SeverityMedium, valued: []string{"-s", "--server", "--context", "--creds"}},
	"rabbitmqctl":   {rule: ruleServiceDestroy, sev: detect.SeverityMedium, extra: []string{"clear", "reset", "force_reset", "close_all_connections"}, valued: []string{"-p", "-n", "--vhost", "--node"}},
	"rabbitmqadmin": {rule: ruleServiceDestroy, sev: detect.SeverityMedium, valued: []string{"-H", "-P", "-V", "-u", "-p", "--vhost"}},
	"argocd":        {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"flux":          {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"istioctl":      {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"vagrant":       {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"virsh":         {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"lxc":           {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"multipass":     {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"consul":        {rule: ruleDatabaseDestroy, sev: detect.SeverityMedium},
	"influx":        {rule: ruleDatabaseDestroy, sev: detect.SeverityMedium},
	"stripe":        {rule: ruleServiceDestroy, sev: detect.SeverityMedium},
	"minikube":      {rule: ruleServiceDestroy, sev: detect.SeverityLow},
	"kind":          {rule: ruleServiceDestroy, sev: detect.SeverityLow},
	"k3d":           {rule: ruleServiceDestroy, sev: detect.SeverityLow},
	"rsync":         {rule: ruleSyncDelete, sev: detect.SeverityMedium, flagVerbs: true},
}

// verbWord reports whether a subcommand word is a destroy verb, in whole
// or as a part (delete-bucket, delete_user, repo-delete, apps:destroy,
// deletefile), unless it starts with a read verb.
func verbWord(w string, extra []string) bool {
	w = strings.ToLower(w)
	if w == "" || strings.ContainsAny(w, "/=.@") {
		return false
	}
	for _, e := range extra {
		if w == e || strings.HasPrefix(w, e+"_") || strings.HasPrefix(w, e+"-") {
			return true
		}
	}
	if destroyVerbs[w] {
		return true
	}
	parts := strings.FieldsFunc(w, func(r rune) bool { return r == '-' || r == '_' || r == ':' })
	if len(parts) == 0 || readVerbs[parts[0]] {
		return false
	}
	for _, p := range parts {
		if destroyVerbs[p] {
			return true
		}
	}
	return strings.HasPrefix(w, "delete") || strings.HasSuffix(w, "delete") || strings.HasPrefix(w, "purge") || strings.HasSuffix(w, "destroy")
}

// subcommands returns the first n non-option words, skipping the values of
// the given options.
func subcommands(args []string, valued []string, n int) []string {
	var out []string
	for i := 0; i < len(args) && len(out) < n; i++ {
		a := args[i]
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "-") {
			for _, v := range valued {
				if a == v {
					i++
					break
				}
			}
			continue
		}
		out = append(out, a)
	}
	return out
}

// infra judges resource-management CLIs by their subcommand verbs.
func (k *checker) infra(c *Command) {
	name := c.Name
	spec, ok := infraCLIs[name]
	switch {
	case ok:
	case strings.HasPrefix(name, "kafka-"):
		k.kafka(c)
		return
	case name == "java":
		k.jarCLI(c)
		return
	case name == "npm" || name == "pnpm" || name == "yarn":
		// Only unpublishing is destructive; rm/remove uninstall a dependency.
		if sub := subcommands(c.Args, nil, 1); len(sub) == 1 && sub[0] == "unpublish" {
			k.add(ruleServiceDestroy, detect.SeverityMedium, "unpublishes a package from the registry", c)
		}
		return
	default:
		return
	}
	if dryRun(c.Args) {
		return
	}
	switch name {
	case "rsync":
		k.rsync(c)
		return
	case "rclone":
		if hasFlag(c.Args, 'n') {
			return
		}
	case "gh", "glab":
		if sub := subcommands(c.Args, spec.valued, 1); len(sub) == 1 && sub[0] == "api" {
			if m, ok := optValue(c.Args, "-X", "--method"); ok && strings.EqualFold(m, "DELETE") {
				k.add(ruleHTTPDelete, detect.SeverityMedium, "sends a DELETE request to the platform API", c)
			}
			return
		}
	case "gcloud":
		sub := subcommands(c.Args, spec.valued, 4)
		if len(sub) >= 2 && sub[0] == "projects" && sub[1] == "delete" {
			k.add(ruleCloudDestroy, detect.SeverityCritical, "deletes a whole cloud project", c)
			return
		}
	case "az":
		sub := subcommands(c.Args, spec.valued, 3)
		if len(sub) >= 2 && sub[0] == "group" && sub[1] == "delete" {
			k.add(ruleCloudDestroy, detect.SeverityCritical, "deletes a resource group and everything in it", c)
			return
		}
	case "gsutil", "mc", "s3cmd":
		sub := subcommands(c.Args, []string{"-o", "-h"}, 2)
		if len(sub) > 0 && (sub[0] == "rm" || sub[0] == "del") && !hasFlag(c.Args, 'r', "--recursive") && !hasFlag(c.Args, 0, "--force") {
			k.add(ruleCloudDestroy, detect.SeverityMedium, "deletes objects from cloud storage", c)
			return
		}
	}
	for _, w := range subcommands(c.Args, spec.valued, 4) {
		if verbWord(w, spec.extra) {
			k.add(spec.rule, spec.sev, name+" "+strings.ToLower(w)+" deletes or disables managed resources", c)
			return
		}
	}
	if spec.flagVerbs {
		for _, a := range c.Args {
			if strings.HasPrefix(a, "--") && verbWord(strings.TrimPrefix(flagName(a), "--"), nil) {
				k.add(spec.rule, spec.sev, name+" "+flagName(a)+" deletes data", c)
				return
			}
		}
	}
}

func flagName(a string) string {
	if i := strings.IndexByte(a, '='); i >= 0 {
		return a[:i]
	}
	return a
}

func (k *checker) rsync(c *Command) {
	if hasFlag(c.Args, 'n', "--list-only") {
		return
	}
	for _, a := range c.Args {
		f := strings.ToLower(flagName(a))
		if f == "--del" || strings.HasPrefix(f, "--delete") || f == "--remove-source-files" || f == "--remove-sent-files" {
			k.add(ruleSyncDelete, detect.SeverityMedium, "rsync "+f+" deletes files", c)
			return
		}
	}
}

// kafka judges the Kafka admin scripts (kafka-topics, kafka-configs ...),
// whose verbs are options.
func (k *checker) kafka(c *Command) {
	name := strings.TrimSuffix(c.Name, ".sh")
	if strings.Contains(name, "delete") {
		k.add(ruleServiceDestroy, detect.SeverityMedium, name+" deletes data", c)
		return
	}
	for _, a := range c.Args {
		f := strings.ToLower(flagName(a))
		if f == "--delete" || f == "--remove" || strings.HasPrefix(f, "--delete-") {
			k.add(ruleServiceDestroy, detect.SeverityMedium, name+" "+f+" deletes topics, groups or settings", c)
			return
		}
		if f == "--reset-offsets" && hasArg(c.Args, "--execute") {
			k.add(ruleServiceDestroy, detect.SeverityMedium, "resets consumer offsets", c)
			return
		}
	}
}

// jarCLI judges `java -jar <tool>-cli.jar <subcommand>`.
func (k *checker) jarCLI(c *Command) {
	i := indexOf(c.Args, "-jar")
	if i < 0 || i+1 >= len(c.Args) || !strings.Contains(strings.ToLower(c.Args[i+1]), "cli") {
		return
	}
	for _, w := range subcommands(c.Args[i+2:], []string{"-s", "-auth", "-i", "-user"}, 2) {
		if verbWord(w, nil) {
			k.add(ruleServiceDestroy, detect.SeverityMedium, "CLI "+strings.ToLower(w)+" deletes managed resources", c)
			return
		}
	}
}

var awsValued = []string{"--profile", "--region", "--output", "--endpoint-url", "--query", "--color", "--cli-input-json", "--ca-bundle"}

// awsHighServices hold data or infrastructure whose deletion is not
// recoverable.
var awsHighServices = map[string]bool{
	"s3": true, "s3api": true, "rds": true, "dynamodb": true, "ec2": true, "efs": true, "redshift": true,
	"elasticache": true, "es": true, "opensearch": true, "eks": true, "ecr": true, "cloudformation": true,
	"backup": true, "glacier": true, "kms": true, "iam": true, "organizations": true, "route53": true,
	"secretsmanager": true, "docdb": true, "neptune": true, "lightsail": true, "ecs": true, "kinesis": true,
}

func (k *checker) aws(c *Command) {
	if dryRun(c.Args) || hasArg(c.Args, "--dryrun") {
		return
	}
	sub := subcommands(c.Args, awsValued, 2)
	if len(sub) < 2 {
		return
	}
	svc, op := strings.ToLower(sub[0]), strings.ToLower(sub[1])
	switch {
	case svc == "s3" && op == "rm":
		if hasFlag(c.Args, 0, "--recursive") {
			k.add(ruleCloudDestroy, detect.SeverityHigh, "recursively deletes objects from an S3 bucket", c)
		} else {
			k.add(ruleCloudDestroy, detect.SeverityMedium, "deletes an S3 object", c)
		}
		return
	case svc == "s3" && op == "rb":
		s := detect.SeverityMedium
		if hasFlag(c.Args, 0, "--force") {
			s = detect.SeverityHigh
		}
		k.add(ruleCloudDestroy, s, "removes an S3 bucket", c)
		return
	case svc == "s3" && (op == "sync" || op == "mv" || op == "cp") && hasFlag(c.Args, 0, "--delete"):
		k.add(ruleSyncDelete, detect.SeverityMedium, "aws s3 sync --delete removes files missing from the source", c)
		return
	case svc == "secretsmanager" && (op == "update-secret" || op == "put-secret-value"):
		k.add(ruleCloudDestroy, detect.SeverityMedium, "overwrites a stored secret", c)
		return
	case svc == "ssm" && op == "put-parameter" && hasFlag(c.Args, 0, "--overwrite"):
		k.add(ruleCloudDestroy, detect.SeverityMedium, "overwrites a stored parameter", c)
		return
	case svc == "kms" && (op == "schedule-key-deletion" || op == "disable-key"):
		k.add(ruleCloudDestroy, detect.SeverityHigh, "schedules deletion of an encryption key (data encrypted with it becomes unreadable)", c)
		return
	case (svc == "cloudtrail" && (op == "stop-logging" || op == "delete-trail" || op == "update-trail")) ||
		(svc == "guardduty" && strings.HasPrefix(op, "delete-")) || (svc == "config" && strings.HasPrefix(op, "stop-")):
		k.add(ruleDefenseEvasion, detect.SeverityHigh, "turns off cloud audit logging or threat detection", c)
		return
	case svc == "iam" && strings.HasPrefix(op, "attach-") && strings.HasSuffix(op, "-policy"):
		for _, a := range c.Args {
			if strings.Contains(a, "AdministratorAccess") || strings.Contains(a, "IAMFullAccess") {
				k.add(rulePrivEsc, detect.SeverityHigh, "grants administrator access in the cloud account", c)
				return
			}
		}
		return
	case svc == "iam" && (op == "create-access-key" || op == "create-login-profile" || op == "update-login-profile"):
		k.add(rulePrivEsc, detect.SeverityMedium, "creates or resets cloud account credentials", c)
		return
	case svc == "configure" && (op == "export-credentials" || (op == "get" && len(sub) > 1 && strings.Contains(strings.ToLower(strings.Join(c.Args, " ")), "secret"))):
		k.add(ruleCredentialRead, detect.SeverityHigh, "prints cloud credentials", c)
		return
	}
	if verbWord(op, []string{"terminate", "deregister", "purge", "unsubscribe"}) {
		s := detect.SeverityMedium
		if awsHighServices[svc] {
			s = detect.SeverityHigh
		}
		k.add(ruleCloudDestroy, s, "aws "+svc+" "+op+" deletes cloud resources", c)
	}
}

var kubectlValued = []string{"-n", "--namespace", "--context", "--kubeconfig", "-s", "--server", "--cluster", "--user", "--token", "-l", "--selector", "-o", "--output", "-f", "--filename", "-c", "--container", "--field-selector", "--as", "--request-timeout", "--grace-period", "--timeout", "-L"}

// clusterWide are Kubernetes resources whose deletion takes down more than
// one workload.
var clusterWide = map[string]bool{
	"ns": true, "namespace": true, "namespaces": true, "node": true, "nodes": true, "no": true, "pv": true,
	"persistentvolume": true, "persistentvolumes": true, "crd": true, "crds": true, "customresourcedefinition": true,
	"customresourcedefinitions": true, "all": true, "clusterrole": true, "clusterrolebinding": true,
	"storageclass": true, "sc": true, "pvc": true, "persistentvolumeclaim": true, "persistentvolumeclaims": true,
	"statefulset": true, "statefulsets": true, "sts": true,
}

func (k *checker) cluster(c *Command) {
	args := c.Args
	if dryRun(args) {
		return
	}
	switch c.Name {
	case "kubectl", "oc":
		sub := subcommands(args, kubectlValued, 3)
		if len(sub) == 0 {
			return
		}
		switch sub[0] {
		case "delete":
			wide := hasFlag(args, 'A', "--all", "--all-namespaces")
			for _, r := range sub[1:] {
				for _, part := range strings.Split(strings.ToLower(r), ",") {
					if clusterWide[strings.SplitN(part, "/", 2)[0]] {
						wide = true
					}
				}
			}
			if wide {
				k.add(ruleClusterDestroy, detect.SeverityHigh, "deletes namespaces, volumes or every resource of a kind", c)
			} else {
				k.add(ruleClusterDestroy, detect.SeverityMedium, "deletes Kubernetes resources", c)
			}
		case "drain":
			k.add(ruleClusterDestroy, detect.SeverityMedium, "drains a node, evicting its workloads", c)
		case "config":
			if len(sub) > 1 && sub[1] == "view" && hasFlag(args, 0, "--raw") {
				k.add(ruleCredentialRead, detect.SeverityMedium, "prints cluster credentials", c)
			}
		case "create":
			if len(sub) > 1 && (sub[1] == "clusterrolebinding" || sub[1] == "rolebinding") {
				for _, a := range args {
					if strings.Contains(a, "cluster-admin") {
						k.add(rulePrivEsc, detect.SeverityHigh, "binds the cluster-admin role", c)
						return
					}
				}
			}
		}
	case "helm":
		sub := subcommands(args, []string{"-n", "--namespace", "--kube-context", "--kubeconfig"}, 1)
		if len(sub) > 0 && (sub[0] == "uninstall" || sub[0] == "delete" || sub[0] == "del" || sub[0] == "un") {
			k.add(ruleClusterDestroy, detect.SeverityMedium, "uninstalls a Helm release", c)
		}
	case "terraform", "tofu", "terragrunt":
		sub := subcommands(args, []string{"-chdir"}, 2)
		if len(sub) == 0 {
			return
		}
		switch sub[0] {
		case "destroy", "destroy-all":
			k.add(ruleClusterDestroy, detect.SeverityHigh, "destroys all managed infrastructure", c)
		case "run-all":
			if len(sub) > 1 && sub[1] == "destroy" {
				k.add(ruleClusterDestroy, detect.SeverityHigh, "destroys all managed infrastructure", c)
			}
		case "apply":
			if hasFlag(args, 0, "-destroy") || hasArg(args, "-destroy") {
				k.add(ruleClusterDestroy, detect.SeverityHigh, "destroys all managed infrastructure", c)
			}
		case "state":
			if len(sub) > 1 && (sub[1] == "rm" || sub[1] == "remove") {
				k.add(ruleClusterDestroy, detect.SeverityMedium, "removes resources from state", c)
			}
		case "workspace":
			if len(sub) > 1 && sub[1] == "delete" {
				k.add(ruleClusterDestroy, detect.SeverityMedium, "deletes a workspace", c)
			}
		}
	case "pulumi":
		sub := subcommands(args, []string{"-s", "--stack", "-C", "--cwd"}, 2)
		if len(sub) > 0 && (sub[0] == "destroy" || sub[0] == "down" || (sub[0] == "stack" && len(sub) > 1 && sub[1] == "rm")) {
			k.add(ruleClusterDestroy, detect.SeverityHigh, "destroys a stack's infrastructure", c)
		}
	case "cdk", "sam", "serverless", "sls":
		sub := subcommands(args, nil, 1)
		if len(sub) > 0 && (sub[0] == "destroy" || sub[0] == "delete" || sub[0] == "remove") {
			k.add(ruleClusterDestroy, detect.SeverityHigh, "deletes a deployed stack", c)
		}
	case "docker", "podman", "nerdctl", "docker-compose":
		k.docker(c)
	}
}

func (k *checker) docker(c *Command) {
	args := c.Args
	sub := subcommands(args, []string{"-H", "--host", "--context", "-c", "--config", "-f", "--file", "-p", "--project-name"}, 2)
	if c.Name == "docker-compose" {
		sub = append([]string{"compose"}, sub...)
	}
	if len(sub) == 0 {
		return
	}
	at := func(i int) string {
		if i < len(sub) {
			return sub[i]
		}
		return ""
	}
	switch at(0) {
	case "system":
		if at(1) == "prune" && (hasFlag(args, 'a', "--all") || hasFlag(args, 0, "--volumes")) {
			k.add(ruleClusterDestroy, detect.SeverityMedium, "removes all unused images, containers and volumes", c)
		}
	case "volume":
		switch at(1) {
		case "rm", "remove":
			k.add(ruleClusterDestroy, detect.SeverityMedium, "deletes a volume and its data", c)
		case "prune":
			k.add(ruleClusterDestroy, detect.SeverityMedium, "deletes unused volumes and their data", c)
		}
	case "rm", "rmi":
		if hasFlag(args, 'f', "--force") {
			for _, a := range args {
				if strings.Contains(a, "$()") {
					k.add(ruleClusterDestroy, detect.SeverityMedium, "force-removes every container or image", c)
					return
				}
			}
		}
	case "compose":
		if at(1) == "down" && hasFlag(args, 'v', "--volumes") {
			k.add(ruleClusterDestroy, detect.SeverityMedium, "removes the project's volumes and their data", c)
		}
	case "run", "create", "exec":
		for i, a := range args {
			la := strings.ToLower(a)
			v := ""
			if i+1 < len(args) {
				v = args[i+1]
			}
			switch {
			case la == "--privileged" || la == "--privileged=true":
				k.add(rulePrivEsc, detect.SeverityHigh, "runs a privileged container (full host access)", c)
				return
			case (la == "-v" || la == "--volume") && (strings.HasPrefix(v, "/:") || strings.HasPrefix(v, "/var/run/docker.sock")),
				strings.HasPrefix(la, "--volume=/:") || strings.HasPrefix(la, "-v=/:"):
				k.add(rulePrivEsc, detect.SeverityHigh, "mounts the host's root filesystem or Docker socket into a container", c)
				return
			case la == "--pid=host" || (la == "--pid" && v == "host"):
				k.add(rulePrivEsc, detect.SeverityMedium, "shares the host's process namespace", c)
				return
			case strings.HasPrefix(la, "--cap-add") && (strings.Contains(strings.ToUpper(a+v), "SYS_ADMIN") || strings.Contains(strings.ToUpper(a+" "+v), " ALL") || strings.HasSuffix(strings.ToUpper(a), "=ALL")):
				k.add(rulePrivEsc, detect.SeverityHigh, "grants a container administrative capabilities", c)
				return
			}
		}
	}
}

func (k *checker) database(c *Command) {
	args := c.Args
	switch c.Name {
	case "dropdb":
		if len(operands(args)) > 0 {
			k.add(ruleDatabaseDestroy, detect.SeverityHigh, "drops a database", c)
		}
	case "dropuser":
		k.add(ruleDatabaseDestroy, detect.SeverityMedium, "drops a database role", c)
	case "mysqladmin":
		for _, a := range operands(args) {
			switch strings.ToLower(a) {
			case "drop":
				k.add(ruleDatabaseDestroy, detect.SeverityHigh, "drops a database", c)
				return
			case "shutdown":
				k.add(ruleDatabaseDestroy, detect.SeverityMedium, "shuts the database server down", c)
				return
			}
		}
	case "redis-cli":
		sub := subcommands(args, []string{"-h", "-p", "-a", "-n", "-u", "--user", "--pass", "-s", "--tls", "-r", "-i", "--cacert"}, 3)
		if len(sub) == 0 {
			return
		}
		switch strings.ToLower(sub[0]) {
		case "flushall", "flushdb":
			k.add(ruleDatabaseDestroy, detect.SeverityHigh, "deletes every key", c)
		case "shutdown":
			k.add(ruleDatabaseDestroy, detect.SeverityMedium, "shuts the Redis server down", c)
		case "config":
			if len(sub) >= 3 && strings.EqualFold(sub[1], "set") && (strings.EqualFold(sub[2], "dir") || strings.EqualFold(sub[2], "dbfilename")) {
				k.add(rulePrivEsc, detect.SeverityHigh, "points Redis persistence at an arbitrary file (a known way to write files as the server)", c)
			}
		}
	case "etcdctl":
		sub := subcommands(args, []string{"--endpoints", "--cacert", "--cert", "--key", "--user"}, 1)
		if len(sub) > 0 && (sub[0] == "del" || sub[0] == "delete") {
			s := detect.SeverityMedium
			if hasFlag(args, 0, "--prefix", "--from-key") {
				s = detect.SeverityHigh
			}
			k.add(ruleDatabaseDestroy, s, "deletes keys from etcd", c)
		}
	}
}

func (k *checker) tokenDump(c *Command) {
	sub := subcommands(c.Args, nil, 2)
	switch c.Name {
	case "security":
		if len(sub) > 0 && (sub[0] == "dump-keychain" || ((sub[0] == "find-generic-password" || sub[0] == "find-internet-password") && hasFlag(c.Args, 'w') || hasFlag(c.Args, 'g'))) {
			k.add(ruleCredentialRead, detect.SeverityHigh, "prints passwords from the keychain", c)
		}
	case "gpg":
		if hasFlag(c.Args, 0, "--export-secret-keys", "--export-secret-subkeys") {
			k.add(ruleCredentialRead, detect.SeverityHigh, "exports private keys", c)
		}
	case "gh", "glab":
		if len(sub) >= 2 && sub[0] == "auth" && sub[1] == "token" && c.Subst == SubstNone {
			k.add(ruleCredentialRead, detect.SeverityMedium, "prints the platform access token", c)
		}
	}
}

// securityServices are daemons whose stopping blinds monitoring or opens
// the host.
var securityServices = []string{"auditd", "apparmor", "selinux", "firewalld", "ufw", "falcon", "crowdstrike", "osquery", "wazuh", "sysmon", "clamav", "clamd", "defender", "sentinel", "carbonblack", "cbdaemon", "elastic-agent", "filebeat", "auditbeat", "fail2ban", "rsyslog", "syslog", "journald", "ossec", "tanium", "cylance", "sophos", "mdatp", "aide", "tripwire"}

func (k *checker) services(c *Command) {
	sub := subcommands(c.Args, nil, 3)
	stop := false
	for _, w := range sub {
		switch strings.ToLower(w) {
		case "stop", "disable", "mask", "kill", "unload", "bootout", "remove":
			stop = true
		}
	}
	if !stop {
		return
	}
	for _, w := range sub {
		lw := strings.ToLower(w)
		for _, s := range securityServices {
			if strings.Contains(lw, s) {
				k.add(ruleDefenseEvasion, detect.SeverityHigh, "stops a security or logging service", c)
				return
			}
		}
	}
}

func (k *checker) defenses(c *Command) {
	args := c.Args
	switch c.Name {
	case "iptables", "ip6tables":
		if hasFlag(args, 'F', "--flush") || hasFlag(args, 'X', "--delete-chain") {
			k.add(ruleDefenseEvasion, detect.SeverityMedium, "flushes firewall rules", c)
			return
		}
		if p, ok := optValue(args, "-P", "--policy"); ok && p != "" {
			for i, a := range args {
				if (a == "-P" || a == "--policy") && i+2 < len(args) && strings.EqualFold(args[i+2], "ACCEPT") {
					k.add(ruleDefenseEvasion, detect.SeverityMedium, "sets the firewall to accept everything", c)
					return
				}
			}
		}
	case "ufw":
		if len(args) > 0 && args[0] == "disable" {
			k.add(ruleDefenseEvasion, detect.SeverityMedium, "disables the firewall", c)
		}
	case "nft":
		if len(args) >= 2 && args[0] == "flush" && args[1] == "ruleset" {
			k.add(ruleDefenseEvasion, detect.SeverityMedium, "flushes firewall rules", c)
		}
	case "setenforce":
		if len(args) > 0 && (args[0] == "0" || strings.EqualFold(args[0], "permissive")) {
			k.add(ruleDefenseEvasion, detect.SeverityHigh, "turns SELinux enforcement off", c)
		}
	case "spctl":
		if hasFlag(args, 0, "--master-disable", "--global-disable") {
			k.add(ruleDefenseEvasion, detect.SeverityHigh, "turns Gatekeeper off", c)
		}
	case "csrutil":
		if len(args) > 0 && args[0] == "disable" {
			k.add(ruleDefenseEvasion, detect.SeverityHigh, "turns System Integrity Protection off", c)
		}
	case "pfctl":
		if hasFlag(args, 'd') {
			k.add(ruleDefenseEvasion, detect.SeverityMedium, "disables the packet filter", c)
		}
	}
}

func (k *checker) windows(c *Command) {
	la := strings.ToLower(strings.Join(c.Args, " "))
	switch c.Name {
	case "vssadmin":
		if strings.Contains(la, "delete shadows") || strings.Contains(la, "resize shadowstorage") {
			k.add(ruleServiceDestroy, detect.SeverityCritical, "deletes system restore points (a ransomware step)", c)
		}
	case "wbadmin":
		if strings.Contains(la, "delete") {
			k.add(ruleServiceDestroy, detect.SeverityCritical, "deletes system backups", c)
		}
	case "bcdedit":
		if strings.Contains(la, "recoveryenabled no") || strings.Contains(la, "ignoreallfailures") {
			k.add(ruleDefenseEvasion, detect.SeverityHigh, "disables Windows recovery", c)
		}
	}
}

func (k *checker) kill(c *Command) {
	for _, a := range operands(c.Args) {
		if a == "1" && c.Name == "kill" {
			k.add(ruleServiceDestroy, detect.SeverityHigh, "kills the init process", c)
			return
		}
	}
	for _, a := range c.Args {
		if a == "-1" && c.Name == "kill" && len(operands(c.Args)) == 0 {
			k.add(ruleServiceDestroy, detect.SeverityMedium, "kills every process the user can signal", c)
			return
		}
	}
	for _, a := range operands(c.Args) {
		la := strings.ToLower(a)
		for _, s := range securityServices {
			if strings.Contains(la, s) {
				k.add(ruleDefenseEvasion, detect.SeverityHigh, "kills a security or logging agent", c)
				return
			}
		}
	}
}

func (k *checker) power(c *Command) {
	if c.Name == "init" {
		if len(c.Args) == 1 && (c.Args[0] == "0" || c.Args[0] == "6") {
			k.add(ruleServiceDestroy, detect.SeverityMedium, "shuts down or reboots the machine", c)
		}
		return
	}
	if c.Name == "shutdown" && hasFlag(c.Args, 'c') {
		return
	}
	k.add(ruleServiceDestroy, detect.SeverityMedium, "shuts down or reboots the machine", c)
}
